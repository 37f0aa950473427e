// RegisterBrokerBody: the broker's topic table sent with REGISTER_BROKER
// [common/.../protocol/body/RegisterBrokerBody.java]. Plain form: fastjson JSON
// {"topicConfigSerializeWrapper":{...},"filterServerList":[]}. Compressed form
// (compressedRegister=true): deflate of [int len][DataVersion JSON][int n] n × [int len]
// [TopicConfig.encode(): "name read write perm filterType"] [int len][filter list JSON].
// bodyCrc32 = CRC32(body) & 0x7FFFFFFF of whichever bytes are sent.
import { crc32, deflateSync, constants } from "node:zlib";
import type { TopicConfigSerializeWrapper } from "../topic_config_manager.ts";

const encoder = new TextEncoder();

export function encodeRegisterBrokerBody(wrapper: TopicConfigSerializeWrapper, compressed: boolean): Uint8Array {
  if (!compressed) return encoder.encode(JSON.stringify({ topicConfigSerializeWrapper: wrapper, filterServerList: [] }));
  const parts: Uint8Array[] = [];
  const withLength = (bytes: Uint8Array): void => {
    const length = new Uint8Array(4);
    new DataView(length.buffer).setInt32(0, bytes.length, false);
    parts.push(length, bytes);
  };
  withLength(encoder.encode(JSON.stringify(wrapper.dataVersion)));
  const topics = Object.values(wrapper.topicConfigTable);
  const count = new Uint8Array(4);
  new DataView(count.buffer).setInt32(0, topics.length, false);
  parts.push(count);
  for (const topic of topics) {
    const line = [topic["topicName"], topic["readQueueNums"], topic["writeQueueNums"], topic["perm"], topic["topicFilterType"]]
      .map((value) => String(value)).join(" ");
    withLength(encoder.encode(line));
  }
  withLength(encoder.encode("[]"));
  return new Uint8Array(deflateSync(Buffer.concat(parts), { level: constants.Z_BEST_COMPRESSION }));
}

/** UtilAll.crc32: CRC32 masked to a non-negative int. */
export function bodyCrc32(body: Uint8Array): number {
  return crc32(body) & 0x7fffffff;
}
