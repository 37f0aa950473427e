// The SQL92 selector tokenizer, after RocketMQ 4.9's SelectorParser.jj token section:
// whitespace " \t\n\r\f"; `--` line comments that need a line end (at end of input `--x`
// is two minus signs and an ID, as JavaCC does); `/* */` block comments; keywords NOT AND OR
// BETWEEN IN TRUE FALSE NULL IS (any case); DECIMAL `0 | [1-9][0-9]*[lL]?`; FLOATING
// `d+.d*[E]? | .d+[E]? | d+E`; STRING `'…'` with '' as a quote; ID `[a-z_$][a-z0-9_$]*` (any
// case, no dots); operators = <> > >= < <= ( ) , + -.
// Invariants: tokens are produced lazily (the parser asks for one more token at a time), so
// like JavaCC a lexical error after a complete expression is only seen if the parser looks
// there; every token and every error carries its 0-based character offset.

export type TokenKind =
  | "NOT" | "AND" | "OR" | "BETWEEN" | "IN" | "TRUE" | "FALSE" | "NULL" | "IS"
  | "DECIMAL" | "FLOATING" | "STRING" | "ID"
  | "=" | "<>" | ">" | ">=" | "<" | "<=" | "(" | ")" | "," | "+" | "-" | "EOF";

export interface Token {
  readonly kind: TokenKind;
  /** The source text of the token (STRING: with its quotes). */
  readonly image: string;
  /** 0-based offset of its first character. */
  readonly position: number;
}

/** A malformed selector: the reason and the 0-based offset where it was found. */
export class Sql92ParseError extends Error {
  constructor(readonly reason: string, readonly position: number) {
    super(`Invalid MessageSelector. ${reason} at position ${position}`);
    this.name = "Sql92ParseError";
  }
}

const KEYWORDS = new Set<TokenKind>(["NOT", "AND", "OR", "BETWEEN", "IN", "TRUE", "FALSE", "NULL", "IS"]);
const WHITESPACE = new Set([" ", "\t", "\n", "\r", "\f"]);
const TWO_CHAR_OPERATORS = new Set(["<>", ">=", "<="]);
const ONE_CHAR_OPERATORS = new Set(["=", ">", "<", "(", ")", ",", "+", "-"]);

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isIdStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c === "$");
}

function isIdPart(c: string | undefined): boolean {
  return isIdStart(c) || isDigit(c);
}

export class Sql92Lexer {
  private at = 0;

  constructor(private readonly text: string) {}

  next(): Token {
    this.skipIgnored();
    const start = this.at;
    const text = this.text;
    if (start >= text.length) return { kind: "EOF", image: "", position: start };
    const c = text[start]!;
    const two = text.slice(start, start + 2);
    if (TWO_CHAR_OPERATORS.has(two)) return this.take(two as TokenKind, 2);
    if (c === "'") return this.stringLiteral();
    if (isDigit(c) || (c === "." && isDigit(text[start + 1]))) return this.number();
    if (ONE_CHAR_OPERATORS.has(c)) return this.take(c as TokenKind, 1);
    if (isIdStart(c)) {
      let end = start + 1;
      while (isIdPart(text[end])) end++;
      const image = text.slice(start, end);
      const upper = image.toUpperCase() as TokenKind;
      this.at = end;
      return { kind: KEYWORDS.has(upper) ? upper : "ID", image, position: start };
    }
    throw new Sql92ParseError(`Lexical error: unexpected character ${JSON.stringify(c)}`, start);
  }

  private take(kind: TokenKind, length: number): Token {
    const token = { kind, image: this.text.slice(this.at, this.at + length), position: this.at };
    this.at += length;
    return token;
  }

  private skipIgnored(): void {
    const text = this.text;
    for (;;) {
      const c = text[this.at];
      if (c !== undefined && WHITESPACE.has(c)) {
        this.at++;
      } else if (text.startsWith("--", this.at)) {
        const end = text.slice(this.at).search(/[\n\r]/);
        if (end < 0) return; // no line end: not a comment in the 4.x grammar
        this.at += end + 1;
      } else if (text.startsWith("/*", this.at)) {
        const end = text.indexOf("*/", this.at + 2);
        if (end < 0) throw new Sql92ParseError("Lexical error: unterminated comment", this.at);
        this.at = end + 2;
      } else {
        return;
      }
    }
  }

  private stringLiteral(): Token {
    const start = this.at;
    let end = start + 1;
    for (;;) {
      if (end >= this.text.length) throw new Sql92ParseError("Lexical error: unterminated string literal", start);
      if (this.text[end] === "'") {
        if (this.text[end + 1] === "'") {
          end += 2;
          continue;
        }
        break;
      }
      end++;
    }
    this.at = end + 1;
    return { kind: "STRING", image: this.text.slice(start, end + 1), position: start };
  }

  /** Longest match between DECIMAL and FLOATING, as JavaCC picks. */
  private number(): Token {
    const text = this.text;
    const start = this.at;
    let end = start;
    while (isDigit(text[end])) end++;
    const intDigits = end - start;
    let floating = false;
    if (text[end] === "." && (intDigits > 0 || isDigit(text[end + 1]))) {
      floating = true;
      end++;
      while (isDigit(text[end])) end++;
    }
    const exponent = /^[eE][+-]?[0-9]+/.exec(text.slice(end));
    if (exponent !== null && (floating || intDigits > 0)) {
      floating = true;
      end += exponent[0].length;
    }
    if (floating) {
      this.at = end;
      return { kind: "FLOATING", image: text.slice(start, end), position: start };
    }
    // DECIMAL: "0" alone, or a non-zero digit then digits, optionally L.
    if (text[start] === "0") end = start + 1;
    if (text[start] !== "0" && (text[end] === "l" || text[end] === "L")) end++;
    this.at = end;
    return { kind: "DECIMAL", image: text.slice(start, end), position: start };
  }
}
