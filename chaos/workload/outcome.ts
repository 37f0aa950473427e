// Classifies a failed send the way Jepsen does: `fail` when the message certainly was not
// stored (the broker said no, or the request never left), `unknown` when it may have been (a
// request timed out or its connection died after the request was written). A producer retries
// on another broker, so one ambiguous attempt makes the whole send `unknown`. Checkers
// resolve unknowns against what consumers saw.

const ambiguousNames = new Set(["RemotingTimeoutError", "RemotingConnectionClosedError"]);

function* causeChain(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** True when any error in the chain means "the request may have reached the broker". */
export function isAmbiguous(error: unknown): boolean {
  for (const link of causeChain(error)) {
    if (link instanceof Error && ambiguousNames.has(link.name)) return true;
  }
  return false;
}

/** Same test for one send attempt (SendAttemptEvent.errorName). */
export function isAmbiguousErrorName(name: string): boolean {
  return ambiguousNames.has(name);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
