// RemotingCommand: the one message type of RocketMQ's remoting protocol (request or response),
// plus its flag bits, language codes and factories. Wire encoding lives in command_codec.ts.
// Invariants: extFields is always an object of string → string (never numbers: non-Java peers'
// JSON numbers/booleans are coerced on decode); an empty body is represented as undefined;
// a response carries its request's opaque and serialize type.

/** High byte of the header-length word. */
export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/** Flag bit 0: the command is a response. Bit 1: oneway request (no response is ever sent). */
export const FLAG_RESPONSE = 1;
export const FLAG_ONEWAY = 2;

/** `MQVersion.Version` ordinal mqlab announces: V4_9_7 = 407. */
export const MQLAB_REMOTING_VERSION = 407;
/** Versions that change wire behaviour (request `version` ≥ this). */
export const VERSION_V3_4_9 = 121;
export const VERSION_V4_9_4 = 401;

/** LanguageCode enum of RocketMQ: name → byte used by the ROCKETMQ binary header. */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
} as const;
export type LanguageName = keyof typeof LanguageCode;

const languageNamesByCode: ReadonlyMap<number, LanguageName> = new Map(
  (Object.entries(LanguageCode) as [LanguageName, number][]).map(([name, code]) => [code, name]),
);

/** Byte code for a language name; names RocketMQ does not know map to OTHER. */
export function languageCodeOf(name: string): number {
  return (LanguageCode as Record<string, number | undefined>)[name] ?? LanguageCode.OTHER;
}

/** Language name for a byte code; unknown codes map to OTHER. */
export function languageNameOf(code: number): LanguageName {
  return languageNamesByCode.get(code) ?? "OTHER";
}

export interface RemotingCommand {
  /** Request code in a request, response code in a response. */
  code: number;
  /** LanguageCode name as sent ("JAVA", ...); unknown names are kept verbatim. */
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  extFields: Record<string, string>;
  body?: Uint8Array;
  serializeType: SerializeType;
}

export function isResponse(command: RemotingCommand): boolean {
  return (command.flag & FLAG_RESPONSE) !== 0;
}

export function isOneway(command: RemotingCommand): boolean {
  return (command.flag & FLAG_ONEWAY) !== 0;
}

export interface CommandOptions {
  serializeType?: SerializeType;
  language?: string;
  version?: number;
  remark?: string;
}

/** A request; opaque is assigned by the channel that sends it. */
export function createRequest(
  code: number,
  extFields: Record<string, string> = {},
  body?: Uint8Array,
  options: CommandOptions = {},
): RemotingCommand {
  const command: RemotingCommand = {
    code,
    language: options.language ?? "JAVA",
    version: options.version ?? MQLAB_REMOTING_VERSION,
    opaque: 0,
    flag: 0,
    extFields,
    serializeType: options.serializeType ?? SerializeType.JSON,
  };
  if (options.remark !== undefined) command.remark = options.remark;
  if (body !== undefined && body.length > 0) command.body = body;
  return command;
}

/** A response to request: same opaque and serialize type, response flag set. */
export function createResponse(
  request: RemotingCommand,
  code: number,
  remark?: string,
  extFields: Record<string, string> = {},
  body?: Uint8Array,
): RemotingCommand {
  const command: RemotingCommand = {
    code,
    language: "JAVA",
    version: MQLAB_REMOTING_VERSION,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    extFields,
    serializeType: request.serializeType,
  };
  if (remark !== undefined) command.remark = remark;
  if (body !== undefined && body.length > 0) command.body = body;
  return command;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8");

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}
