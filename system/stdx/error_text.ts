// The message text of any thrown value: an Error's message, anything else as String(value).
// The one definition every module uses for log fields, remarks and CLI lines (never the stack).
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
