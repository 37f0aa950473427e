// Request processors of the namesrv (RocketMQ DefaultRequestProcessor), one per code. Header
// problems throw HeaderDecodeError, body problems BodyDecodeError: the remoting dispatcher turns
// both into SYSTEM_ERROR with the message, as Java's RemotingCommandException does.
import { crc32 } from "node:zlib";
import type { RemotingChannel } from "../remoting/remoting_channel.ts";
import type { RemotingServer } from "../remoting/remoting_server.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { createResponse, utf8, VERSION_V4_9_4 } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import { decodeHeader, encodeHeader } from "../protocol/header_codec.ts";
import * as H from "../protocol/headers.ts";
import { decodeRegisterBrokerBody } from "../protocol/register_broker_body.ts";
import { encodeClusterInfo, encodeTopicRouteData } from "../protocol/route.ts";
import { encodeKVTable, encodeTopicList } from "../protocol/admin_bodies.ts";
import { parseJsonBody, encodeJsonBody } from "../protocol/body_json.ts";
import { dataVersionFromJson, dataVersionToJson } from "../protocol/topic_config.ts";
import { formatProperties } from "../config/properties.ts";
import type { KVConfigManager } from "./kv_config_manager.ts";
import { NAMESPACE_ORDER_TOPIC_CONFIG } from "./kv_config_manager.ts";
import type { NamesrvConfig } from "./namesrv_config.ts";
import type { RouteInfoManager } from "./route_info_manager.ts";

export const APPLY_TOPIC_URL = "http://rocketmq.apache.org/docs/faq/";
/** FAQUrl.suggestTodo. */
export function suggestTodo(url: string): string {
  return `\nSee ${url} for further details.`;
}

export interface NamesrvParts {
  readonly config: NamesrvConfig;
  readonly routes: RouteInfoManager;
  readonly kv: KVConfigManager;
}

function ok(request: RemotingCommand, extFields: Record<string, string> = {}, body?: Uint8Array): RemotingCommand {
  return createResponse(request, ResponseCode.SUCCESS, undefined, extFields, body);
}

/** UtilAll.crc32: CRC32 & 0x7FFFFFFF, 0 for no body. */
export function bodyCrc32(body: Uint8Array | undefined): number {
  return body === undefined ? 0 : (crc32(body) & 0x7fffffff);
}

type Handler = (request: RemotingCommand, channel: RemotingChannel) => RemotingCommand | Promise<RemotingCommand>;
type On = (code: number, handler: Handler) => void;

export function registerNamesrvProcessors(server: RemotingServer, parts: NamesrvParts): void {
  const on: On = (code, handler) => server.registerProcessor(code, (context, request) => handler(request, context.channel));
  registerBrokerProcessors(on, parts);
  registerRouteProcessors(on, parts);
  registerKvProcessors(on, parts.kv);
  on(RequestCode.GET_NAMESRV_CONFIG, (request) => ok(request, {}, utf8(formatProperties(parts.config))));
}

function registerBrokerProcessors(on: On, { routes, kv }: NamesrvParts): void {
  on(RequestCode.REGISTER_BROKER, (request, channel) => {
    const header = decodeHeader(H.RegisterBrokerRequestHeader, request.extFields);
    if ((header.bodyCrc32 ?? 0) !== 0 && bodyCrc32(request.body) !== header.bodyCrc32) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, "crc32 not match");
    }
    const body = request.body === undefined
      ? { topicConfigSerializeWrapper: { topicConfigTable: new Map(), dataVersion: { timestamp: 0, counter: 0 } }, filterServerList: [] }
      : decodeRegisterBrokerBody(request.body, header.compressed === true);
    const result = routes.registerBroker({
      clusterName: header.clusterName,
      brokerAddr: header.brokerAddr,
      brokerName: header.brokerName,
      brokerId: header.brokerId,
      haServerAddr: header.haServerAddr,
      topicConfigTable: body.topicConfigSerializeWrapper.topicConfigTable,
      dataVersion: body.topicConfigSerializeWrapper.dataVersion,
      filterServerList: body.filterServerList,
      channel,
    });
    const orderTable = kv.namespace(NAMESPACE_ORDER_TOPIC_CONFIG);
    return ok(request, encodeHeader(H.RegisterBrokerResponseHeader, result), orderTable && encodeKVTable(orderTable));
  });

  on(RequestCode.UNREGISTER_BROKER, (request) => {
    const header = decodeHeader(H.UnRegisterBrokerRequestHeader, request.extFields);
    routes.unregisterBroker(header.clusterName, header.brokerAddr, header.brokerName, header.brokerId);
    return ok(request);
  });

  on(RequestCode.QUERY_DATA_VERSION, (request) => {
    const header = decodeHeader(H.QueryDataVersionRequestHeader, request.extFields);
    const dataVersion = dataVersionFromJson(parseJsonBody(request.body, "DataVersion"));
    const changed = routes.isBrokerTopicConfigChanged(header.brokerAddr, dataVersion);
    if (!changed) routes.updateBrokerInfoUpdateTimestamp(header.brokerAddr);
    const current = routes.queryBrokerDataVersion(header.brokerAddr);
    return ok(request, { changed: String(changed) }, current && encodeJsonBody(dataVersionToJson(current)));
  });
}

