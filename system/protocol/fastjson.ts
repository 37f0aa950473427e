// Reading and writing JSON the way RocketMQ's fastjson does, beyond standard JSON:
// - fastjson writes a Map with non-String keys with BARE keys: {"brokerAddrs":{0:"a:1",1:"b:2"}},
//   and a Map with object keys with OBJECT keys: {"offsetTable":{{"brokerName":"b",...}:{...}}}.
// - Java readers accept standard JSON, bare keys, single-quoted strings and ignore unknown fields.
// parseFastjson accepts all of that. An object key is returned as its canonical JSON text (a
// string key), so body decoders JSON.parse it back; bare keys become their text.
// stringifyFastjson writes JS Maps the fastjson way (number keys bare when bareNumericKeys,
// object keys as objects), omits null/undefined object fields (fastjson skips nulls) and writes
// everything else as JSON.stringify would.
// Invariants: nesting depth is bounded (DEPTH_MAX) so garbage cannot overflow the stack; every
// parse failure is a FastjsonParseError with the position.

export const DEPTH_MAX = 256;

export class FastjsonParseError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = "FastjsonParseError";
    this.position = position;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[A-Za-z_$][\w$]*/y;
const ESCAPES: Record<string, string> = { '"': '"', "'": "'", "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

class Parser {
  position = 0;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new FastjsonParseError(message, this.position);
  }

  skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position++;
  }

  value(depth: number): unknown {
    if (depth > DEPTH_MAX) this.fail(`nesting deeper than ${DEPTH_MAX}`);
    this.skipSpace();
    const char = this.text[this.position];
    if (char === "{") return this.object(depth);
    if (char === "[") return this.array(depth);
    if (char === '"' || char === "'") return this.string(char);
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) return this.number();
    for (const [word, literal] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.position)) {
        this.position += word.length;
        return literal;
      }
    }
    return this.fail(char === undefined ? "unexpected end of input" : `unexpected character ${JSON.stringify(char)}`);
  }

  number(): number {
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail("malformed number");
    this.position += match[0].length;
    return Number(match[0]);
  }

  string(quote: string): string {
    let out = "";
    this.position++;
    for (;;) {
      const char = this.text[this.position++];
      if (char === undefined) this.fail("unterminated string");
      if (char === quote) return out;
      if (char !== "\\") {
        out += char;
        continue;
      }
      const escape = this.text[this.position++];
      if (escape === "u") {
        const hex = this.text.slice(this.position, this.position + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("malformed \\u escape");
        out += String.fromCharCode(parseInt(hex, 16));
        this.position += 4;
      } else if (escape !== undefined && ESCAPES[escape] !== undefined) {
        out += ESCAPES[escape];
      } else {
        this.fail("malformed escape");
      }
    }
  }

  key(depth: number): string {
    this.skipSpace();
    const char = this.text[this.position];
    if (char === '"' || char === "'") return this.string(char);
    if (char === "{" || char === "[") return JSON.stringify(this.value(depth + 1));
    if (char === "-" || (char !== undefined && char >= "0" && char <= "9")) {
      const start = this.position;
      this.number();
      return this.text.slice(start, this.position);
    }
    IDENTIFIER.lastIndex = this.position;
    const match = IDENTIFIER.exec(this.text);
    if (!match) return this.fail("expected an object key");
    this.position += match[0].length;
    return match[0];
  }

  object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.position++;
    this.skipSpace();
    if (this.text[this.position] === "}") {
      this.position++;
      return out;
    }
    for (;;) {
      const key = this.key(depth);
      this.skipSpace();
      if (this.text[this.position] !== ":") this.fail("expected ':'");
      this.position++;
      const value = this.value(depth + 1);
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const next = this.text[this.position++];
      if (next === "}") return out;
      if (next !== ",") this.fail("expected ',' or '}'");
    }
  }

  array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.position++;
    this.skipSpace();
    if (this.text[this.position] === "]") {
      this.position++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.position++];
      if (next === "]") return out;
      if (next !== ",") this.fail("expected ',' or ']'");
    }
  }
}

/** Parses standard JSON and fastjson's extensions (bare keys, object keys, single quotes). */
export function parseFastjson(text: string): unknown {
  const parser = new Parser(text);
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.position !== text.length) parser.fail("trailing characters");
  return value;
}

export interface StringifyOptions {
  /** Write number keys of Maps bare ({0:"a"}), as fastjson does by default. */
  bareNumericKeys?: boolean;
  /** Sort Map entries by key (fastjson's MapSortField). */
  sortMapKeys?: boolean;
}

/** JSON text the way fastjson writes it (see the file header for the differences). */
export function stringifyFastjson(value: unknown, options: StringifyOptions = {}): string {
  return write(value, options, 0) ?? "null";
}

function write(value: unknown, options: StringifyOptions, depth: number): string | undefined {
  if (depth > DEPTH_MAX) throw new RangeError(`stringifyFastjson: nesting deeper than ${DEPTH_MAX}`);
  if (value === undefined || typeof value === "function" || typeof value === "symbol") return undefined;
  if (value === null) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return JSON.stringify(value);
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString("base64"));
  if (Array.isArray(value) || value instanceof Set) {
    return `[${[...(value as Iterable<unknown>)].map((item) => write(item, options, depth + 1) ?? "null").join(",")}]`;
  }
  const entries: [unknown, unknown][] = value instanceof Map ? [...(value as Map<unknown, unknown>)] : Object.entries(value);
  if (value instanceof Map && options.sortMapKeys) entries.sort(([a], [b]) => compareKeys(a, b));
  const parts: string[] = [];
  for (const [key, item] of entries) {
    if (item === null) continue;
    const text = write(item, options, depth + 1);
    if (text === undefined) continue;
    parts.push(`${writeKey(key, value instanceof Map, options, depth)}:${text}`);
  }
  return `{${parts.join(",")}}`;
}

function writeKey(key: unknown, fromMap: boolean, options: StringifyOptions, depth: number): string {
  if (fromMap && (typeof key === "number" || typeof key === "bigint")) {
    return options.bareNumericKeys ? String(key) : JSON.stringify(String(key));
  }
  if (fromMap && typeof key === "object" && key !== null) return write(key, options, depth + 1) ?? "null";
  return JSON.stringify(String(key));
}

function compareKeys(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const left = String(a);
  const right = String(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
