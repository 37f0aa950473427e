// The rogue peer of the `rogue-peer` fault: a program that connects to a NameServer's or a
// broker's remoting port, again and again while the fault lasts, and sends it traffic no honest
// client sends — frames whose length field or header word lies, headers that are not JSON or
// name no known serialization, requests nobody serves, requests without the header fields the
// server needs. One attack per connection, so each outcome is the server's answer to that
// attack alone. What RocketMQ 4.9.x does, and what the `rogue-peer` checker expects:
// - a frame it cannot decode (NettyDecoder catches the exception, logs it and closes the
//   channel): the connection is closed, nothing is answered;
// - a well-framed request it cannot serve: an error response with the request's opaque
//   (REQUEST_CODE_NOT_SUPPORTED for an unknown code, SYSTEM_ERROR when decodeCommandCustomHeader
//   finds a @CFNotNull field missing, NO_PERMISSION and the like under ACL) — never SUCCESS;
// - and in both cases the server keeps accepting connections and serving everyone else (the
//   run's other checkers judge the workload beside the rogue).
// The HA port is left out: 4.9.x's HA protocol has no framing or authentication to violate (a
// peer that writes 8 bytes there is a slave reporting an offset), so garbage there is not a fault
// a server can refuse.
// Env-only (timers, randomness, network), like the workload: the simulator runs it as a node of
// its own, and its draws come from that node's random stream; the process deployer runs it in a
// worker process with the real Env (rogue_peer_node.ts).
import type { Connection, Env } from "../../system/env/index.ts";
import { createRequest, encodeFrame, FrameDecoder, RequestCode, ResponseCode } from "../../system/remoting/index.ts";

/** Attacks the server must answer by closing the connection: the frame cannot be decoded. */
export const malformedAttacks = [
  "length-below-header", "length-oversized", "header-length-overflow", "header-not-json", "serialize-type-unknown",
] as const;
/** Attacks the server must answer with an error response (a well-framed request it cannot serve). */
export const requestAttacks = ["unknown-code", "missing-fields"] as const;

export type MalformedAttack = (typeof malformedAttacks)[number];
export type RequestAttack = (typeof requestAttacks)[number];
export type RogueAttack = MalformedAttack | RequestAttack;

export const rogueAttacks: readonly RogueAttack[] = [...malformedAttacks, ...requestAttacks];

export function isMalformedAttack(attack: RogueAttack): attack is MalformedAttack {
  return (malformedAttacks as readonly string[]).includes(attack);
}

/**
 * What the server did: closed the connection (closed), answered with a frame (response), sent
 * bytes that are no frame (garbled), did neither within the answer timeout (silent), or the
 * connection could not be opened (connect-failed).
 */
export type RogueOutcome = "closed" | "response" | "garbled" | "silent" | "connect-failed";

export interface RogueAttempt {
  attack: RogueAttack;
  /** Wall times of the rogue's Env: when it started connecting, when the outcome was known. */
  startMs: number;
  endMs: number;
  outcome: RogueOutcome;
  /** A response's code, and whether its opaque was the request's. */
  responseCode?: number;
  opaqueMatches?: boolean;
  /** The request code a request attack sent. */
  requestCode?: number;
  /** Connect error, or what was garbled. */
  error?: string;
}

export interface RoguePeerOptions {
  host: string;
  port: number;
  /** "namesrv" or "broker": which codes a missing-fields request uses. */
  serverRole: "namesrv" | "broker";
  /** Pause between attacks, drawn uniformly per attack. */
  pauseMsMin?: number;
  pauseMsMax?: number;
  /** How long the server has to close or answer (then the attempt is silent). */
  answerTimeoutMs?: number;
  onAttempt: (attempt: RogueAttempt) => void;
}

export interface RoguePeerHandle {
  /** Stops after the attack in progress (its outcome is still reported). */
  stop(): Promise<void>;
}

/** RocketMQ's default frameMaxLength (16 MiB): a length field above it is refused unread. */
const FRAME_SIZE_MAX_BYTES = 16 * 1024 * 1024;
const CONNECT_TIMEOUT_MS = 3_000;
/** Codes no 4.9.x server serves (RequestCode stops at a few hundred). */
const UNKNOWN_CODE_MIN = 9_000;
/** Requests whose header has @CFNotNull fields, per server role. */
const codesWithRequiredFields = {
  broker: [RequestCode.SEND_MESSAGE_V2, RequestCode.PULL_MESSAGE, RequestCode.QUERY_CONSUMER_OFFSET, RequestCode.UPDATE_CONSUMER_OFFSET],
  namesrv: [RequestCode.GET_ROUTEINFO_BY_TOPIC, RequestCode.REGISTER_BROKER],
} as const;

/** The bytes of one attack, and (for a request attack) the request's code and opaque. */
export interface AttackBytes {
  bytes: Uint8Array;
  requestCode?: number;
  opaque?: number;
}

function int32Be(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value >>> 0);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** The frame length field, header word and header of a JSON-serialized frame whose header is `header`. */
function jsonFrame(header: Uint8Array, headerWord = header.length): Uint8Array {
  return concat(int32Be(4 + header.length), int32Be(headerWord), header);
}

