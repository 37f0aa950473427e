// Typed operating errors of the remoting layer. Names follow RocketMQ's exceptions
// (RemotingConnectException, RemotingTimeoutException, RemotingSendRequestException,
// RemotingTooMuchRequestException) so people who know RocketMQ recognise them in logs.
// A broken invariant is an assert, never one of these.

/** Bytes on the wire do not form a valid frame or header; the owner closes the connection. */
export class RemotingDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RemotingDecodeError";
  }
}

/** Connecting to addr failed: refused, unreachable or timed out. */
export class RemotingConnectError extends Error {
  readonly addr: string;
  constructor(addr: string, message: string, options?: { cause?: unknown }) {
    super(`connect to ${addr} failed: ${message}`, options);
    this.name = "RemotingConnectError";
    this.addr = addr;
  }
}

/** No response arrived within the timeout; the request may or may not have been processed. */
export class RemotingTimeoutError extends Error {
  readonly addr: string;
  readonly timeoutMs: number;
  constructor(addr: string, timeoutMs: number, detail: string) {
    super(`wait response on the channel <${addr}> timeout, ${timeoutMs}(ms): ${detail}`);
    this.name = "RemotingTimeoutError";
    this.addr = addr;
    this.timeoutMs = timeoutMs;
  }
}

/** The request could not be written (connection already closed or shut down). */
export class RemotingSendRequestError extends Error {
  readonly addr: string;
  constructor(addr: string, message: string, options?: { cause?: unknown }) {
    super(`send request to <${addr}> failed: ${message}`, options);
    this.name = "RemotingSendRequestError";
    this.addr = addr;
  }
}

/**
 * The connection closed after the request was written and before its response arrived: the
 * outcome is unknown (the peer may have processed it).
 */
export class RemotingConnectionClosedError extends RemotingSendRequestError {
  constructor(addr: string, detail: string, options?: { cause?: unknown }) {
    super(addr, `connection closed before the response arrived (${detail})`, options);
    this.name = "RemotingConnectionClosedError";
  }
}

/** Too many requests are waiting for responses on one connection (request table full). */
export class RemotingTooMuchRequestError extends Error {
  readonly addr: string;
  constructor(addr: string, pendingMax: number) {
    super(`too many pending requests to <${addr}> (max ${pendingMax})`);
    this.name = "RemotingTooMuchRequestError";
    this.addr = addr;
  }
}
