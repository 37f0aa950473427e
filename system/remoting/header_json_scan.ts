// Fast path of the JSON header decoder: a hand-written scanner for the one shape every Java and
// mqlab peer sends — a flat object with code, extFields (string → string), flag, language,
// opaque, remark, serializeTypeCurrentRPC and version, in any order, no whitespace. It returns
// undefined for anything else (whitespace, an unknown or misspelt field, a number that is not
// a plain int32, an extFields value that is not a string, null, a raw control character, bad
// escapes, trailing bytes, ...), and the caller then decodes with JSON.parse, which also owns
// every error message. So the scanner never has to be right about invalid input, only about
// the input it accepts: for that, its result equals the JSON.parse path's (header_json.test.ts
// checks this on random headers).
// Why: JSON.parse builds a generic object (~2 µs for a send request's header) that the decoder
// then walks again; this builds the HeaderFields directly, cutting strings out of the text.
import type { RemotingCommand } from "./remoting_command.ts";

/** header_json.ts's HeaderFields, spelt out here so the two files do not import each other. */
type HeaderFields = Omit<RemotingCommand, "body" | "serializeType">;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Where the scanner is; `failed` once the text is not the shape the fast path takes. */
class Scanner {
  at = 0;
  failed = false;
  constructor(readonly text: string) {}

  /** Consumes `code` or fails. */
  expect(code: number): void {
    if (this.text.charCodeAt(this.at) === code) this.at++;
    else this.failed = true;
  }

  /** A JSON string (the opening quote is next); "" after a failure. */
  string(): string {
    const text = this.text;
    if (text.charCodeAt(this.at) !== QUOTE) {
      this.failed = true;
      return "";
    }
    const start = ++this.at;
    for (let index = start; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) {
        this.at = index + 1;
        return text.slice(start, index);
      }
      if (code === BACKSLASH) return this.escapedString(start, index);
      if (code < 0x20) break;
    }
    this.failed = true;
    return "";
  }

  /** The rest of a string that has escapes; `index` is the first backslash. */
  private escapedString(start: number, index: number): string {
    const text = this.text;
    let result = text.slice(start, index);
    let runStart = index;
    while (index < text.length) {
      const code = text.charCodeAt(index);
      if (code === QUOTE) {
        this.at = index + 1;
        return result + text.slice(runStart, index);
      }
      if (code < 0x20) break;
      if (code !== BACKSLASH) {
        index++;
        continue;
      }
      result += text.slice(runStart, index);
      const escaped = unescape(text, index + 1);
      if (escaped === undefined) break;
      result += escaped;
      index += text.charCodeAt(index + 1) === 0x75 ? 6 : 2;
      runStart = index;
    }
    this.failed = true;
    return "";
  }

  /** A JSON integer that fits int32 (no fraction, no exponent, no leading zeros). */
  int32(): number {
    const text = this.text;
    let index = this.at;
    const negative = text.charCodeAt(index) === MINUS;
    if (negative) index++;
    const first = index;
    let value = 0;
    for (let code = text.charCodeAt(index); code >= DIGIT_0 && code <= DIGIT_9; code = text.charCodeAt(++index)) {
      value = value * 10 + (code - DIGIT_0);
    }
    const digits = index - first;
    if (digits === 0 || digits > 10 || (digits > 1 && text.charCodeAt(first) === DIGIT_0)) {
      this.failed = true;
      return 0;
    }
    if (negative) value = -value;
    if (value !== (value | 0) || (negative && value === 0)) {
      // Out of int32, or "-0" (JSON.parse gives -0, which the JSON.parse path keeps).
      this.failed = true;
      return 0;
    }
    this.at = index;
    return value;
  }

  /** Consumes `,` (true) or `}` (false), or fails. */
  next(): boolean {
    const code = this.text.charCodeAt(this.at);
    this.at++;
    if (code === COMMA) return true;
    if (code !== CLOSE) this.failed = true;
    return false;
  }
}

/** The character a JSON escape at `at` (after the backslash) stands for; undefined if invalid. */
function unescape(text: string, at: number): string | undefined {
  switch (text.charCodeAt(at)) {
    case QUOTE: return "\"";
    case BACKSLASH: return "\\";
    case 0x2f: return "/";
    case 0x62: return "\b";
    case 0x66: return "\f";
    case 0x6e: return "\n";
    case 0x72: return "\r";
    case 0x74: return "\t";
    case 0x75: {
      let value = 0;
      for (let index = at + 1; index < at + 5; index++) {
        const digit = hexValue(text.charCodeAt(index));
        if (digit < 0) return undefined;
        value = value * 16 + digit;
      }
      return String.fromCharCode(value);
    }
    default: return undefined;
  }
}

function hexValue(code: number): number {
  if (code >= DIGIT_0 && code <= DIGIT_9) return code - DIGIT_0;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** One-character strings for ASCII codes (the V2 send header's keys "a".."n"). */
const ASCII_CHARS: readonly string[] = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code));
/** Keys seen before, so a store into extFields uses a string V8 has already internalized. */
const internedKeys = new Map<string, string>();
const INTERNED_KEYS_MAX = 4096;

/**
 * The key as a string V8 already internalized: a property store with a fresh (sliced) key
 * leaves the inline cache for the runtime to internalize it, which costs more than the scan.
 */
function internKey(key: string): string {
  if (key.length === 1) {
    const code = key.charCodeAt(0);
    if (code < 0x80) return ASCII_CHARS[code]!;
  }
  const known = internedKeys.get(key);
  if (known !== undefined) return known;
  if (internedKeys.size < INTERNED_KEYS_MAX) internedKeys.set(key, key);
  return key;
}

