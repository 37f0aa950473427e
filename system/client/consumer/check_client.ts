// MQClientInstance.checkClientInBroker: before a push consumer's first heartbeat, every SQL92
// subscription is sent to one broker of its topic as CHECK_CLIENT_CONFIG (46) with a
// CheckClientRequestBody {clientId, group, subscriptionData}. A broker without
// enablePropertyFilter answers SYSTEM_ERROR "The broker does not support consumer to filter
// message by SQL92"; a selector that does not compile answers SUBSCRIPTION_PARSE_FAILED. Either
// becomes MQClientError("CODE: <code>  DESC: <remark>") as Java's MQClientException does; a
// transport failure becomes Java's "Check client in broker error, maybe because you use …".
// Invariants: TAG subscriptions are never sent; one broker per subscription is asked (Java
// assumes the brokers of a cluster share their configuration).
import { encodeJsonBody } from "../../protocol/body_json.ts";
import { subscriptionDataToJson } from "../../protocol/heartbeat.ts";
import { createRequest } from "../../remoting/remoting_command.ts";
import { RequestCode } from "../../remoting/request_code.ts";
import { ResponseCode } from "../../remoting/response_code.ts";
import type { ClientInstance } from "../client_instance.ts";
import { MQClientError } from "../client_errors.ts";
import { toProtocolSubscription } from "./subscription_data.ts";
import type { SubscriptionData } from "./subscription_data.ts";

export async function checkClientInBroker(instance: ClientInstance, group: string, subscriptions: readonly SubscriptionData[]): Promise<void> {
  for (const subscription of subscriptions) {
    if (subscription.expressionType === "TAG") continue;
    const addr = instance.routes.findBrokerAddrByTopic(subscription.topic);
    if (addr === undefined) continue;
    const body = encodeJsonBody({ clientId: instance.clientId, group, subscriptionData: subscriptionDataToJson(toProtocolSubscription(subscription)) });
    let code: number;
    let remark: string | undefined;
    try {
      const response = await instance.api.remoting.invokeSync(addr, createRequest(RequestCode.CHECK_CLIENT_CONFIG, {}, body), instance.config.requestTimeoutMs);
      code = response.code;
      remark = response.remark;
    } catch (error) {
      throw new MQClientError(
        `Check client in broker error, maybe because you use ${subscription.expressionType} to filter message, but server has not been upgraded to support!`
          + "This error would not affect the launch of consumer, but may has impact on message receiving if you have use the new features which are not supported by server, please check the log!",
        undefined, { cause: error },
      );
    }
    if (code !== ResponseCode.SUCCESS) throw new MQClientError(`CODE: ${code}  DESC: ${remark ?? "null"}`, code);
  }
}
