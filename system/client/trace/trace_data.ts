// Message trace records in RocketMQ 4.9's format [client/trace TraceDataEncoder, TraceConstants]:
// fields joined by CONTENT_SPLITOR (U+0001), each record ended by FIELD_SPLITOR (U+0002); a trace
// message body is several records back to back, its KEYS the traced msgIds and message keys.
//   Pub:       Pub|time|region|group|topic|msgId|tags|keys|storeHost|bodyLength|costTime|msgType|offsetMsgId|success
//   SubBefore: SubBefore|time|region|group|requestId|msgId|retryTimes|keys            (one per message)
//   SubAfter:  SubAfter|requestId|msgId|costTime|success|keys|contextCode|time|group   (one per message)
// Absent tags/keys are written "null", as Java's StringBuilder.append(null) does. msgType is the
// MessageType ordinal (Normal_Msg 0, Trans_Msg_Half 1, Trans_msg_Commit 2, Delay_Msg 3);
// contextCode the ConsumeReturnType ordinal (SUCCESS 0, TIME_OUT 1, EXCEPTION 2, RETURNNULL 3, FAILED 4).
// Invariants: decode(encode(x)) gives x back for every field the format carries.

export const CONTENT_SPLITOR = "\u0001";
export const FIELD_SPLITOR = "\u0002";
export const RMQ_SYS_TRACE_TOPIC = "RMQ_SYS_TRACE_TOPIC";
export const TRACE_GROUP_NAME_PREFIX = "_INNER_TRACE_PRODUCER";
export const TRACE_INSTANCE_NAME = "PID_CLIENT_INNER_TRACE_PRODUCER";

export type TraceRecord =
  | {
    type: "Pub"; timestamp: number; regionId: string; groupName: string; topic: string; msgId: string; tags: string | null;
    keys: string | null; storeHost: string; bodyLength: number; costTime: number; msgType: number; offsetMsgId: string; success: boolean;
  }
  | { type: "SubBefore"; timestamp: number; regionId: string; groupName: string; requestId: string; msgId: string; retryTimes: number; keys: string | null }
  | {
    type: "SubAfter"; requestId: string; msgId: string; costTime: number; success: boolean; keys: string | null; contextCode: number;
    timestamp: number; groupName: string;
  };

export class TraceDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TraceDecodeError";
  }
}

function text(value: string | null): string {
  return value ?? "null";
}

function nullable(value: string): string | null {
  return value === "null" ? null : value;
}

export function encodeTraceRecord(record: TraceRecord): string {
  let fields: (string | number | boolean)[];
  switch (record.type) {
    case "Pub":
      fields = [record.type, record.timestamp, record.regionId, record.groupName, record.topic, record.msgId, text(record.tags), text(record.keys),
        record.storeHost, record.bodyLength, record.costTime, record.msgType, record.offsetMsgId, record.success];
      break;
    case "SubBefore":
      fields = [record.type, record.timestamp, record.regionId, record.groupName, record.requestId, record.msgId, record.retryTimes, text(record.keys)];
      break;
    case "SubAfter":
      fields = [record.type, record.requestId, record.msgId, record.costTime, record.success, text(record.keys), record.contextCode, record.timestamp, record.groupName];
      break;
  }
  return fields.map(String).join(CONTENT_SPLITOR) + FIELD_SPLITOR;
}

function int(value: string | undefined, what: string): number {
  const parsed = Number(value);
  if (value === undefined || !Number.isSafeInteger(parsed)) throw new TraceDecodeError(`trace field ${what}: ${JSON.stringify(value)} is not an integer`);
  return parsed;
}

function decodeLine(line: string[]): TraceRecord {
  const at = (index: number): string => {
    const value = line[index];
    if (value === undefined) throw new TraceDecodeError(`${line[0] ?? "?"} record has ${line.length} fields`);
    return value;
  };
  switch (line[0]) {
    case "Pub":
      return {
        type: "Pub", timestamp: int(at(1), "timestamp"), regionId: at(2), groupName: at(3), topic: at(4), msgId: at(5), tags: nullable(at(6)),
        keys: nullable(at(7)), storeHost: at(8), bodyLength: int(at(9), "bodyLength"), costTime: int(at(10), "costTime"),
        msgType: int(at(11), "msgType"), offsetMsgId: line.length >= 14 ? at(12) : "", success: at(line.length >= 14 ? 13 : 12) === "true",
      };
    case "SubBefore":
      return {
        type: "SubBefore", timestamp: int(at(1), "timestamp"), regionId: at(2), groupName: at(3), requestId: at(4), msgId: at(5),
        retryTimes: int(at(6), "retryTimes"), keys: nullable(at(7)),
      };
    case "SubAfter":
      return {
        type: "SubAfter", requestId: at(1), msgId: at(2), costTime: int(at(3), "costTime"), success: at(4) === "true", keys: nullable(at(5)),
        contextCode: int(at(6), "contextCode"), timestamp: line.length > 7 ? int(at(7), "timestamp") : 0, groupName: line.length > 8 ? at(8) : "",
      };
    default:
      throw new TraceDecodeError(`unknown trace type ${JSON.stringify(line[0])}`);
  }
}

/** TraceDataEncoder.decoderFromTraceDataString: every record of a trace message body. */
export function decodeTraceData(data: string): TraceRecord[] {
  return data.split(FIELD_SPLITOR).filter((chunk) => chunk.length > 0).map((chunk) => decodeLine(chunk.split(CONTENT_SPLITOR)));
}

/** The KEYS of a trace message: the traced msgIds and their message keys (TraceTransferBean.transKey). */
export function traceKeys(record: TraceRecord): string[] {
  const keys = [record.msgId];
  if (record.keys !== null && record.keys.length > 0) keys.push(...record.keys.split(" ").filter((key) => key.length > 0));
  return keys;
}