function registerRouteProcessors(on: On, { routes, kv, config }: NamesrvParts): void {
  on(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) => {
    const header = decodeHeader(H.GetRouteInfoRequestHeader, request.extFields);
    const route = routes.pickupTopicRouteData(header.topic);
    if (route === undefined) {
      const remark = `No topic route info in name server for the topic: ${header.topic}${suggestTodo(APPLY_TOPIC_URL)}`;
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, remark);
    }
    if (config.orderMessageEnable) {
      const orderTopicConf = kv.get(NAMESPACE_ORDER_TOPIC_CONFIG, header.topic);
      if (orderTopicConf !== undefined) route.orderTopicConf = orderTopicConf;
    }
    const standardJson = request.version >= VERSION_V4_9_4 || header.acceptStandardJsonOnly === true;
    return ok(request, {}, encodeTopicRouteData(route, { standardJson }));
  });

  on(RequestCode.GET_BROKER_CLUSTER_INFO, (request) => ok(request, {}, encodeClusterInfo(routes.clusterInfo())));

  on(RequestCode.WIPE_WRITE_PERM_OF_BROKER, (request) => {
    const header = decodeHeader(H.WipeWritePermOfBrokerRequestHeader, request.extFields);
    return ok(request, { wipeTopicCount: String(routes.operateWritePerm(header.brokerName, "wipe")) });
  });

  on(RequestCode.ADD_WRITE_PERM_OF_BROKER, (request) => {
    const header = decodeHeader(H.AddWritePermOfBrokerRequestHeader, request.extFields);
    return ok(request, { addTopicCount: String(routes.operateWritePerm(header.brokerName, "add")) });
  });

  on(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (request) =>
    ok(request, {}, encodeTopicList({ topicList: routes.allTopicList() })),
  );

  on(RequestCode.GET_TOPICS_BY_CLUSTER, (request) => {
    const header = decodeHeader(H.GetTopicsByClusterRequestHeader, request.extFields);
    return ok(request, {}, encodeTopicList({ topicList: routes.topicsByCluster(header.cluster) }));
  });

  on(RequestCode.DELETE_TOPIC_IN_NAMESRV, (request) => {
    const header = decodeHeader(H.DeleteTopicFromNamesrvRequestHeader, request.extFields);
    routes.deleteTopic(header.topic, header.clusterName);
    return ok(request);
  });

}

function registerKvProcessors(on: On, kv: KVConfigManager): void {
  on(RequestCode.PUT_KV_CONFIG, async (request) => {
    const header = decodeHeader(H.PutKVConfigRequestHeader, request.extFields);
    await kv.put(header.namespace, header.key, header.value);
    return ok(request);
  });

  on(RequestCode.GET_KV_CONFIG, (request) => {
    const header = decodeHeader(H.GetKVConfigRequestHeader, request.extFields);
    const value = kv.get(header.namespace, header.key);
    if (value === undefined) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${header.namespace} Key: ${header.key}`);
    }
    return ok(request, { value });
  });

  on(RequestCode.DELETE_KV_CONFIG, async (request) => {
    const header = decodeHeader(H.DeleteKVConfigRequestHeader, request.extFields);
    await kv.delete(header.namespace, header.key);
    return ok(request);
  });

  on(RequestCode.GET_KVLIST_BY_NAMESPACE, (request) => {
    const header = decodeHeader(H.GetKVListByNamespaceRequestHeader, request.extFields);
    const table = kv.namespace(header.namespace);
    if (table === undefined) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, `No config item, Namespace: ${header.namespace}`);
    }
    return ok(request, {}, encodeKVTable(table));
  });
}
