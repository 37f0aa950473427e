// Which processor handles which request code, on both the main and the VIP listener
// [BrokerController.registerProcessor]. Codes not listed get REQUEST_CODE_NOT_SUPPORTED from
// the remoting server.
import { RequestCode } from "../remoting/index.ts";
import type { RemotingServer, RequestProcessor } from "../remoting/index.ts";
import type { BrokerRuntime } from "./broker_runtime.ts";
import { AdminStatsProcessor } from "./processor/admin_stats_processor.ts";
import { AdminOpsProcessor } from "./processor/admin_ops_processor.ts";
import { AdminTopicProcessor } from "./processor/admin_topic_processor.ts";
import { ClientManageProcessor } from "./processor/client_manage_processor.ts";
import { ConsumerManageProcessor } from "./processor/consumer_manage_processor.ts";
import { LockProcessor } from "./processor/lock_processor.ts";
import { PullMessageProcessor } from "./processor/pull_message_processor.ts";
import { QueryProcessor } from "./processor/query_processor.ts";
import { SendBackProcessor } from "./processor/send_back_processor.ts";
import { SendMessageProcessor } from "./processor/send_message_processor.ts";
import { EndTransactionProcessor } from "./transaction/end_transaction_processor.ts";

export function buildProcessorTable(runtime: BrokerRuntime, options: { consumerRunningInfoTimeoutMs?: number } = {}): Map<number, RequestProcessor> {
  const send = new SendMessageProcessor(runtime);
  const sendBack = new SendBackProcessor(runtime);
  const pull = new PullMessageProcessor(runtime);
  const query = new QueryProcessor(runtime);
  const client = new ClientManageProcessor(runtime);
  const consumer = new ConsumerManageProcessor(runtime);
  const lock = new LockProcessor(runtime);
  const topics = new AdminTopicProcessor(runtime);
  const stats = new AdminStatsProcessor(runtime, options.consumerRunningInfoTimeoutMs);
  const table = new Map<number, RequestProcessor>();
  const on = (code: number, processor: RequestProcessor): void => {
    table.set(code, processor);
  };
  // The send pool's codes go through its queue (flow control) when the broker has one and the
  // send cannot start at once (see SendQueue.runsAtOnce).
  const queued = (processor: RequestProcessor): RequestProcessor => (context, request) => {
    const sendQueue = runtime.sendQueue;
    if (sendQueue === undefined || sendQueue.runsAtOnce()) return processor(context, request);
    return sendQueue.submit(request, async () => processor(context, request));
  };
  on(RequestCode.SEND_MESSAGE, queued((context, request) => send.process(context, request)));
  on(RequestCode.SEND_MESSAGE_V2, queued((context, request) => send.process(context, request)));
  on(RequestCode.SEND_BATCH_MESSAGE, queued((context, request) => send.process(context, request)));
  on(RequestCode.CONSUMER_SEND_MSG_BACK, queued((context, request) => sendBack.process(context, request)));
  if (runtime.transactions !== undefined) {
    const endTransaction = new EndTransactionProcessor(runtime, runtime.transactions);
    on(RequestCode.END_TRANSACTION, (context, request) => endTransaction.process(context, request));
  }
  on(RequestCode.PULL_MESSAGE, (context, request) => pull.process(context, request));
  on(RequestCode.QUERY_MESSAGE, (context, request) => query.queryMessage(context, request));
  on(RequestCode.VIEW_MESSAGE_BY_ID, (context, request) => query.viewMessageById(context, request));
  on(RequestCode.GET_MAX_OFFSET, (context, request) => query.getMaxOffset(context, request));
  on(RequestCode.GET_MIN_OFFSET, (context, request) => query.getMinOffset(context, request));
  on(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (context, request) => query.searchOffsetByTimestamp(context, request));
  on(RequestCode.GET_EARLIEST_MSG_STORETIME, (context, request) => query.getEarliestMsgStoretime(context, request));
  on(RequestCode.HEART_BEAT, (context, request) => client.heartBeat(context, request));
  on(RequestCode.UNREGISTER_CLIENT, (context, request) => client.unregisterClient(context, request));
  on(RequestCode.CHECK_CLIENT_CONFIG, (context, request) => client.checkClientConfig(context, request));
  on(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (context, request) => consumer.getConsumerListByGroup(context, request));
  on(RequestCode.QUERY_CONSUMER_OFFSET, (context, request) => consumer.queryConsumerOffset(context, request));
  on(RequestCode.UPDATE_CONSUMER_OFFSET, (context, request) => consumer.updateConsumerOffset(context, request));
  on(RequestCode.LOCK_BATCH_MQ, (context, request) => lock.lockBatchMQ(context, request));
  on(RequestCode.UNLOCK_BATCH_MQ, (context, request) => lock.unlockBatchMQ(context, request));
  on(RequestCode.UPDATE_AND_CREATE_TOPIC, (context, request) => topics.updateAndCreateTopic(context, request));
  on(RequestCode.DELETE_TOPIC_IN_BROKER, (context, request) => topics.deleteTopic(context, request));
  on(RequestCode.GET_ALL_TOPIC_CONFIG, (context, request) => topics.getAllTopicConfig(context, request));
  on(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, (context, request) => topics.updateAndCreateSubscriptionGroup(context, request));
  on(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (context, request) => topics.getAllSubscriptionGroupConfig(context, request));
  on(RequestCode.DELETE_SUBSCRIPTIONGROUP, (context, request) => topics.deleteSubscriptionGroup(context, request));
  on(RequestCode.GET_ALL_CONSUMER_OFFSET, (context, request) => topics.getAllConsumerOffset(context, request));
  on(RequestCode.GET_ALL_DELAY_OFFSET, (context, request) => topics.getAllDelayOffset(context, request));
  on(RequestCode.GET_BROKER_RUNTIME_INFO, (context, request) => stats.getBrokerRuntimeInfo(context, request));
  on(RequestCode.GET_TOPIC_STATS_INFO, (context, request) => stats.getTopicStatsInfo(context, request));
  on(RequestCode.GET_CONSUME_STATS, (context, request) => stats.getConsumeStats(context, request));
  on(RequestCode.GET_CONSUMER_CONNECTION_LIST, (context, request) => stats.getConsumerConnectionList(context, request));
  on(RequestCode.GET_PRODUCER_CONNECTION_LIST, (context, request) => stats.getProducerConnectionList(context, request));
  on(RequestCode.GET_BROKER_CONFIG, (context, request) => stats.getBrokerConfig(context, request));
  on(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, (context, request) => stats.queryTopicConsumeByWho(context, request));
  on(RequestCode.GET_CONSUMER_RUNNING_INFO, (context, request) => stats.getConsumerRunningInfo(context, request));
  const ops = new AdminOpsProcessor(runtime);
  on(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (context, request) => ops.invokeBrokerToResetOffset(context, request));
  on(RequestCode.CONSUME_MESSAGE_DIRECTLY, (context, request) => ops.consumeMessageDirectly(context, request));
  return table;
}

export function registerProcessors(server: RemotingServer, table: ReadonlyMap<number, RequestProcessor>): void {
  for (const [code, processor] of table) server.registerProcessor(code, processor);
}
