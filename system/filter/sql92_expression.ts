// The compiled SQL92 expression tree and its evaluator, after RocketMQ 4.9's filter/expression
// classes. Three-valued logic as the Java code has it: NULL is Java null.
// - `=` (doCreateEqual): exactly one side null → null if the LEFT is null, else FALSE; both null
//   → TRUE; equal objects → TRUE; otherwise compare (which may throw).
// - `>` `>=` `<` `<=`: either side null → null (the right side is not evaluated when the left
//   is null); two Strings are both parsed as doubles (failure throws).
// - AND / OR short-circuit on FALSE / TRUE and give null when a side is null and nothing decided.
// - NOT null → null. IN: null or non-String → null. A property used as a boolean (booleanCast)
//   is null when absent and FALSE otherwise (properties are Strings, never Booleans).
// - Negation of a non-number → null.
// Invariants: evaluation never mutates the tree; `matches` is true only for exactly TRUE, and a
// thrown Sql92EvalError means "does not match" (ExpressionMessageFilter logs it and skips).
import { assertNever } from "../stdx/assert.ts";
import {
  compareValues, doubleValue, intValue, isNumber, javaDoubleValueOf, javaDoubleCompare, javaEquals, longValue,
  Sql92EvalError,
} from "./sql92_value.ts";
import type { SqlValue } from "./sql92_value.ts";

export type RelationalOp = ">" | ">=" | "<" | "<=";

export type Expression =
  | { readonly type: "constant"; readonly value: SqlValue; readonly booleanConstant: boolean }
  | { readonly type: "property"; readonly name: string }
  | { readonly type: "negate"; readonly operand: Expression }
  | { readonly type: "not"; readonly operand: Expression }
  | { readonly type: "booleanCast"; readonly operand: Expression }
  | { readonly type: "and" | "or"; readonly left: Expression; readonly right: Expression }
  | { readonly type: "equal"; readonly left: Expression; readonly right: Expression }
  | { readonly type: "relational"; readonly op: RelationalOp; readonly left: Expression; readonly right: Expression }
  | { readonly type: "in"; readonly property: string; readonly values: ReadonlySet<string>; readonly not: boolean };

/** Where properties come from: a message's properties (String values) or nothing. */
export type PropertyLookup = (name: string) => string | undefined;

/** Java's `instanceof BooleanExpression` for the parser's checks. */
export function isBooleanExpression(expression: Expression): boolean {
  switch (expression.type) {
    case "constant":
      return expression.booleanConstant;
    case "property":
    case "negate":
      return false;
    default:
      return true;
  }
}

function asBoolean(value: SqlValue): boolean | null {
  // Java casts `(Boolean) evaluate(...)`; the parser only builds boolean operands here.
  if (value === null || typeof value === "boolean") return value;
  throw new Sql92EvalError("ClassCastException: not a Boolean");
}

function negate(value: SqlValue): SqlValue {
  if (!isNumber(value)) return null;
  if (value.kind === "int") return intValue(-value.value);
  if (value.kind === "long") return longValue(-value.value);
  return doubleValue(-value.value);
}

function evaluateEqual(left: SqlValue, right: SqlValue): SqlValue {
  if ((left === null) !== (right === null)) return left === null ? null : false;
  if (left === null || right === null) return true;
  if (javaEquals(left, right)) return true;
  return compareValues(left, right) === 0;
}

function relationalHolds(op: RelationalOp, sign: number): boolean {
  switch (op) {
    case ">": return sign > 0;
    case ">=": return sign >= 0;
    case "<": return sign < 0;
    case "<=": return sign <= 0;
    default: return assertNever(op);
  }
}

function evaluateRelational(expression: Extract<Expression, { type: "relational" }>, lookup: PropertyLookup): SqlValue {
  const left = evaluate(expression.left, lookup);
  if (left === null) return null;
  const right = evaluate(expression.right, lookup);
  if (right === null) return null;
  if (typeof left === "string" && typeof right === "string") {
    let sign: number;
    try {
      sign = javaDoubleCompare(javaDoubleValueOf(left), javaDoubleValueOf(right));
    } catch (error) {
      throw new Sql92EvalError(`It's illegal to compare string by '>=', '>', '<', '<='. lv=${left}, rv=${right}`, { cause: error });
    }
    return relationalHolds(expression.op, sign);
  }
  return relationalHolds(expression.op, compareValues(left, right));
}

function evaluateLogic(expression: Extract<Expression, { type: "and" | "or" }>, lookup: PropertyLookup): SqlValue {
  const decisive = expression.type === "or";
  const left = asBoolean(evaluate(expression.left, lookup));
  if (left === decisive) return decisive;
  const right = asBoolean(evaluate(expression.right, lookup));
  if (right === decisive) return decisive;
  if (left === null || right === null) return null;
  return !decisive;
}

/** Expression.evaluate: the Java value, or throws Sql92EvalError. */
export function evaluate(expression: Expression, lookup: PropertyLookup): SqlValue {
  switch (expression.type) {
    case "constant":
      return expression.value;
    case "property":
      return lookup(expression.name) ?? null;
    case "negate":
      return negate(evaluate(expression.operand, lookup));
    case "not": {
      const value = asBoolean(evaluate(expression.operand, lookup));
      return value === null ? null : !value;
    }
    case "booleanCast": {
      const value = evaluate(expression.operand, lookup);
      if (value === null) return null;
      return typeof value === "boolean" ? value : false;
    }
    case "and":
    case "or":
      return evaluateLogic(expression, lookup);
    case "equal":
      return evaluateEqual(evaluate(expression.left, lookup), evaluate(expression.right, lookup));
    case "relational":
      return evaluateRelational(expression, lookup);
    case "in": {
      const value = lookup(expression.property);
      if (value === undefined) return null;
      return expression.values.has(value) !== expression.not;
    }
    default:
      return assertNever(expression);
  }
}

/** ExpressionMessageFilter.isMatchedByCommitLog's verdict: exactly TRUE matches; errors do not. */
export function matches(expression: Expression, lookup: PropertyLookup): boolean {
  try {
    return evaluate(expression, lookup) === true;
  } catch (error) {
    if (error instanceof Sql92EvalError) return false;
    throw error;
  }
}
