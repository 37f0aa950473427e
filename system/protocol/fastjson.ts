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

/** JS's \s for ASCII: tab, LF, VT, FF, CR, space; non-ASCII goes through the regex. */
function isSpace(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(String.fromCharCode(code));
}

// The parser walks char codes and slices whole strings and keys where it can: bodies such as
// the topic config table or consumer offsets are parsed every sync round on a slave, and a
// char-by-char string build plus a property descriptor per key made them dominate an idle
// cluster's CPU.
class Parser {
  position = 0;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new FastjsonParseError(message, this.position);
  }

  skipSpace(): void {
    const text = this.text;
    while (this.position < text.length && isSpace(text.charCodeAt(this.position))) this.position++;
  }

  value(depth: number): unknown {
    if (depth > DEPTH_MAX) this.fail(`nesting deeper than ${DEPTH_MAX}`);
    this.skipSpace();
    const text = this.text;
    const code = text.charCodeAt(this.position);
    if (code === 123 /* { */) return this.object(depth);
    if (code === 91 /* [ */) return this.array(depth);
    if (code === 34 /* " */ || code === 39 /* ' */) return this.string(text[this.position]!);
    if (code === 45 /* - */ || (code >= 48 && code <= 57)) return this.number();
    if (text.startsWith("true", this.position)) return this.literal(4, true);
    if (text.startsWith("false", this.position)) return this.literal(5, false);
    if (text.startsWith("null", this.position)) return this.literal(4, null);
    const char = text[this.position];
    return this.fail(char === undefined ? "unexpected end of input" : `unexpected character ${JSON.stringify(char)}`);
  }

  private literal<T>(length: number, value: T): T {
    this.position += length;
    return value;
  }

  number(): number {
    NUMBER.lastIndex = this.position;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail("malformed number");
    this.position += match[0].length;
    return Number(match[0]);
  }

  string(quote: string): string {
    // Usual case: no escape before the closing quote, so the string is one slice.
    const text = this.text;
    const start = this.position + 1;
    const close = text.indexOf(quote, start);
    if (close >= 0) {
      const escape = text.indexOf("\\", start);
      if (escape < 0 || escape > close) {
        this.position = close + 1;
        return text.slice(start, close);
      }
    }
    return this.escapedString(quote);
  }

  private escapedString(quote: string): string {
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
      // defineProperty keeps "__proto__" an ordinary own key; any other key can be assigned,
      // which is the same own data property and keeps the object in fast mode.
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
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

/**
 * True when standard JSON text holds a value nested deeper than DEPTH_MAX, where the parser
 * below fails. That takes more than DEPTH_MAX opening brackets, so counting them (native
 * indexOf) settles the usual case; only bracket-heavy text is scanned.
 */
function nestsDeeperThanMax(text: string): boolean {
  let brackets = 0;
  for (const open of ["{", "["]) {
    for (let at = text.indexOf(open); at >= 0 && brackets <= DEPTH_MAX; at = text.indexOf(open, at + 1)) brackets++;
  }
  if (brackets <= DEPTH_MAX) return false;
  // Any value (or key: it sits at its value's level) starting inside more than DEPTH_MAX
  // open containers is too deep.
  let level = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 125 /* } */ || code === 93 /* ] */) {
      level--;
      continue;
    }
    if (code === 32 || code === 9 || code === 10 || code === 13 || code === 44 /* , */ || code === 58 /* : */) continue;
    if (level > DEPTH_MAX) return true;
    if (code === 123 /* { */ || code === 91 /* [ */) level++;
    else if (code === 34 /* " */) {
      for (index++; index < text.length && text.charCodeAt(index) !== 34; index++) if (text.charCodeAt(index) === 92 /* \\ */) index++;
    }
  }
  return false;
}

/**
 * Whether some "{" is followed by something other than a quoted key or "}": fastjson's bare or
 * object keys (number-keyed maps such as consumer offsets), which JSON.parse would reject only
 * after the cost of an exception. A hint only (it may also match inside a string): either way
 * the result is the parser's. indexOf per brace is cheaper than a regex scan of the text.
 */
function hasBareOrObjectKey(text: string): boolean {
  for (let at = text.indexOf("{"); at >= 0; at = text.indexOf("{", at + 1)) {
    let next = at + 1;
    while (next < text.length && isSpace(text.charCodeAt(next))) next++;
    const code = text.charCodeAt(next);
    if (next < text.length && code !== 34 /* " */ && code !== 125 /* } */) return true;
  }
  return false;
}

/** Parses standard JSON and fastjson's extensions (bare keys, object keys, single quotes). */
export function parseFastjson(text: string): unknown {
  // Standard JSON, what most bodies are, goes through the native parser: for such text it
  // builds exactly what this parser builds ("__proto__" stays an own key, the last duplicate
  // wins in the first one's place). Anything else, or too deep, takes the full parser, which
  // also gives the error.
  if (!hasBareOrObjectKey(text)) {
    try {
      const value: unknown = JSON.parse(text);
      if (!nestsDeeperThanMax(text)) return value;
    } catch {
      // Not standard JSON: fastjson's extensions or garbage, for the parser below.
    }
  }
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
  // Concatenation rather than parts arrays and join: register and heartbeat bodies are
  // written every few seconds per node.
  if (Array.isArray(value) || value instanceof Set) {
    let text = "[";
    for (const item of value as Iterable<unknown>) text += `${text.length > 1 ? "," : ""}${write(item, options, depth + 1) ?? "null"}`;
    return `${text}]`;
  }
  let text = "{";
  if (value instanceof Map) {
    const map = value as Map<unknown, unknown>;
    const entries = options.sortMapKeys ? [...map].sort(([a], [b]) => compareKeys(a, b)) : map;
    for (const [key, item] of entries) text = writeEntry(text, key, item, true, options, depth);
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) text = writeEntry(text, key, record[key], false, options, depth);
  }
  return `${text}}`;
}

/** `text` (an object's text so far, from its "{") with one more entry; nulls are skipped. */
function writeEntry(text: string, key: unknown, item: unknown, fromMap: boolean, options: StringifyOptions, depth: number): string {
  if (item === null) return text;
  const itemText = write(item, options, depth + 1);
  if (itemText === undefined) return text;
  return `${text}${text.length > 1 ? "," : ""}${writeKey(key, fromMap, options, depth)}:${itemText}`;
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
