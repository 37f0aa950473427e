// The client side of CHECK_TRANSACTION_STATE (39) [client/.../ClientRemotingProcessor
// .checkTransactionState]: decode the header and the message in the body, find the producer of
// the message's group (PGROUP) in this client instance and hand it the check; no response is
// sent (the broker sends 39 oneway; the answer is an END_TRANSACTION). A body that does not
// decode, or a group with no transactional producer here, is logged and dropped, as in Java.
import type { Log } from "../../env/env.ts";
import { decodeMessageRecord, MessageConst } from "../../message/index.ts";
import { tryDecodeHeader } from "../../protocol/header_codec.ts";
import { CheckTransactionStateRequestHeader } from "../../protocol/headers.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import type { ProducerInner } from "../client_inner.ts";
import { errorText } from "../../stdx/error_text.ts";

export function handleCheckTransactionState(
  log: Log, producerOf: (group: string) => ProducerInner | undefined, brokerAddr: string, request: RemotingCommand,
): void {
  const decoded = tryDecodeHeader(CheckTransactionStateRequestHeader, request.extFields);
  if (!decoded.ok || request.body === undefined) {
    log.warn("checkTransactionState: bad request", { brokerAddr, problem: decoded.ok ? "no body" : decoded.error.message });
    return;
  }
  let message;
  try {
    message = decodeMessageRecord(request.body, 0, { inflateBody: true });
  } catch (error) {
    log.warn("checkTransactionState: the message does not decode", { brokerAddr, error: errorText(error) });
    return;
  }
  const group = message.properties.get(MessageConst.PRODUCER_GROUP);
  const producer = group === undefined ? undefined : producerOf(group);
  if (producer?.checkTransactionState === undefined) {
    log.debug("checkTransactionState, pick producer by group failed", { group });
    return;
  }
  producer.checkTransactionState(brokerAddr, message, decoded.header);
}
