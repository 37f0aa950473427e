// Values of the SQL92 evaluator and Java's comparison rules for them, after RocketMQ 4.9's
// ComparisonExpression.__compare with convertStringExpressions=true (SelectorParser.parse
// always sets it). Literals give Integer (fits 32 bits), Long, Double, String, Boolean; message
// properties are always Strings. Mixed kinds convert upward (int→long→double); a String meeting
// a number is parsed as that number's Java type (Integer.valueOf / Long.valueOf /
// Double.valueOf) and a bad number THROWS (the broker logs it and the message does not match);
// a Boolean meeting a String throws (Java's ClassCastException); other mixes compare as -1.
// Invariants: int values fit in 32 bits and long values in 64 (bigint); doubles use
// Double.compare order (NaN above everything, -0.0 below 0.0).

export type SqlNumber =
  | { readonly kind: "int"; readonly value: bigint }
  | { readonly kind: "long"; readonly value: bigint }
  | { readonly kind: "double"; readonly value: number };

export type SqlValue = null | boolean | string | SqlNumber;

/** An evaluation failure (a Java exception in the evaluator): the message does not match. */
export class Sql92EvalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "Sql92EvalError";
  }
}

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

export function intValue(value: bigint): SqlNumber {
  return { kind: "int", value: BigInt.asIntN(32, value) };
}

export function longValue(value: bigint): SqlNumber {
  return { kind: "long", value: BigInt.asIntN(64, value) };
}

export function doubleValue(value: number): SqlNumber {
  return { kind: "double", value };
}

export function isNumber(value: SqlValue): value is SqlNumber {
  return typeof value === "object" && value !== null;
}

/** Integer.valueOf / Long.valueOf: [+-]digits, in range, else NumberFormatException. */
function parseJavaInteger(text: string, min: bigint, max: bigint): bigint {
  if (!/^[+-]?[0-9]+$/.test(text)) throw new Sql92EvalError(`NumberFormatException: For input string: "${text}"`);
  const value = BigInt(text);
  if (value < min || value > max) throw new Sql92EvalError(`NumberFormatException: For input string: "${text}"`);
  return value;
}

export function javaIntegerValueOf(text: string): bigint {
  return parseJavaInteger(text, INT_MIN, INT_MAX);
}

export function javaLongValueOf(text: string): bigint {
  return parseJavaInteger(text, LONG_MIN, LONG_MAX);
}

/**
 * Double.valueOf: trims characters ≤ U+0020, then [+-] NaN | Infinity | decimal with optional
 * exponent and an optional f/F/d/D suffix. Partial: Java's hexadecimal floats (0x1p3) are
 * rejected here although Java accepts them.
 */
export function javaDoubleValueOf(text: string): number {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  const trimmed = text.slice(start, end);
  const match = /^([+-]?)(NaN|Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?)$/.exec(trimmed);
  if (match === null) throw new Sql92EvalError(`NumberFormatException: For input string: "${text}"`);
  const body = match[2]!;
  if (body === "NaN") return Number.NaN;
  const magnitude = body === "Infinity" ? Number.POSITIVE_INFINITY : Number(body.replace(/[fFdD]$/, ""));
  return match[1] === "-" ? -magnitude : magnitude;
}

/** Boolean.valueOf(String): true only for "true" in any case. */
export function javaBooleanValueOf(text: string): boolean {
  return text.toLowerCase() === "true";
}

/** Double.compare. */
export function javaDoubleCompare(left: number, right: number): number {
  if (left < right) return -1;
  if (left > right) return 1;
  if (Number.isNaN(left)) return Number.isNaN(right) ? 0 : 1;
  if (Number.isNaN(right)) return -1;
  if (left === 0 && right === 0) return Object.is(left, right) ? 0 : (Object.is(left, -0) ? -1 : 1);
  return 0;
}

function bigCompare(left: bigint, right: bigint): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function toDouble(value: SqlNumber): number {
  return value.kind === "double" ? value.value : Number(value.value);
}

/** Same-kind compareTo (String.compareTo is UTF-16 code unit order, as JS `<`). */
function compareSameKind(left: Exclude<SqlValue, null>, right: Exclude<SqlValue, null>): number {
  if (typeof left === "boolean") return Number(left) - Number(right);
  if (typeof left === "string") return left < (right as string) ? -1 : left > (right as string) ? 1 : 0;
  const other = right as SqlNumber;
  if (left.kind === "double") return javaDoubleCompare(left.value, other.value as number);
  return bigCompare(left.value, other.value as bigint);
}

function kindOf(value: Exclude<SqlValue, null>): string {
  if (typeof value === "boolean") return "bool";
  if (typeof value === "string") return "string";
  return value.kind;
}

/** A String converted to the Java type of `like` (the String side of a mixed comparison). */
function stringAs(text: string, like: SqlNumber | boolean): SqlNumber | boolean {
  if (typeof like === "boolean") return javaBooleanValueOf(text);
  if (like.kind === "int") return intValue(javaIntegerValueOf(text));
  if (like.kind === "long") return longValue(javaLongValueOf(text));
  return doubleValue(javaDoubleValueOf(text));
}

/** ComparisonExpression.__compare(lv, rv, true): the sign of lv.compareTo(rv) after conversion. */
export function compareValues(left: Exclude<SqlValue, null>, right: Exclude<SqlValue, null>): number {
  const leftKind = kindOf(left);
  const rightKind = kindOf(right);
  if (leftKind === rightKind) return compareSameKind(left, right);
  if (typeof left === "boolean") {
    if (typeof right === "string") throw new Sql92EvalError("ClassCastException: Boolean cannot be cast to String");
    return -1;
  }
  if (typeof left === "string") {
    return compareSameKind(stringAs(left, right as SqlNumber | boolean), right);
  }
  if (typeof right === "boolean") return -1;
  if (typeof right === "string") return compareSameKind(left, stringAs(right, left));
  // Two different numeric kinds: int/long widen to long; anything with a double goes to double.
  if (left.kind === "double" || right.kind === "double") return javaDoubleCompare(toDouble(left), toDouble(right));
  return bigCompare(left.value, right.value);
}

/** Object.equals for evaluator values (Integer(1) does not equal Long(1); Double uses bits). */
export function javaEquals(left: Exclude<SqlValue, null>, right: Exclude<SqlValue, null>): boolean {
  if (kindOf(left) !== kindOf(right)) return false;
  if (isNumber(left) && left.kind === "double") return Object.is(left.value, (right as SqlNumber).value);
  return compareSameKind(left, right) === 0;
}

/** Java's Number.toString of a literal, for error messages and the canonical text. */
export function valueText(value: SqlValue): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "string") return `'${value.replaceAll("'", "''")}'`;
  return String(value.value);
}
