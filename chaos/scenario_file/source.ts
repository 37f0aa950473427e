// A scenario file's text, parsed with `yaml` (YAML 1.2, so JSON files parse too) keeping every
// node's source range, so each error can name file:line:column. ScenarioFileError is the one
// error type a malformed file produces: its message is a single line the CLI prints as is.
import { LineCounter, parseDocument, isCollection, type Document } from "yaml";

export type PathSegment = string | number;

export class ScenarioFileError extends Error {
  constructor(readonly file: string, readonly line: number, readonly column: number, readonly reason: string) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = "ScenarioFileError";
  }
}

export interface ParsedSource {
  file: string;
  value: unknown;
  /** Where the value at `path` starts (the deepest existing ancestor when it is missing). */
  locate(path: readonly PathSegment[]): { line: number; column: number };
  /** An error at `path`. */
  error(path: readonly PathSegment[], reason: string): ScenarioFileError;
}

export function parseSource(file: string, text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = document.errors[0];
  if (first !== undefined) {
    const position = lineCounter.linePos(first.pos[0]);
    throw new ScenarioFileError(file, position.line, position.col, `not valid YAML/JSON: ${first.message.split("\n")[0]}`);
  }
  const locate = (path: readonly PathSegment[]): { line: number; column: number } => locateIn(document, lineCounter, path);
  return {
    file,
    value: document.toJS({ maxAliasCount: 100 }) as unknown,
    locate,
    error: (path, reason) => {
      const where = locate(path);
      return new ScenarioFileError(file, where.line, where.column, path.length === 0 ? reason : `${pathText(path)}: ${reason}`);
    },
  };
}

function locateIn(document: Document, lineCounter: LineCounter, path: readonly PathSegment[]): { line: number; column: number } {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range !== undefined && (depth === path.length || isCollection(node))) {
      const position = lineCounter.linePos(range[0]);
      return { line: position.line, column: position.col };
    }
  }
  return { line: 1, column: 1 };
}

/** faults[0].fault.kind */
export function pathText(path: readonly PathSegment[]): string {
  return path.map((segment, index) => typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`).join("");
}
