// Property tests for the SQL92 selector: a generated expression, rendered as text and parsed,
// evaluates like a separate reference evaluator written directly over the generated tree
// (its own number parsing and three-valued logic); and garbage inserted between the tokens of a
// valid expression is rejected at exactly its position.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { evaluate, parseSql92, Sql92EvalError, Sql92ParseError } from "./index.ts";

type Literal = { kind: "int"; value: number } | { kind: "double"; value: number } | { kind: "string"; value: string };
type Node =
  | { t: "cmp"; prop: string; op: "=" | "<>" | ">" | ">=" | "<" | "<="; lit: Literal }
  | { t: "between"; prop: string; low: number; high: number; not: boolean }
  | { t: "in"; prop: string; values: string[]; not: boolean }
  | { t: "null"; prop: string; not: boolean }
  | { t: "and" | "or"; left: Node; right: Node }
  | { t: "not"; inner: Node };
type Outcome = boolean | null | "error";
type Props = Record<string, string>;

const PROPS = ["a", "b", "c"];
const VALUES = ["1", "2", "5", "-3", "1.5", "x", "", "true", "2147483648"];
const prop = fc.constantFrom(...PROPS);
const numberLiteral: fc.Arbitrary<Literal> = fc.oneof(
  fc.integer({ min: 0, max: 6 }).map((value) => ({ kind: "int" as const, value })),
  fc.constantFrom(0.5, 1.5, 2.25).map((value) => ({ kind: "double" as const, value })),
);
const stringLiteral: fc.Arbitrary<Literal> = fc.constantFrom("x", "1", "it's", "").map((value) => ({ kind: "string" as const, value }));

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.record({ t: fc.constant("cmp" as const), prop, op: fc.constantFrom("=" as const, "<>" as const), lit: fc.oneof(numberLiteral, stringLiteral) }),
  fc.record({ t: fc.constant("cmp" as const), prop, op: fc.constantFrom(">" as const, ">=" as const, "<" as const, "<=" as const), lit: numberLiteral }),
  fc.tuple(prop, fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 4 }), fc.boolean())
    .map(([p, low, span, not]) => ({ t: "between" as const, prop: p, low, high: low + span, not })),
  fc.record({ t: fc.constant("in" as const), prop, values: fc.array(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 }), not: fc.boolean() }),
  fc.record({ t: fc.constant("null" as const), prop, not: fc.boolean() }),
);
const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ t: fc.constantFrom("and" as const, "or" as const), left: tie("node"), right: tie("node") }),
    fc.record({ t: fc.constant("not" as const), inner: tie("node") }),
  ),
})).node;
const props: fc.Arbitrary<Props> = fc.dictionary(fc.constantFrom(...PROPS), fc.constantFrom(...VALUES));

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function literalText(lit: Literal): string {
  if (lit.kind === "string") return quote(lit.value);
  return lit.kind === "double" ? lit.value.toFixed(2) : String(lit.value);
}

function tokens(n: Node): string[] {
  switch (n.t) {
    case "cmp": return [n.prop, n.op, literalText(n.lit)];
    case "between": return [n.prop, ...(n.not ? ["NOT"] : []), "BETWEEN", String(n.low), "and", String(n.high)];
    case "in": return [n.prop, ...(n.not ? ["not"] : []), "IN", "(", n.values.map(quote).join(" , "), ")"];
    case "null": return [n.prop, "IS", ...(n.not ? ["NOT"] : []), "NULL"];
    case "and": case "or": return ["(", ...tokens(n.left), ")", n.t.toUpperCase(), "(", ...tokens(n.right), ")"];
    case "not": return ["NOT", "(", ...tokens(n.inner), ")"];
  }
}

// ---- the reference evaluator: written from the 4.x rules, independent of the parser's tree ----
function strictInt(text: string, bits: number): bigint | "error" {
  if (!/^[+-]?\d+$/.test(text)) return "error";
  const value = BigInt(text);
  const limit = 2n ** BigInt(bits - 1);
  return value >= -limit && value < limit ? value : "error";
}

function javaDouble(text: string): number | "error" {
  const trimmed = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/.test(trimmed) ? Number(trimmed.replace(/[dDfF]$/, "")) : "error";
}

/** Sign of (property value − literal) with the property converted to the literal's type. */
function signAgainst(value: string, lit: Literal): number | "error" {
  if (lit.kind === "string") return value === lit.value ? 0 : value < lit.value ? -1 : 1;
  if (lit.kind === "int") {
    const n = strictInt(value, 32);
    return n === "error" ? "error" : Math.sign(Number(n) - lit.value);
  }
  const d = javaDouble(value);
  return d === "error" ? "error" : Math.sign(d - lit.value);
}

function holds(op: string, sign: number): boolean {
  return op === "=" ? sign === 0 : op === "<>" ? sign !== 0 : op === ">" ? sign > 0 : op === ">=" ? sign >= 0 : op === "<" ? sign < 0 : sign <= 0;
}

function reference(n: Node, p: Props): Outcome {
  switch (n.t) {
    case "cmp": {
      const value = p[n.prop];
      if (value === undefined) return null;
      const sign = signAgainst(value, n.lit);
      return sign === "error" ? "error" : holds(n.op, sign);
    }
    case "between": {
      const value = p[n.prop];
      if (value === undefined) return null;
      const v = strictInt(value, 32);
      if (v === "error") return "error";
      const inside = v >= BigInt(n.low) && v <= BigInt(n.high);
      return inside !== n.not;
    }
    case "in": {
      const value = p[n.prop];
      return value === undefined ? null : n.values.includes(value) !== n.not;
    }
    case "null":
      return (p[n.prop] === undefined) !== n.not;
    case "not": {
      const inner = reference(n.inner, p);
      return inner === "error" || inner === null ? inner : !inner;
    }
    case "and": case "or": {
      const decisive = n.t === "or";
      const left = reference(n.left, p);
      if (left === "error" || left === decisive) return left;
      const right = reference(n.right, p);
      if (right === "error" || right === decisive) return right;
      return left === null || right === null ? null : !decisive;
    }
  }
}

function actual(text: string, p: Props): Outcome {
  try {
    const value = evaluate(parseSql92(text), (name) => p[name]);
    assert.ok(value === null || typeof value === "boolean", `selector gave ${JSON.stringify(value, (_k, v: unknown) => typeof v === "bigint" ? String(v) : v)}`);
    return value;
  } catch (error) {
    if (error instanceof Sql92EvalError) return "error";
    throw error;
  }
}

test("a generated selector evaluates like the reference evaluator", () => {
  fc.assert(fc.property(node, props, fc.constantFrom(" ", "  ", "\t", "\n"), (n, p, gap) => {
    const text = tokens(n).join(gap);
    assert.deepEqual(actual(text, p), reference(n, p), text);
  }), { numRuns: 800 });
});

test("a character no token starts with, put between two tokens, is rejected at its position", () => {
  fc.assert(fc.property(node, fc.nat(), fc.constantFrom("#", "!", "@", "?", "&", "|", "."), (n, pick, junk) => {
    const parts = tokens(n);
    const at = pick % parts.length;
    const before = parts.slice(0, at + 1).join(" ") + " ";
    const text = `${before}${junk} ${parts.slice(at + 1).join(" ")}`;
    let position = -1;
    try {
      parseSql92(text);
    } catch (error) {
      assert.ok(error instanceof Sql92ParseError, String(error));
      position = error.position;
    }
    assert.equal(position, before.length, text);
  }), { numRuns: 500 });
});
