// Public API of system/stdx: assertions that stay on in production and the one errorText.
export { assert, assertNever } from "./assert.ts";
export { errorText } from "./error_text.ts";
