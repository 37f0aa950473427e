// Assertions stay on in production: a broken invariant is a programmer error and crashes
// loudly; operating errors are typed values, never asserts.

export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, message = "unexpected value"): never {
  throw new AssertionError(`${message}: ${JSON.stringify(value)}`);
}
