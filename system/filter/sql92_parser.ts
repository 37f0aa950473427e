// A recursive-descent parser for RocketMQ 4.9's SQL92 selector grammar (SelectorParser.jj):
//   selector   := or                                   (then asBoolean)
//   or         := and (OR and)*
//   and        := equality (AND equality)*
//   equality   := comparison ( "=" comparison | "<>" comparison | IS NULL | IS NOT NULL )*
//   comparison := unary ( (">"|">="|"<"|"<=") unary | [NOT] BETWEEN unary AND unary
//                        | [NOT] IN "(" STRING ("," STRING)* ")" )*
//   unary      := "+" unary | "-" unary | NOT unary | primary
//   primary    := literal | ID | "(" or ")"
// NOT in `unary` binds tighter than comparisons (`NOT a = 'x'` is `(NOT a) = 'x'`), as in 4.x.
// The 4.x grammar has no <EOF> after the selector: tokens after a complete expression are
// ignored (only the one token the parser peeks at is lexed). The creation-time checks of the
// Java expression factories (ComparisonExpression.create*, ConstantExpression.create*) are
// parse errors here, at the position of the operator or literal.
// Invariants: every error is a Sql92ParseError with a 0-based position inside [0, text.length].
import { isBooleanExpression } from "./sql92_expression.ts";
import type { Expression, RelationalOp } from "./sql92_expression.ts";
import { Sql92Lexer, Sql92ParseError } from "./sql92_lexer.ts";
import type { Token, TokenKind } from "./sql92_lexer.ts";
import { compareValues, doubleValue, intValue, javaLongValueOf, longValue, Sql92EvalError, valueText } from "./sql92_value.ts";
import type { SqlValue } from "./sql92_value.ts";

const NULL_CONSTANT: Expression = { type: "constant", value: null, booleanConstant: true };
const RELATIONAL = new Set<TokenKind>([">", ">=", "<", "<="]);
const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;

/** Parses a selector; throws Sql92ParseError with the position of the first problem. */
export function parseSql92(text: string): Expression {
  return new Parser(text).selector();
}

/** Short text of an expression for error messages (Java's toString, approximately). */
export function describe(expression: Expression): string {
  switch (expression.type) {
    case "constant": return valueText(expression.value);
    case "property": return expression.name;
    case "negate": return `(- ${describe(expression.operand)})`;
    case "not": return `(NOT ${describe(expression.operand)})`;
    case "booleanCast": return describe(expression.operand);
    case "and": return `(${describe(expression.left)} && ${describe(expression.right)})`;
    case "or": return `(${describe(expression.left)} || ${describe(expression.right)})`;
    case "equal": return `(${describe(expression.left)} == ${describe(expression.right)})`;
    case "relational": return `(${describe(expression.left)} ${expression.op} ${describe(expression.right)})`;
    case "in": return `${expression.property} ${expression.not ? "NOT IN" : "IN"} (…)`;
  }
}

class Parser {
  private readonly lexer: Sql92Lexer;
  private readonly lookahead: Token[] = [];

  constructor(text: string) {
    this.lexer = new Sql92Lexer(text);
  }

  selector(): Expression {
    const start = this.peek().position;
    return this.asBoolean(this.or(), start);
  }

  private peek(distance = 0): Token {
    while (this.lookahead.length <= distance) this.lookahead.push(this.lexer.next());
    return this.lookahead[distance]!;
  }

  private advance(): Token {
    const token = this.peek();
    this.lookahead.shift();
    return token;
  }

  private expect(kind: TokenKind): Token {
    const token = this.peek();
    if (token.kind !== kind) throw this.unexpected(token, `"${kind}"`);
    return this.advance();
  }

  private unexpected(token: Token, expected: string): Sql92ParseError {
    const found = token.kind === "EOF" ? "end of input" : `"${token.image}"`;
    return new Sql92ParseError(`Encountered ${found}, expecting ${expected}`, token.position);
  }

  private asBoolean(expression: Expression, position: number): Expression {
    if (isBooleanExpression(expression)) return expression;
    if (expression.type === "property") return { type: "booleanCast", operand: expression };
    throw new Sql92ParseError(`Expression will not result in a boolean value: ${describe(expression)}`, position);
  }

  private or(): Expression {
    let left = this.and();
    while (this.peek().kind === "OR") {
      const at = this.advance().position;
      const right = this.and();
      left = { type: "or", left: this.asBoolean(left, at), right: this.asBoolean(right, at) };
    }
    return left;
  }

  private and(): Expression {
    let left = this.equality();
    while (this.peek().kind === "AND") {
      const at = this.advance().position;
      const right = this.equality();
      left = { type: "and", left: this.asBoolean(left, at), right: this.asBoolean(right, at) };
    }
    return left;
  }

  private equality(): Expression {
    let left = this.comparison();
    for (;;) {
      const token = this.peek();
      if (token.kind === "=" || token.kind === "<>") {
        this.advance();
        const equal = createEqual(left, this.comparison(), token.position);
        left = token.kind === "=" ? equal : { type: "not", operand: equal };
      } else if (token.kind === "IS" && this.peek(1).kind === "NULL") {
        this.advance();
        this.advance();
        left = { type: "equal", left, right: NULL_CONSTANT };
      } else if (token.kind === "IS") {
        this.advance();
        this.expect("NOT");
        this.expect("NULL");
        left = { type: "not", operand: { type: "equal", left, right: NULL_CONSTANT } };
      } else {
        return left;
      }
    }
  }

