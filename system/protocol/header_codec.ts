// Typed custom headers over a command's extFields (RocketMQ's CommandCustomHeader).
// A header spec maps field names to a kind: "int" | "long" | "bool" | "string", with a trailing
// "!" for required fields (Java's @CFNotNull). decodeHeader parses each field the way Java's
// RemotingCommand.decodeCommandCustomHeader does (Integer.parseInt, Long.parseLong,
// Boolean.parseBoolean) and fails with a HeaderDecodeError naming the field; encodeHeader turns
// a typed value back into strings, dropping absent fields.
// Invariants: a decoded header has every required field; ints are int32, longs are in Java's
// long range (JS numbers: exact up to 2^53, which offsets and ms timestamps stay below).
import { assert } from "../stdx/assert.ts";

export type FieldKind = "int" | "long" | "bool" | "string";
export type FieldDecl = FieldKind | `${FieldKind}!`;
export type HeaderSpec = Readonly<Record<string, FieldDecl>>;

type ValueOf<D> = D extends "int" | "int!" | "long" | "long!" ? number : D extends "bool" | "bool!" ? boolean : string;
type RequiredKeys<S> = { [K in keyof S]: S[K] extends `${string}!` ? K : never }[keyof S];
type OptionalKeys<S> = Exclude<keyof S, RequiredKeys<S>>;

/** The typed header a spec describes: required fields present, optional ones maybe. */
export type HeaderOf<S> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & { [K in OptionalKeys<S>]?: ValueOf<S[K]> };

/** A named header spec (the Java class name goes into error messages). */
export interface HeaderDef<S extends HeaderSpec> {
  readonly name: string;
  readonly fields: S;
}

export function defineHeader<const S extends HeaderSpec>(name: string, fields: S): HeaderDef<S> {
  return { name, fields };
}

/** A header field is missing or unparsable; processors let it surface as SYSTEM_ERROR. */
export class HeaderDecodeError extends Error {
  readonly header: string;
  readonly field: string;
  constructor(header: string, field: string, message: string) {
    super(message);
    this.name = "HeaderDecodeError";
    this.header = header;
    this.field = field;
  }
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
/** Up to 15 digits a decimal is below 2^53, so Number() is exact and inside Java's long. */
const EXACT_DIGITS_MAX = 15;

/** One field of a spec, split once per spec instead of on every decode/encode. */
interface FieldPlan {
  readonly field: string;
  readonly kind: FieldKind;
  readonly required: boolean;
}

const plans = new WeakMap<HeaderDef<HeaderSpec>, readonly FieldPlan[]>();

/** The spec's fields in declaration order (cached: headers are decoded for every request). */
function planOf(def: HeaderDef<HeaderSpec>): readonly FieldPlan[] {
  let plan = plans.get(def);
  if (plan === undefined) {
    plan = Object.entries(def.fields).map(([field, decl]) => ({ field, ...kindOf(decl) }));
    plans.set(def, plan);
  }
  return plan;
}

/** Java's parseInt/parseLong digits test, /^[+-]?\d+$/, without the regex machinery. */
function isDecimal(text: string): boolean {
  const first = text.charCodeAt(0);
  let index = first === 43 || first === 45 ? 1 : 0; // '+' | '-'
  if (index >= text.length) return false;
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

function parseField(def: HeaderDef<HeaderSpec>, field: string, kind: FieldKind, text: string): number | boolean | string {
  switch (kind) {
    case "string":
      return text;
    case "bool":
      return text === "true" || (text.length === 4 && text.toLowerCase() === "true");
    case "int": {
      const value = isDecimal(text) ? Number(text) : NaN;
      if (!Number.isInteger(value) || value !== (value | 0)) throw notA(def, field, text, "an int");
      return value;
    }
    case "long": {
      if (!isDecimal(text)) throw notA(def, field, text, "a long");
      // + 0 turns "-0" into 0, as Number(BigInt("-0")) does.
      if (text.length <= EXACT_DIGITS_MAX) return Number(text) + 0;
      const big = BigInt(text);
      if (big < LONG_MIN || big > LONG_MAX) throw notA(def, field, text, "a long");
      return Number(big);
    }
  }
}

function notA(def: HeaderDef<HeaderSpec>, field: string, text: string, what: string): HeaderDecodeError {
  return new HeaderDecodeError(def.name, field, `header field ${field} of ${def.name}: ${JSON.stringify(text)} is not ${what}`);
}

function kindOf(decl: FieldDecl): { kind: FieldKind; required: boolean } {
  const required = decl.endsWith("!");
  return { kind: (required ? decl.slice(0, -1) : decl) as FieldKind, required };
}

/** Decodes extFields into the typed header; throws HeaderDecodeError. */
export function decodeHeader<S extends HeaderSpec>(def: HeaderDef<S>, extFields: Readonly<Record<string, string>>): HeaderOf<S> {
  const out: Record<string, number | boolean | string> = {};
  for (const { field, kind, required } of planOf(def)) {
    const text = Object.hasOwn(extFields, field) ? extFields[field] : undefined;
    if (text === undefined) {
      if (required) throw new HeaderDecodeError(def.name, field, `missing required header field ${field}`);
      continue;
    }
    out[field] = parseField(def, field, kind, text);
  }
  return out as HeaderOf<S>;
}

/** Like decodeHeader, but returns the reason instead of throwing. */
export function tryDecodeHeader<S extends HeaderSpec>(
  def: HeaderDef<S>,
  extFields: Readonly<Record<string, string>>,
): { ok: true; header: HeaderOf<S> } | { ok: false; error: HeaderDecodeError } {
  try {
    return { ok: true, header: decodeHeader(def, extFields) };
  } catch (error) {
    if (error instanceof HeaderDecodeError) return { ok: false, error };
    throw error;
  }
}

/** Typed header → extFields strings (Java's toString of each non-null field). */
export function encodeHeader<S extends HeaderSpec>(def: HeaderDef<S>, header: HeaderOf<S>): Record<string, string> {
  const out: Record<string, string> = {};
  const values = header as Record<string, string | number | boolean | undefined | null>;
  for (const { field, required } of planOf(def)) {
    const value = values[field];
    if (value === undefined || value === null) {
      assert(!required, `encoding ${def.name}: required field ${field} is missing`);
      continue;
    }
    out[field] = String(value);
  }
  return out;
}
