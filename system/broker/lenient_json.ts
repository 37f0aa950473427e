// JSON as fastjson writes it: standard JSON plus bare object keys, e.g. consumerOffset.json's
// `{"offsetTable":{"T@G":{0:12,1:7}}}` and route data's `"brokerAddrs":{0:"ip:port"}`.
// parseLenientJson quotes bare keys (outside strings) and then uses JSON.parse, so every
// standard-JSON input parses exactly as JSON.parse would.

const BARE_KEY_START = /[A-Za-z0-9_$-]/;

/** Parses JSON that may contain bare (unquoted) object keys; throws SyntaxError otherwise. */
export function parseLenientJson(text: string): unknown {
  return JSON.parse(quoteBareKeys(text));
}

export function quoteBareKeys(text: string): string {
  let out = "";
  let index = 0;
  // True right after `{` or `,` (ignoring whitespace) where a key may start.
  let expectKey = false;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') {
      const end = endOfString(text, index);
      out += text.slice(index, end);
      index = end;
      expectKey = false;
      continue;
    }
    if (char === "{" || char === ",") {
      out += char;
      index += 1;
      expectKey = true;
      continue;
    }
    if (expectKey && BARE_KEY_START.test(char)) {
      let end = index;
      while (end < text.length && BARE_KEY_START.test(text[end]!)) end += 1;
      let after = end;
      while (after < text.length && /\s/.test(text[after]!)) after += 1;
      if (text[after] === ":") {
        out += `"${text.slice(index, end)}"`;
        index = end;
        expectKey = false;
        continue;
      }
    }
    if (!/\s/.test(char)) expectKey = false;
    out += char;
    index += 1;
  }
  return out;
}

function endOfString(text: string, start: number): number {
  let index = start + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === "\\") index += 2;
    else if (char === '"') return index + 1;
    else index += 1;
  }
  return text.length;
}
