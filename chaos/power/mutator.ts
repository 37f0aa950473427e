// A small AST mutator for system/ (mutation testing without StrykerJS): parses each source file
// with the TypeScript compiler API and lists mutants — one textual replacement each — of the
// classic operators: equality and relational flips (=== ↔ !==, < ↔ <=, > ↔ >=), arithmetic
// (+ ↔ -), logical (&& ↔ ||), negation removal, boolean literals, boolean return values,
// removal of a call statement, and off-by-one numeric literals.
//
// Invariants:
// - Deterministic: the same sources give the same mutants in the same order (file path, then
//   position), and a seeded draw picks the same sample.
// - A mutant is a (start, end, replacement) on the original text: applying it and restoring the
//   original text are exact inverses (applyMutant / the caller keeps the original).
// - Equivalent-by-construction code is skipped: logging calls and their arguments, code probes,
//   asserts' messages, type positions and imports — their mutants can never be killed and would
//   only drown the score.
import ts from "typescript";

export type MutantKind =
  | "equality" | "relational" | "arithmetic" | "logical" | "negation"
  | "boolean-literal" | "return-value" | "remove-call" | "off-by-one";

export interface Mutant {
  /** Stable id: "<file>:<start>:<kind>". */
  id: string;
  file: string;
  kind: MutantKind;
  start: number;
  end: number;
  original: string;
  replacement: string;
  /** 1-based line of start. */
  line: number;
}

const binarySwaps: Partial<Record<ts.SyntaxKind, [MutantKind, ts.SyntaxKind]>> = {
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: ["equality", ts.SyntaxKind.ExclamationEqualsEqualsToken],
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: ["equality", ts.SyntaxKind.EqualsEqualsEqualsToken],
  [ts.SyntaxKind.LessThanToken]: ["relational", ts.SyntaxKind.LessThanEqualsToken],
  [ts.SyntaxKind.LessThanEqualsToken]: ["relational", ts.SyntaxKind.LessThanToken],
  [ts.SyntaxKind.GreaterThanToken]: ["relational", ts.SyntaxKind.GreaterThanEqualsToken],
  [ts.SyntaxKind.GreaterThanEqualsToken]: ["relational", ts.SyntaxKind.GreaterThanToken],
  [ts.SyntaxKind.PlusToken]: ["arithmetic", ts.SyntaxKind.MinusToken],
  [ts.SyntaxKind.MinusToken]: ["arithmetic", ts.SyntaxKind.PlusToken],
  [ts.SyntaxKind.AmpersandAmpersandToken]: ["logical", ts.SyntaxKind.BarBarToken],
  [ts.SyntaxKind.BarBarToken]: ["logical", ts.SyntaxKind.AmpersandAmpersandToken],
};

const loggingMethods = new Set(["debug", "info", "warn", "error", "child"]);

/** A call whose mutation cannot change behaviour a checker could see: logging, probes. */
function isInertCall(node: ts.CallExpression): boolean {
  const callee = node.expression;
  if (ts.isIdentifier(callee)) return callee.text === "probe";
  if (!ts.isPropertyAccessExpression(callee)) return false;
  const method = callee.name.text;
  const target = callee.expression;
  const targetName = ts.isPropertyAccessExpression(target) ? target.name.text : ts.isIdentifier(target) ? target.text : "";
  return loggingMethods.has(method) && /log$/i.test(targetName);
}

function insideInert(node: ts.Node): boolean {
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (ts.isCallExpression(current) && isInertCall(current)) return true;
    if (ts.isTypeNode(current) || ts.isImportDeclaration(current) || ts.isExportDeclaration(current)) return true;
    if (ts.isTemplateExpression(current) || ts.isNoSubstitutionTemplateLiteral(current)) return true;
    // assert(condition, message): the message (and anything built for it) is inert.
    if (ts.isCallExpression(current) && ts.isIdentifier(current.expression) && current.expression.text === "assert" && current.arguments[1] !== undefined &&
      node.pos >= current.arguments[1].pos) return true;
    // `new XError("...")` messages are text, not behaviour.
    if (ts.isNewExpression(current) && /Error$/.test(current.expression.getText())) return true;
  }
  return false;
}

