// Test support: a small well-formedness check for the markup the reports emit (HTML with
// inline SVG, and JUnit XML). It tokenizes tags, keeps a stack, and reports the first tag that
// is closed out of order, left open, or an '&' / '<' that is not escaped. Script and style
// bodies are skipped (their content is not markup). Returns null when the markup is fine.
const htmlVoid = new Set(["meta", "br", "hr", "img", "input", "link", "wbr", "source", "area", "base", "col", "embed", "track"]);

export function wellFormednessError(markup: string, mode: "html" | "xml"): string | null {
  const stack: string[] = [];
  let position = 0;
  const lineOf = (offset: number): number => markup.slice(0, offset).split("\n").length;
  while (position < markup.length) {
    const open = markup.indexOf("<", position);
    const textEnd = open < 0 ? markup.length : open;
    const bad = badText(markup.slice(position, textEnd));
    if (bad !== null) return `line ${lineOf(position)}: ${bad}`;
    if (open < 0) break;
    if (markup.startsWith("<!--", open)) {
      const close = markup.indexOf("-->", open);
      if (close < 0) return `line ${lineOf(open)}: unclosed comment`;
      position = close + 3;
      continue;
    }
    const close = markup.indexOf(">", open);
    if (close < 0) return `line ${lineOf(open)}: unclosed tag`;
    const tag = markup.slice(open + 1, close);
    position = close + 1;
    if (tag.startsWith("!") || tag.startsWith("?")) continue;
    if (tag.includes("<")) return `line ${lineOf(open)}: '<' inside a tag`;
    if (tag.startsWith("/")) {
      const name = tag.slice(1).trim().toLowerCase();
      const expected = stack.pop();
      if (expected !== name) return `line ${lineOf(open)}: </${name}> closes <${expected ?? "nothing"}>`;
      continue;
    }
    const match = /^([A-Za-z][\w:-]*)/.exec(tag);
    if (match?.[1] === undefined) return `line ${lineOf(open)}: bad tag <${tag.slice(0, 20)}>`;
    const name = match[1].toLowerCase();
    const attributesError = badAttributes(tag.slice(match[1].length).replace(/\/$/, ""));
    if (attributesError !== null) return `line ${lineOf(open)}: <${name}> ${attributesError}`;
    if (tag.endsWith("/") || (mode === "html" && htmlVoid.has(name))) continue;
    if (mode === "html" && (name === "script" || name === "style")) {
      const end = markup.indexOf(`</${name}>`, position);
      if (end < 0) return `line ${lineOf(open)}: unclosed <${name}>`;
      position = end + name.length + 3;
      continue;
    }
    stack.push(name);
  }
  return stack.length === 0 ? null : `unclosed <${stack.join("> <")}>`;
}

function badText(text: string): string | null {
  const ampersand = /&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/.exec(text);
  return ampersand === null ? null : `unescaped '&' near "${text.slice(ampersand.index, ampersand.index + 12)}"`;
}

function badAttributes(attributes: string): string | null {
  const pattern = /\s+([A-Za-z_:][\w:.-]*)(?:\s*=\s*("[^"]*"|'[^']*'))?/y;
  let position = 0;
  const seen = new Set<string>();
  while (position < attributes.trimEnd().length) {
    pattern.lastIndex = position;
    const match = pattern.exec(attributes);
    if (match === null) return `bad attributes near "${attributes.slice(position, position + 20)}"`;
    const name = match[1] ?? "";
    if (seen.has(name)) return `duplicate attribute ${name}`;
    seen.add(name);
    const bad = badText(match[2] ?? "");
    if (bad !== null) return bad;
    position = pattern.lastIndex;
  }
  return null;
}
