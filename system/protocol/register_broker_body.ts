// RegisterBrokerBody (REGISTER_BROKER request body), both forms of RocketMQ 4.9.7:
// - plain JSON: {"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":..,"topicConfigTable":{..}}}
// - compressed (BrokerConfig.compressedRegister, header compressed=true): zlib deflate (best
//   compression) of
//     [int32 n][n bytes DataVersion JSON]
//     [int32 topicCount] then per topic [int32 n][n bytes TopicConfig.encode() = "name r w perm filterType"]
//     [int32 n][n bytes filterServerList JSON array]
//   The compact topic form carries no topicSysFlag and no order flag: a namesrv decoding it sees
//   the Java defaults (0, false). Faithful on purpose — an incident scenario depends on it.
// Invariants: decoding never inflates more than inflatedSizeMax bytes; every length is checked
// against what remains; bad input is a BodyDecodeError.
import { deflateSync, inflateSync } from "node:zlib";
import { fromUtf8, utf8 } from "../remoting/remoting_command.ts";
import { asObject, BodyDecodeError, encodeJsonBody, parseJsonBody, readStringArray } from "./body_json.ts";
import { parseFastjson, stringifyFastjson } from "./fastjson.ts";
import type { TopicConfigSerializeWrapper } from "./topic_config.ts";
import {
  dataVersionFromJson,
  dataVersionToJson,
  topicConfigFromCompact,
  topicConfigToCompact,
  wrapperFromJson,
  wrapperToJson,
} from "./topic_config.ts";

export interface RegisterBrokerBody {
  topicConfigSerializeWrapper: TopicConfigSerializeWrapper;
  filterServerList: string[];
}

/** Upper bound on an inflated compressed body (a broker with ~100k topics stays far below). */
export const REGISTER_BODY_INFLATED_SIZE_MAX = 64 * 1024 * 1024;

export function encodeRegisterBrokerBody(body: RegisterBrokerBody, compress = false): Uint8Array {
  if (!compress) {
    return encodeJsonBody({
      filterServerList: body.filterServerList,
      topicConfigSerializeWrapper: wrapperToJson(body.topicConfigSerializeWrapper),
    });
  }
  const parts: Uint8Array[] = [];
  const pushBlock = (bytes: Uint8Array): void => {
    parts.push(int32(bytes.length), bytes);
  };
  pushBlock(utf8(stringifyFastjson(dataVersionToJson(body.topicConfigSerializeWrapper.dataVersion))));
  parts.push(int32(body.topicConfigSerializeWrapper.topicConfigTable.size));
  for (const config of body.topicConfigSerializeWrapper.topicConfigTable.values()) {
    pushBlock(utf8(topicConfigToCompact(config)));
  }
  pushBlock(utf8(JSON.stringify(body.filterServerList)));
  return new Uint8Array(deflateSync(Buffer.concat(parts), { level: 9 }));
}

export function decodeRegisterBrokerBody(
  bytes: Uint8Array | undefined,
  compressed: boolean,
  inflatedSizeMax = REGISTER_BODY_INFLATED_SIZE_MAX,
): RegisterBrokerBody {
  if (!compressed) {
    const object = parseJsonBody(bytes, "RegisterBrokerBody");
    const wrapper = object["topicConfigSerializeWrapper"];
    return {
      topicConfigSerializeWrapper: wrapperFromJson(wrapper ?? {}, "RegisterBrokerBody.topicConfigSerializeWrapper"),
      filterServerList: readStringArray(object, "filterServerList", "RegisterBrokerBody"),
    };
  }
  const reader = new BlockReader(inflate(bytes, inflatedSizeMax));
  const dataVersion = dataVersionFromJson(parseJsonText(reader.block("DataVersion")), "compressed DataVersion");
  const topicCount = reader.int32("topic count");
  const topicConfigTable = new Map<string, ReturnType<typeof topicConfigFromCompact>>();
  for (let index = 0; index < topicCount; index++) {
    const config = topicConfigFromCompact(reader.block("TopicConfig"));
    topicConfigTable.set(config.topicName, config);
  }
  const filterServerList = readStringArray(
    asObject({ list: parseJsonText(reader.block("filterServerList")) }, "filterServerList"),
    "list",
    "compressed filterServerList",
  );
  return { topicConfigSerializeWrapper: { topicConfigTable, dataVersion }, filterServerList };
}

function int32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setInt32(0, value, false);
  return bytes;
}

function inflate(bytes: Uint8Array | undefined, inflatedSizeMax: number): Uint8Array {
  if (bytes === undefined || bytes.length === 0) throw new BodyDecodeError("compressed RegisterBrokerBody: empty body");
  try {
    return new Uint8Array(inflateSync(bytes, { maxOutputLength: inflatedSizeMax }));
  } catch (error) {
    throw new BodyDecodeError(`compressed RegisterBrokerBody: ${(error as Error).message}`, { cause: error });
  }
}

function parseJsonText(text: string): unknown {
  try {
    return parseFastjson(text);
  } catch (error) {
    throw new BodyDecodeError(`compressed RegisterBrokerBody: ${(error as Error).message}`, { cause: error });
  }
}

class BlockReader {
  private position = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  int32(what: string): number {
    if (this.position + 4 > this.bytes.length) {
      throw new BodyDecodeError(`compressed RegisterBrokerBody: end of data reading ${what}`);
    }
    const value = this.view.getInt32(this.position, false);
    this.position += 4;
    if (value < 0) throw new BodyDecodeError(`compressed RegisterBrokerBody: negative ${what} ${value}`);
    return value;
  }

  block(what: string): string {
    const length = this.int32(`${what} length`);
    if (this.position + length > this.bytes.length) {
      throw new BodyDecodeError(`compressed RegisterBrokerBody: ${what} of ${length} bytes exceeds the data`);
    }
    const text = fromUtf8(this.bytes.subarray(this.position, this.position + length));
    this.position += length;
    return text;
  }
}