/** Printable ASCII that never parses as JSON (it starts with a letter no JSON literal starts with). */
function notJson(env: Env): Uint8Array {
  const length = env.random.intBetween(1, 64);
  const bytes = new Uint8Array(length + 1);
  bytes[0] = 0x78; // "x"
  for (let index = 1; index <= length; index++) bytes[index] = env.random.intBetween(0x20, 0x7e);
  return bytes;
}

/** The bytes of `attack`, drawn from env's random stream. */
export function attackBytes(env: Env, attack: RogueAttack, serverRole: "namesrv" | "broker"): AttackBytes {
  switch (attack) {
    case "length-below-header":
      // Too short to hold the header word; some bytes follow so the frame is complete.
      return { bytes: concat(int32Be(env.random.intBetween(0, 3)), env.random.bytes(env.random.intBetween(3, 16))) };
    case "length-oversized":
      // Above frameMaxLength, or negative as a Java int; only the length is sent (never read).
      return { bytes: env.random.chance(1, 2) ? int32Be(env.random.intBetween(FRAME_SIZE_MAX_BYTES - 3, 0x7fffffff)) : int32Be(0x80000000 + env.random.intBetween(0, 0x7fffffff)) };
    case "header-length-overflow": {
      const header = notJson(env);
      return { bytes: jsonFrame(header, header.length + env.random.intBetween(1, 1_000)) };
    }
    case "header-not-json":
      return { bytes: jsonFrame(notJson(env)) };
    case "serialize-type-unknown": {
      const header = notJson(env);
      return { bytes: jsonFrame(header, (env.random.intBetween(2, 0xff) << 24) | header.length) };
    }
    case "unknown-code":
    case "missing-fields": {
      const codes = codesWithRequiredFields[serverRole];
      const requestCode = attack === "unknown-code"
        ? UNKNOWN_CODE_MIN + env.random.intBetween(0, 999)
        : codes[env.random.intBetween(0, codes.length - 1)]!;
      const request = createRequest(requestCode);
      request.opaque = env.random.intBetween(1, 0x7fffffff);
      return { bytes: encodeFrame(request), requestCode, opaque: request.opaque };
    }
  }
}

/**
 * One attack on its own connection: connect, write, and wait for the server to close or answer
 * (the rogue closes the connection itself once it knows).
 */
async function attackOnce(env: Env, options: RoguePeerOptions, attack: RogueAttack): Promise<RogueAttempt> {
  const startMs = env.clock.nowMs();
  const planned = attackBytes(env, attack, options.serverRole);
  const attempt = (fields: Omit<RogueAttempt, "attack" | "startMs" | "endMs">): RogueAttempt => ({
    attack, startMs, endMs: env.clock.nowMs(), ...fields, ...(planned.requestCode === undefined ? {} : { requestCode: planned.requestCode }),
  });
  let connection: Connection;
  try {
    connection = await env.net.connect(options.host, options.port, { timeoutMs: CONNECT_TIMEOUT_MS });
  } catch (error) {
    return attempt({ outcome: "connect-failed", error: (error as Error).message });
  }
  return new Promise<RogueAttempt>((resolve) => {
    let settled = false;
    const settle = (result: RogueAttempt): void => {
      if (settled) return;
      settled = true;
      env.timers.clear(timer);
      resolve(result);
      if (!connection.closed) connection.destroy();
    };
    const timer = env.timers.setTimeout(() => settle(attempt({ outcome: "silent" })), options.answerTimeoutMs ?? 3_000);
    // The server's answer is read as a client reads it; bytes that are no frame are garbled.
    const decoder = new FrameDecoder((response) => settle(attempt({ outcome: "response", responseCode: response.code, opaqueMatches: response.opaque === planned.opaque })));
    connection.onData((chunk) => {
      try {
        decoder.push(chunk);
      } catch (error) {
        settle(attempt({ outcome: "garbled", error: (error as Error).message }));
      }
    });
    connection.onClose(() => settle(attempt({ outcome: "closed" })));
    connection.write(planned.bytes);
  });
}

/** The node a fault's rogue peer runs as (its own host: a client address in the simulator). */
export function rogueNodeName(faultIndex: number): string {
  return `rogue-${faultIndex + 1}`;
}

/** Whether a node is a rogue peer: its start and stop are the fault's, not the cluster's. */
export function isRogueNode(node: string): boolean {
  return /^rogue-\d+$/.test(node);
}

/** Attacks `options.host:port` until stopped, one connection per attack, reporting each outcome. */
export function startRoguePeer(env: Env, options: RoguePeerOptions): RoguePeerHandle {
  let stopping = false;
  const loop = (async (): Promise<void> => {
    while (!stopping) {
      const attack = rogueAttacks[env.random.intBetween(0, rogueAttacks.length - 1)]!;
      options.onAttempt(await attackOnce(env, options, attack));
      if (stopping) break;
      await new Promise<void>((resolve) => env.timers.setTimeout(resolve, env.random.intBetween(options.pauseMsMin ?? 100, options.pauseMsMax ?? 500)));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
    },
  };
}

/** The response codes that are an answer to a request attack (anything but SUCCESS). */
export function isErrorResponse(code: number): boolean {
  return code !== ResponseCode.SUCCESS;
}
