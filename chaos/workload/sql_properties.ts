// SQL92 workloads: the user properties a message carries are a pure function of its message id,
// so the sql-filter checker (and the delivery checker's receivers) can tell from the history
// alone which acked messages a SQL92 selector matches. Properties: `n` (sequence mod 100, a
// number), `color` (red / green / blue, or absent for one message in four), `region` (cn / us).
// Invariants: same id → same properties; the selector is evaluated with the system's SQL92
// evaluator (system/filter, property-tested against its own reference evaluator).
import { compileFilterExpression, propertiesMatch } from "../../system/filter/index.ts";
import { orderKeyHash } from "./message_identity.ts";

const colors = ["red", "green", "blue", undefined] as const;

export function sqlPropertiesOf(messageId: string): Record<string, string> {
  const sequence = Number(messageId.slice(messageId.lastIndexOf(".") + 1));
  const hash = orderKeyHash(messageId);
  const properties: Record<string, string> = {
    n: String(Number.isSafeInteger(sequence) ? sequence % 100 : hash % 100),
    region: hash % 2 === 0 ? "cn" : "us",
  };
  const color = colors[(hash >> 1) % colors.length];
  if (color !== undefined) properties["color"] = color;
  return properties;
}

/** Does the selector accept the message with this id? (A selector that does not compile accepts nothing.) */
export function sqlSelectorAccepts(selector: string, messageId: string): boolean {
  let expression;
  try {
    expression = compileFilterExpression("SQL92", selector);
  } catch {
    return false;
  }
  return propertiesMatch(expression, new Map(Object.entries(sqlPropertiesOf(messageId))));
}
