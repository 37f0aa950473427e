// JSON as fastjson writes it: standard JSON plus bare object keys, e.g. consumerOffset.json's
// `{"offsetTable":{"T@G":{0:12,1:7}}}`. A thin alias of the protocol layer's fastjson parser so
// every broker reader (config files, request bodies) accepts what Java brokers and clients write.
import { parseFastjson } from "../protocol/fastjson.ts";

/** Parses standard JSON and fastjson's extensions; throws FastjsonParseError otherwise. */
export function parseLenientJson(text: string): unknown {
  return parseFastjson(text);
}