function isStringy(node: ts.Expression): boolean {
  return ts.isStringLiteral(node) || ts.isTemplateExpression(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

/** Every mutant of one source file (its path is used as given, for ids and reports). */
export function mutantsOf(file: string, text: string): Mutant[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const mutants: Mutant[] = [];
  const add = (kind: MutantKind, start: number, end: number, replacement: string): void => {
    const original = text.slice(start, end);
    if (original === replacement) return;
    mutants.push({ id: `${file}:${start}:${kind}`, file, kind, start, end, original, replacement, line: source.getLineAndCharacterOfPosition(start).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) return;
    if (ts.isCallExpression(node) && isInertCall(node)) return;
    const inert = insideInert(node);
    if (!inert && ts.isBinaryExpression(node)) {
      const swap = binarySwaps[node.operatorToken.kind];
      // `+` on strings is concatenation: its mutant would be a type error (invalid), skip it.
      if (swap !== undefined && !(node.operatorToken.kind === ts.SyntaxKind.PlusToken && (isStringy(node.left) || isStringy(node.right)))) {
        add(swap[0], node.operatorToken.getStart(source), node.operatorToken.end, ts.tokenToString(swap[1])!);
      }
    }
    if (!inert && ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
      add("negation", node.getStart(source), node.end, node.operand.getText(source));
    }
    if (!inert && (node.kind === ts.SyntaxKind.TrueKeyword || node.kind === ts.SyntaxKind.FalseKeyword)) {
      add("boolean-literal", node.getStart(source), node.end, node.kind === ts.SyntaxKind.TrueKeyword ? "false" : "true");
    }
    if (!inert && ts.isNumericLiteral(node) && /^\d+$/.test(node.text)) {
      const parent = node.parent;
      const isKey = (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === node;
      if (!isKey) add("off-by-one", node.getStart(source), node.end, String(Number(node.text) + 1));
    }
    if (!inert && ts.isReturnStatement(node) && node.expression !== undefined && !ts.isBinaryExpression(node.expression) &&
      (node.expression.kind === ts.SyntaxKind.TrueKeyword || node.expression.kind === ts.SyntaxKind.FalseKeyword || ts.isCallExpression(node.expression) && /^(is|has|can|should)[A-Z]/.test(calleeName(node.expression)))) {
      // Boolean returns: negate the value (literals are covered by boolean-literal already).
      if (ts.isCallExpression(node.expression)) add("return-value", node.expression.getStart(source), node.expression.end, `!${node.expression.getText(source)}`);
    }
    if (ts.isExpressionStatement(node)) {
      const expression = ts.isAwaitExpression(node.expression) ? node.expression.expression : node.expression;
      const callee = ts.isCallExpression(expression) ? expression.expression : undefined;
      const skip = callee === undefined || callee.kind === ts.SyntaxKind.SuperKeyword || (ts.isIdentifier(callee) && callee.text === "assert");
      if (ts.isCallExpression(expression) && !skip && !isInertCall(expression)) {
        add("remove-call", node.getStart(source), node.end, ";");
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return mutants;
}

function calleeName(call: ts.CallExpression): string {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return "";
}

/** The mutated text. */
export function applyMutant(text: string, mutant: Mutant): string {
  if (text.slice(mutant.start, mutant.end) !== mutant.original) {
    throw new Error(`mutant ${mutant.id} does not match its file (was it edited since the mutants were listed?)`);
  }
  return text.slice(0, mutant.start) + mutant.replacement + text.slice(mutant.end);
}

/** Files of system/ a mutation run covers: no tests, test helpers, CLIs, the real Env, or types-only files. */
export function isMutableSystemFile(path: string): boolean {
  return /^system\/.*\.ts$/.test(path) && !/\.test\.ts$|\.test_support\.ts$|\.d\.ts$/.test(path) &&
    !/\/testing\/|^system\/cli\/|^system\/env\/real\/|\/test\//.test(path) && path !== "system/env/probe.ts" && path !== "system/env/env.ts";
}

/** N mutants drawn without replacement by a seeded PRNG (xorshift32); all when n ≥ length. */
export function sampleMutants(mutants: readonly Mutant[], n: number, seed: number): Mutant[] {
  if (n >= mutants.length) return [...mutants];
  let state = (seed | 0) || 0x9e3779b9;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const pool = [...mutants];
  for (let index = 0; index < n; index++) {
    const pick = index + (next() % (pool.length - index));
    [pool[index], pool[pick]] = [pool[pick]!, pool[index]!];
  }
  return pool.slice(0, n).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start));
}
