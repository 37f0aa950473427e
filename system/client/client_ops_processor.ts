// The client side of operator actions [ClientRemotingProcessor.resetOffset /
// consumeMessageDirectly]: RESET_CONSUMER_CLIENT_OFFSET (220, oneway from the broker) hands the
// ResetOffsetBody to the group's consumer; CONSUME_MESSAGE_DIRECTLY (309) decodes the stored
// record in the body and answers the consumer's ConsumeMessageDirectlyResult, or SYSTEM_ERROR
// "The Consumer Group <g> not exist in this consumer" when this client has no such consumer.
// Invariants: a malformed request is logged and dropped (220) or answered with SYSTEM_ERROR
// (309); it never throws into the remoting layer.
import { decodeMessageRecord } from "../message/index.ts";
import { decodeHeader } from "../protocol/header_codec.ts";
import {
  ConsumeMessageDirectlyResultRequestHeader, decodeResetOffsetBody, encodeConsumeMessageDirectlyResult, ResetOffsetRequestHeader,
} from "../protocol/ops_bodies.ts";
import { createResponse } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import type { Log } from "../env/env.ts";
import type { RequestProcessor } from "../remoting/request_dispatcher.ts";
import type { ConsumerInner } from "./client_inner.ts";
import { errorText } from "../stdx/error_text.ts";
import { toClientMessage } from "./message.ts";

/** What the processors need of the client instance (a port: the instance registers them). */
export interface ClientOpsHost {
  readonly api: { readonly remoting: { registerProcessor(code: number, processor: RequestProcessor): void } };
  readonly log: Log;
  consumerList(): readonly ConsumerInner[];
}

export function registerClientOpsProcessors(instance: ClientOpsHost): void {
  const remoting = instance.api.remoting;
  remoting.registerProcessor(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (_context, request) => {
    try {
      const header = decodeHeader(ResetOffsetRequestHeader, request.extFields);
      const offsets = decodeResetOffsetBody(request.body);
      const consumer = instance.consumerList().find((candidate) => candidate.groupName === header.group);
      if (consumer?.resetOffset === undefined) {
        instance.log.info("[reset-offset] consumer does not exist", { group: header.group });
        return undefined;
      }
      void consumer.resetOffset(header.topic, offsets).catch((error: unknown) => {
        instance.log.warn("[reset-offset] failed", { group: header.group, error: errorText(error) });
      });
    } catch (error) {
      instance.log.warn("[reset-offset] bad request", { error: errorText(error) });
    }
    return undefined;
  });
  remoting.registerProcessor(RequestCode.CONSUME_MESSAGE_DIRECTLY, async (_context, request) => {
    try {
      const header = decodeHeader(ConsumeMessageDirectlyResultRequestHeader, request.extFields);
      const consumer = instance.consumerList().find((candidate) => candidate.groupName === header.consumerGroup);
      if (consumer?.consumeMessageDirectly === undefined || request.body === undefined) {
        return createResponse(request, ResponseCode.SYSTEM_ERROR, `The Consumer Group <${header.consumerGroup}> not exist in this consumer`);
      }
      const message = toClientMessage(decodeMessageRecord(request.body, 0, { inflateBody: true }), header.brokerName ?? "");
      const result = await consumer.consumeMessageDirectly(message, header.brokerName ?? "");
      return createResponse(request, ResponseCode.SUCCESS, undefined, {}, encodeConsumeMessageDirectlyResult(result));
    } catch (error) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, errorText(error));
    }
  });
}
