// LOCK_BATCH_MQ (41) / UNLOCK_BATCH_MQ (42): orderly consumers lock their queues on the master
// [AdminBrokerProcessor.lockBatchMQ / unlockBatchMQ]. Bodies:
// {"consumerGroup","clientId","mqSet":[{"brokerName","queueId","topic"}]} → {"lockOKMQSet":[...]}.
import { ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand, RequestContext } from "../../remoting/index.ts";
import type { BrokerRuntime } from "../broker_runtime.ts";
import type { MessageQueue } from "../../protocol/message_queue.ts";
import { parseFastjson } from "../../protocol/fastjson.ts";
import { bodyText, jsonBody, respond } from "./responses.ts";

interface LockBatchBody {
  consumerGroup: string;
  clientId: string;
  mqSet: MessageQueue[];
}

export function decodeLockBatchBody(text: string | undefined): LockBatchBody {
  const parsed = (text === undefined ? {} : parseFastjson(text)) as Record<string, unknown>;
  const consumerGroup = parsed["consumerGroup"];
  const clientId = parsed["clientId"];
  if (typeof consumerGroup !== "string" || typeof clientId !== "string") throw new Error("lock batch body needs consumerGroup and clientId");
  const mqSet = (Array.isArray(parsed["mqSet"]) ? parsed["mqSet"] : []).flatMap((item: unknown): MessageQueue[] => {
    const mq = item as Record<string, unknown>;
    if (typeof mq["topic"] !== "string" || typeof mq["brokerName"] !== "string") return [];
    const queueId = Number(mq["queueId"]);
    return Number.isInteger(queueId) ? [{ topic: mq["topic"], brokerName: mq["brokerName"], queueId }] : [];
  });
  return { consumerGroup, clientId, mqSet };
}

/** MessageQueue as fastjson writes it (alphabetical fields). */
export function messageQueueJson(mq: MessageQueue): { brokerName: string; queueId: number; topic: string } {
  return { brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic };
}

export class LockProcessor {
  constructor(private readonly runtime: BrokerRuntime) {}

  lockBatchMQ(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const body = decodeLockBatchBody(bodyText(request));
    let locked = this.runtime.rebalanceLockManager.tryLockBatch(body.consumerGroup, body.mqSet, body.clientId);
    // TEST FAULT: every requester is told it holds every queue it asked for.
    if (this.runtime.testFaults.lockGrantEveryone === true) locked = body.mqSet;
    return respond(request, ResponseCode.SUCCESS, undefined, {}, jsonBody({ lockOKMQSet: locked.map(messageQueueJson) }));
  }

  unlockBatchMQ(_context: RequestContext, request: RemotingCommand): RemotingCommand {
    const body = decodeLockBatchBody(bodyText(request));
    this.runtime.rebalanceLockManager.unlockBatch(body.consumerGroup, body.mqSet, body.clientId);
    return respond(request, ResponseCode.SUCCESS);
  }
}