  private comparison(): Expression {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      const negated = token.kind === "NOT" && (this.peek(1).kind === "BETWEEN" || this.peek(1).kind === "IN");
      const kind = negated ? this.peek(1).kind : token.kind;
      if (RELATIONAL.has(kind)) {
        this.advance();
        left = createRelational(kind as RelationalOp, left, this.unary(), token.position);
      } else if (kind === "BETWEEN") {
        if (negated) this.advance();
        this.advance();
        const low = this.unary();
        this.expect("AND");
        const high = this.unary();
        left = negated ? createNotBetween(left, low, high, token.position) : createBetween(left, low, high, token.position);
      } else if (kind === "IN") {
        if (negated) this.advance();
        this.advance();
        left = this.inList(left, negated, token.position);
      } else {
        return left;
      }
    }
  }

  private inList(left: Expression, not: boolean, position: number): Expression {
    this.expect("(");
    const values = [this.stringLiteral()];
    while (this.peek().kind === ",") {
      this.advance();
      values.push(this.stringLiteral());
    }
    this.expect(")");
    if (left.type !== "property") throw new Sql92ParseError(`Expected a property for In expression, got: ${describe(left)}`, position);
    return { type: "in", property: left.name, values: new Set(values), not };
  }

  private stringLiteral(): string {
    const image = this.expect("STRING").image;
    return image.slice(1, -1).replaceAll("''", "'");
  }

  private unary(): Expression {
    const token = this.peek();
    if (token.kind === "+") {
      this.advance();
      return this.unary();
    }
    if (token.kind === "-") {
      this.advance();
      return { type: "negate", operand: this.unary() };
    }
    if (token.kind === "NOT") {
      this.advance();
      return { type: "not", operand: this.asBoolean(this.unary(), token.position) };
    }
    return this.primary();
  }

  private primary(): Expression {
    const token = this.peek();
    switch (token.kind) {
      case "STRING":
        return { type: "constant", value: this.stringLiteral(), booleanConstant: false };
      case "DECIMAL":
        this.advance();
        return { type: "constant", value: decimalLiteral(token), booleanConstant: false };
      case "FLOATING":
        this.advance();
        return { type: "constant", value: floatLiteral(token), booleanConstant: false };
      case "TRUE":
      case "FALSE":
        this.advance();
        return { type: "constant", value: token.kind === "TRUE", booleanConstant: true };
      case "NULL":
        this.advance();
        return NULL_CONSTANT;
      case "ID":
        this.advance();
        return { type: "property", name: token.image };
      case "(": {
        this.advance();
        const inner = this.or();
        this.expect(")");
        return inner;
      }
      default:
        throw this.unexpected(token, "a literal, a property or \"(\"");
    }
  }
}

/** ConstantExpression.createFromDecimal: Long (NumberFormatException beyond), Integer if it fits. */
function decimalLiteral(token: Token): SqlValue {
  const digits = token.image.replace(/[lL]$/, "");
  let value: bigint;
  try {
    value = javaLongValueOf(digits);
  } catch (error) {
    if (!(error instanceof Sql92EvalError)) throw error;
    throw new Sql92ParseError(error.message, token.position);
  }
  return value >= INT_MIN && value <= INT_MAX ? intValue(value) : longValue(value);
}

/** ConstantExpression.createFloat: rejects infinity and anything below Double.MIN_VALUE (0.0 too). */
function floatLiteral(token: Token): SqlValue {
  const value = Number(token.image);
  if (value > Number.MAX_VALUE) throw new Sql92ParseError(`${token.image} is greater than ${Number.MAX_VALUE}`, token.position);
  if (value < Number.MIN_VALUE) throw new Sql92ParseError(`${token.image} is less than 4.9E-324`, token.position);
  return doubleValue(value);
}

function checkEqualOperand(expression: Expression, position: number): void {
  if (expression.type === "constant" && expression.value === null) {
    throw new Sql92ParseError(`'${describe(expression)}' cannot be compared.`, position);
  }
}

function createEqual(left: Expression, right: Expression, position: number): Expression {
  checkEqualOperand(left, position);
  checkEqualOperand(right, position);
  if (left.type === "constant" && right.type === "constant" && left.booleanConstant && !right.booleanConstant) {
    throw new Sql92ParseError(`'${describe(left)}' cannot be compared with '${describe(right)}'`, position);
  }
  return { type: "equal", left, right };
}

function checkLessThanOperand(expression: Expression, position: number): void {
  const comparable = expression.type === "constant"
    ? typeof expression.value === "object" && expression.value !== null
    : !isBooleanExpression(expression);
  if (!comparable) throw new Sql92ParseError(`Value '${describe(expression)}' cannot be compared.`, position);
}

function createRelational(op: RelationalOp, left: Expression, right: Expression, position: number): Expression {
  checkLessThanOperand(left, position);
  checkLessThanOperand(right, position);
  return { type: "relational", op, left, right };
}

function createBetween(value: Expression, low: Expression, high: Expression, position: number): Expression {
  if (low.type === "constant" && high.type === "constant") {
    if (low.value === null || high.value === null) throw new Sql92ParseError("Illegal values of between, values can not be null!", position);
    let sign: number;
    try {
      sign = compareValues(high.value, low.value);
    } catch (error) {
      if (!(error instanceof Sql92EvalError)) throw error;
      throw new Sql92ParseError(error.message, position);
    }
    if (sign < 0) {
      throw new Sql92ParseError(`Illegal values of between, left value(${describe(low)}) must less than or equal to right value(${describe(high)})`, position);
    }
  }
  return { type: "and", left: createRelational(">=", value, low, position), right: createRelational("<=", value, high, position) };
}

function createNotBetween(value: Expression, low: Expression, high: Expression, position: number): Expression {
  return { type: "or", left: createRelational("<", value, low, position), right: createRelational(">", value, high, position) };
}
