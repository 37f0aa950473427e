// QueryMsgTraceByIdSubCommand's lookup: the trace messages whose KEYS name the msgId (QUERY_MESSAGE
// on the trace topic's index), decoded, keeping the records of that msgId, oldest first.
import { bodyText } from "../message.ts";
import { decodeTraceData, RMQ_SYS_TRACE_TOPIC, TraceDecodeError } from "../trace/trace_data.ts";
import type { TraceRecord } from "../trace/trace_data.ts";
import type { AdminClient } from "./admin_client.ts";

export async function queryMsgTraceById(admin: AdminClient, msgId: string, traceTopic = RMQ_SYS_TRACE_TOPIC): Promise<TraceRecord[]> {
  const messages = await admin.queryMsgByKey(traceTopic, msgId);
  const records: TraceRecord[] = [];
  for (const message of messages) {
    try {
      records.push(...decodeTraceData(bodyText(message)).filter((record) => record.msgId === msgId));
    } catch (error) {
      if (!(error instanceof TraceDecodeError)) throw error;
    }
  }
  const order = { Pub: 0, SubBefore: 1, SubAfter: 2 };
  return records.sort((a, b) => a.timestamp - b.timestamp || order[a.type] - order[b.type]);
}
