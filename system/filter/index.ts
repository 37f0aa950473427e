// RocketMQ's filter module: the SQL92 selector (lexer, parser, evaluator) and the compile cache
// the broker uses for subscriptions (SelectorParser keeps 100 parsed selectors, errors too).
// Invariants: a cached entry is either a compiled expression or the parse error it gave; the
// cache never holds more than SQL92_CACHE_ENTRIES_MAX entries.
import { matches, type Expression } from "./sql92_expression.ts";
import { Sql92ParseError } from "./sql92_lexer.ts";
import { parseSql92 } from "./sql92_parser.ts";

export { evaluate, matches } from "./sql92_expression.ts";
export type { Expression } from "./sql92_expression.ts";
export { Sql92ParseError } from "./sql92_lexer.ts";
export { parseSql92 } from "./sql92_parser.ts";
export { Sql92EvalError } from "./sql92_value.ts";

export const ExpressionType = { SQL92: "SQL92", TAG: "TAG" } as const;

const SQL92_CACHE_ENTRIES_MAX = 100;
const cache = new Map<string, Expression | Sql92ParseError>();

/** ExpressionType.isTagType: absent, empty or "TAG". */
export function isTagType(expressionType: string | undefined): boolean {
  return expressionType === undefined || expressionType === "" || expressionType === ExpressionType.TAG;
}

/** FilterFactory.get(type).compile(text): throws Sql92ParseError; unknown types throw too. */
export function compileFilterExpression(expressionType: string, text: string): Expression {
  if (expressionType !== ExpressionType.SQL92) throw new Sql92ParseError(`Filter type ${expressionType} is not supported`, 0);
  let entry = cache.get(text);
  if (entry === undefined) {
    try {
      entry = parseSql92(text);
    } catch (error) {
      if (!(error instanceof Sql92ParseError)) throw error;
      entry = error;
    }
    if (cache.size >= SQL92_CACHE_ENTRIES_MAX) cache.delete(cache.keys().next().value!);
    cache.set(text, entry);
  }
  if (entry instanceof Sql92ParseError) throw entry;
  return entry;
}

/** Whether a message with these properties passes a compiled selector. */
export function propertiesMatch(expression: Expression, properties: ReadonlyMap<string, string>): boolean {
  return matches(expression, (name) => properties.get(name));
}