/**
 * Recent extFields keys with no character JSON escapes, by a hash of their first and last
 * character and length: a key whose text equals one of them (no escape can be in it then) is
 * that string, without a slice or an intern lookup per key per frame.
 */
const recentKeys: (string | undefined)[] = new Array<string | undefined>(1024).fill(undefined);

function keySlot(first: number, last: number, length: number): number {
  return (first * 961 + last * 31 + length) & 0x3ff;
}

/** A plain key may be matched against raw text: it has no quote, backslash or control character. */
function isPlainKey(key: string): boolean {
  for (let index = 0; index < key.length; index++) {
    const code = key.charCodeAt(index);
    if (code < 0x20 || code === QUOTE || code === BACKSLASH) return false;
  }
  return true;
}

/** An extFields key (its opening quote is next). */
function scanKey(scanner: Scanner): string {
  const text = scanner.text;
  const start = scanner.at + 1;
  // One-character keys (the V2 send header's "a".."n") come straight from the ASCII table: it
  // is cheaper than the recent-key probe (indexOf, hash, startsWith) by ~150 ns a send header.
  if (text.charCodeAt(start + 1) === QUOTE && text.charCodeAt(scanner.at) === QUOTE) {
    const code = text.charCodeAt(start);
    if (code >= 0x20 && code < 0x80 && code !== QUOTE && code !== BACKSLASH) {
      scanner.at = start + 2;
      return ASCII_CHARS[code]!;
    }
  }
  const end = text.indexOf('"', start);
  if (end > start) {
    const candidate = recentKeys[keySlot(text.charCodeAt(start), text.charCodeAt(end - 1), end - start)];
    if (candidate !== undefined && candidate.length === end - start && text.startsWith(candidate, start)) {
      scanner.at = end + 1;
      return candidate;
    }
  }
  const key = internKey(scanner.string());
  if (!scanner.failed && key.length > 0 && isPlainKey(key)) {
    recentKeys[keySlot(key.charCodeAt(0), key.charCodeAt(key.length - 1), key.length)] = key;
  }
  return key;
}

/** extFields: an object of string values (the `{` is next). */
function scanExtFields(scanner: Scanner): Record<string, string> {
  const extFields: Record<string, string> = {};
  scanner.expect(OPEN);
  if (scanner.text.charCodeAt(scanner.at) === CLOSE) {
    scanner.at++;
    return extFields;
  }
  do {
    const key = scanKey(scanner);
    scanner.expect(COLON);
    const value = scanner.string();
    if (scanner.failed) return extFields;
    if (key === "__proto__") {
      // As JSON.parse: an ordinary own property, not the prototype.
      Object.defineProperty(extFields, key, { value, enumerable: true, writable: true, configurable: true });
    } else {
      extFields[key] = value;
    }
  } while (scanner.next() && !scanner.failed);
  return extFields;
}

const CODE_KEY = '"code":';
const EXT_FIELDS_KEY = '"extFields":';
const FLAG_KEY = '"flag":';
const LANGUAGE_KEY = '"language":';
const OPAQUE_KEY = '"opaque":';
const REMARK_KEY = '"remark":';
const SERIALIZE_TYPE_KEY = '"serializeTypeCurrentRPC":';
const VERSION_KEY = '"version":';

/** The header field (quoted name and colon) that starts at `at`; undefined for any other text. */
function headerFieldAt(text: string, at: number): string | undefined {
  let field: string;
  switch (text.charCodeAt(at + 1)) {
    case 0x63: field = CODE_KEY; break;
    case 0x65: field = EXT_FIELDS_KEY; break;
    case 0x66: field = FLAG_KEY; break;
    case 0x6c: field = LANGUAGE_KEY; break;
    case 0x6f: field = OPAQUE_KEY; break;
    case 0x72: field = REMARK_KEY; break;
    case 0x73: field = SERIALIZE_TYPE_KEY; break;
    case 0x76: field = VERSION_KEY; break;
    default: return undefined;
  }
  return text.startsWith(field, at) ? field : undefined;
}

/** The header's fields when `text` has the usual shape; undefined: decode it with JSON.parse. */
export function scanJsonHeader(text: string): HeaderFields | undefined {
  const scanner = new Scanner(text);
  let code: number | undefined;
  let language = "JAVA";
  let version = 0;
  let opaque = 0;
  let flag = 0;
  let remark: string | undefined;
  let extFields: Record<string, string> = {};
  scanner.expect(OPEN);
  if (text.charCodeAt(scanner.at) === CLOSE) return undefined;
  do {
    // The field's name and colon are matched in place (no key string per field); any other
    // spelling, an escaped name included, is left to JSON.parse.
    const field = headerFieldAt(text, scanner.at);
    if (field === undefined) return undefined;
    scanner.at += field.length;
    switch (field) {
      case CODE_KEY: code = scanner.int32(); break;
      case FLAG_KEY: flag = scanner.int32(); break;
      case OPAQUE_KEY: opaque = scanner.int32(); break;
      case VERSION_KEY: version = scanner.int32(); break;
      case LANGUAGE_KEY: language = scanner.string(); break;
      case REMARK_KEY: remark = scanner.string(); break;
      case SERIALIZE_TYPE_KEY: scanner.string(); break;
      case EXT_FIELDS_KEY: extFields = scanExtFields(scanner); break;
      default: return undefined;
    }
  } while (scanner.next() && !scanner.failed);
  if (scanner.failed || scanner.at !== text.length || code === undefined) return undefined;
  const fields: HeaderFields = { code, language, version, opaque, flag, extFields };
  if (remark !== undefined) fields.remark = remark;
  return fields;
}
