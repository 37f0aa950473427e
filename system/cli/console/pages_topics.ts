// Topics: the topic list with filters (normal, retry, DLQ, system, and a name filter), a topic's
// per-queue min/max offsets and last update (GET_TOPIC_STATS_INFO) and route, create/update
// (UPDATE_AND_CREATE_TOPIC on every master of a cluster), delete, and a test message send.
// Writes are POST forms that ask confirm() first; the result page shows what the broker said.
import type { FastifyInstance } from "fastify";
import { DLQ_GROUP_TOPIC_PREFIX, RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import { Producer } from "../../client/producer/producer.ts";
import type { ConsoleContext } from "./context.ts";
import { fieldsOf, integerField, page, required } from "./context.ts";
import { esc, form, formatTime, input, link, okBox, table } from "./html.ts";

export type TopicKind = "normal" | "retry" | "dlq" | "system";

/** TopicValidator.isSystemTopic plus the auto-created cluster/broker-name topics. */
const SYSTEM_TOPICS = new Set(["TBW102", "SCHEDULE_TOPIC_XXXX", "OFFSET_MOVED_EVENT", "SELF_TEST_TOPIC", "BenchmarkTest", "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRACE_TOPIC", "RMQ_SYS_TRANS_OP_HALF_TOPIC", "TRANS_CHECK_MAX_TIME_TOPIC"]);

export function topicKind(topic: string, clusterAndBrokerNames: ReadonlySet<string>): TopicKind {
  if (topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) return "retry";
  if (topic.startsWith(DLQ_GROUP_TOPIC_PREFIX)) return "dlq";
  if (SYSTEM_TOPICS.has(topic) || topic.startsWith("rmq_sys_") || clusterAndBrokerNames.has(topic)) return "system";
  if (topic.endsWith("_REPLY_TOPIC") && clusterAndBrokerNames.has(topic.slice(0, -"_REPLY_TOPIC".length))) return "system";
  return "normal";
}

export function registerTopicPages(app: FastifyInstance, context: ConsoleContext): void {
  let producer: Promise<Producer> | undefined;
  const sharedProducer = (): Promise<Producer> => {
    producer ??= (async () => {
      const created = new Producer(context.env, { namesrvAddr: [...context.namesrvAddrs], producerGroup: "CONSOLE_PRODUCER_GROUP" });
      await created.start();
      return created;
    })();
    return producer;
  };
  app.addHook("onClose", async () => {
    if (producer !== undefined) await (await producer).shutdown();
  });

  app.get("/topics", (request, reply) => page(reply, "Topics", "/topics", async () => {
    const fields = fieldsOf(request);
    const kinds = new Set(["normal", "retry", "dlq", "system"].filter((kind) => fields[kind] === "on"));
    if (kinds.size === 0) kinds.add("normal");
    const info = await context.admin.clusterInfo();
    const names = new Set([...info.clusterAddrTable.keys(), ...info.brokerAddrTable.keys()]);
    const filter = fields["q"] ?? "";
    const topics = (await context.admin.topicList()).filter((topic) => kinds.has(topicKind(topic, names)) && topic.includes(filter));
    const checks = ["normal", "retry", "dlq", "system"].map((kind) =>
      `<label><input type="checkbox" name="${kind}"${kinds.has(kind) ? " checked" : ""}> ${kind}</label>`).join(" ");
    const clusters = [...info.clusterAddrTable.keys()].sort();
    return `<form class="inline" method="get" action="/topics">${checks} ${input("q", "name contains", filter)}<button>Filter</button></form>` +
      table(["Topic", "Kind"], topics.map((topic) => [link(`/topic?name=${encodeURIComponent(topic)}`, topic), topicKind(topic, names)]), { id: "topics" }) +
      `<fieldset><legend>Create or update a topic</legend>${form("/topics/create",
        input("topic", "Topic") + input("cluster", "Cluster", clusters[0] ?? "DefaultCluster") + input("readQueueNums", "Read queues", 8, "size=3") +
        input("writeQueueNums", "Write queues", 8, "size=3") + input("perm", "Perm", 6, "size=2"), "Create / update", "Create or update this topic on every master of the cluster?")}</fieldset>`;
  }));

  app.post("/topics/create", (request, reply) => page(reply, "Create topic", "/topics", async () => {
    const fields = fieldsOf(request);
    const topic = required(fields, "topic");
    const brokers = await context.admin.createTopic({
      topic, clusterName: fields["cluster"] || "DefaultCluster", readQueueNums: integerField(fields, "readQueueNums", 8, 1, 1024),
      writeQueueNums: integerField(fields, "writeQueueNums", 8, 1, 1024), perm: integerField(fields, "perm", 6, 0, 7),
    });
    return okBox(`create topic ${topic} on ${brokers.join(", ")} success`) + `<p>${link(`/topic?name=${encodeURIComponent(topic)}`, `open ${topic}`).html}</p>`;
  }));

  app.post("/topics/delete", (request, reply) => page(reply, "Delete topic", "/topics", async () => {
    const fields = fieldsOf(request);
    const topic = required(fields, "topic");
    await context.admin.deleteTopic(topic, fields["cluster"] || "DefaultCluster");
    return okBox(`delete topic ${topic} success`);
  }));

  app.get("/topic", (request, reply) => page(reply, "Topic", "/topics", async () => {
    const topic = required(fieldsOf(request), "name");
    const route = await context.admin.topicRoute(topic);
    const status = await context.admin.topicStatus(topic);
    const routeRows = route.queueDatas.map((queue) => {
      const broker = route.brokerDatas.find((data) => data.brokerName === queue.brokerName);
      const addrs = [...(broker?.brokerAddrs ?? new Map<number, string>())].map(([id, addr]) => `${id}=${addr}`).join(" ");
      return [queue.brokerName, broker?.cluster ?? "", addrs, queue.readQueueNums, queue.writeQueueNums, queue.perm];
    });
    const cluster = route.brokerDatas[0]?.cluster ?? "DefaultCluster";
    return `<h2>${esc(topic)}</h2><h3>Queues</h3>` +
      table(["Broker", "Queue", "Min offset", "Max offset", "Last update"],
        status.map(([mq, offsets]) => [mq.brokerName, mq.queueId, offsets.minOffset, offsets.maxOffset, formatTime(offsets.lastUpdateTimestamp)]),
        { id: "queue-offsets", numeric: [1, 2, 3] }) +
      `<h3>Route</h3>${table(["Broker", "Cluster", "Addresses", "Read queues", "Write queues", "Perm"], routeRows, { id: "route" })}` +
      `<fieldset><legend>Send a test message</legend>${form("/topic/send",
        `<input type="hidden" name="topic" value="${esc(topic)}">` + input("tags", "Tag") + input("keys", "Keys") + input("body", "Body", "hello from mqconsole", "size=40"),
        "Send", `Send a message to ${topic}?`)}</fieldset>` +
      `<fieldset><legend>Delete</legend>${form("/topics/delete",
        `<input type="hidden" name="topic" value="${esc(topic)}">` + input("cluster", "Cluster", cluster), "Delete topic", `Delete topic ${topic} from every master and the NameServers?`)}</fieldset>`;
  }));

  app.post("/topic/send", (request, reply) => page(reply, "Send message", "/topics", async () => {
    const fields = fieldsOf(request);
    const topic = required(fields, "topic");
    const sent = await (await sharedProducer()).send({ topic, body: fields["body"] ?? "", tags: fields["tags"] || undefined, keys: fields["keys"] || undefined });
    return okBox(`send ${sent.sendStatus}`) + table(["Broker", "Queue", "Queue offset", "MsgId", "Offset msgId"],
      [[sent.messageQueue.brokerName, sent.messageQueue.queueId, sent.queueOffset, sent.msgId,
        link(`/message?id=${encodeURIComponent(sent.offsetMsgId)}`, sent.offsetMsgId)]], { id: "send-result" });
  }));
}
