// Consumers and producers: consumer groups (from the %RETRY% topics) with total lag and online
// clients; a group's per-queue broker offset / consumer offset / lag (GET_CONSUME_STATS), its
// connections (GET_CONSUMER_CONNECTION_LIST), reset offsets to a time (222), resend a message to
// a client (309) and delete the group (207); a producer group's connections on a topic (204).
// The client running each queue comes from every client's running info (307, mqTable).
import type { FastifyInstance } from "fastify";
import { consumeMessageDirectly, deleteSubscriptionGroup, producerConnection, queueClients, queueKey, resetOffsetByTime } from "../../client/admin/admin_console_ops.ts";
import { RETRY_GROUP_TOPIC_PREFIX } from "../../message/message_const.ts";
import type { ConsoleContext } from "./context.ts";
import { fieldsOf, page, required, timeField } from "./context.ts";
import { errorMessage, esc, form, formatTime, input, link, okBox, table } from "./html.ts";

export interface GroupRow {
  readonly group: string;
  readonly totalLag: number | undefined;
  readonly consumeTps: number | undefined;
  readonly clients: number;
  readonly messageModel: string;
  readonly error: string | undefined;
}

/** Every group with a retry topic, its lag and online client count (errors per row). */
export async function groupRows(context: ConsoleContext): Promise<GroupRow[]> {
  const groups = (await context.admin.topicList()).filter((topic) => topic.startsWith(RETRY_GROUP_TOPIC_PREFIX))
    .map((topic) => topic.slice(RETRY_GROUP_TOPIC_PREFIX.length)).sort();
  const rows: GroupRow[] = [];
  for (const group of groups) {
    let clients = 0;
    let messageModel = "";
    try {
      const connection = await context.admin.consumerConnection(group);
      clients = connection.connectionSet.length;
      messageModel = connection.messageModel;
    } catch {
      // Not online (CONSUMER_NOT_ONLINE): zero clients is the answer, not an error.
    }
    try {
      const progress = await context.admin.consumerProgress(group);
      rows.push({ group, totalLag: progress.totalLag, consumeTps: progress.consumeTps, clients, messageModel, error: undefined });
    } catch (error) {
      rows.push({ group, totalLag: undefined, consumeTps: undefined, clients, messageModel, error: errorMessage(error) });
    }
  }
  return rows;
}

const hidden = (name: string, value: string): string => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`;

export function registerConsumerPages(app: FastifyInstance, context: ConsoleContext): void {
  app.get("/consumers", (_request, reply) => page(reply, "Consumers", "/consumers", async () => {
    const rows = await groupRows(context);
    return table(["Group", "Lag (diff)", "Consume TPS", "Online clients", "Model", "Error"],
      rows.map((row) => [link(`/consumer?group=${encodeURIComponent(row.group)}`, row.group), row.totalLag, row.consumeTps, row.clients, row.messageModel, row.error]),
      { id: "groups", numeric: [1, 2, 3] });
  }));

  app.get("/consumer", (request, reply) => page(reply, "Consumer group", "/consumers", async () => {
    const group = required(fieldsOf(request), "group");
    const progress = await context.admin.consumerProgress(group);
    let connections: string;
    let clientIds: string[] = [];
    try {
      const connection = await context.admin.consumerConnection(group);
      clientIds = connection.connectionSet.map((c) => c.clientId);
      connections = table(["Client id", "Address", "Language", "Version"], connection.connectionSet.map((c) => [c.clientId, c.clientAddr, c.language, c.version]), { id: "clients" }) +
        table(["Topic", "Expression"], [...connection.subscriptionTable].map(([topic, sub]) => [topic, sub.subString]));
    } catch (error) {
      connections = `<p class="muted">${esc(errorMessage(error))}</p>`;
    }
    const holders = await queueClients(context.admin, group, clientIds);
    const topics = [...new Set(progress.queues.map((row) => row.mq.topic).filter((topic) => !topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)))];
    return `<h2>${esc(group)}</h2><p>Total lag <b id="total-lag">${progress.totalLag}</b> · consume TPS ${progress.consumeTps}</p>` +
      table(["Topic", "Broker", "Queue", "Broker offset", "Consumer offset", "Lag", "Last consumed", "Client"],
        progress.queues.map((row) => [row.mq.topic, row.mq.brokerName, row.mq.queueId, row.brokerOffset, row.consumerOffset, row.lag, formatTime(row.lastTimestamp),
          holders.get(queueKey(row.mq))]),
        { id: "queue-progress", numeric: [2, 3, 4, 5] }) +
      `<h3>Clients</h3>${connections}` +
      `<fieldset><legend>Reset offsets to a time</legend>${form("/consumer/reset",
        hidden("group", group) + input("topic", "Topic", topics[0] ?? "") + input("time", "Time (UTC or epoch ms)", new Date(0).toISOString()),
        "Reset", `Reset the offsets of ${group}?`)}</fieldset>` +
      `<fieldset><legend>Resend a message to a client (consume directly)</legend>${form("/consumer/resend",
        hidden("group", group) + input("clientId", "Client id", clientIds[0] ?? "") + input("msgId", "Offset msgId"), "Resend", `Resend the message to this client of ${group}?`)}</fieldset>` +
      `<fieldset><legend>DLQ</legend>${link(`/messages?topic=${encodeURIComponent(`%DLQ%${group}`)}&begin=0`, `messages of %DLQ%${group}`).html}</fieldset>` +
      `<fieldset><legend>Delete</legend>${form("/consumer/delete", hidden("group", group) + input("cluster", "Cluster", "DefaultCluster"),
        "Delete group", `Delete subscription group ${group} and its offsets?`)}</fieldset>`;
  }));

  app.post("/consumer/reset", (request, reply) => page(reply, "Reset offsets", "/consumers", async () => {
    const fields = fieldsOf(request);
    const group = required(fields, "group");
    const topic = required(fields, "topic");
    const offsets = await resetOffsetByTime(context.admin, group, topic, timeField(fields, "time", 0));
    return okBox(`reset ${group} on ${topic}`) + table(["Broker", "Queue", "New offset"], offsets.map(([mq, offset]) => [mq.brokerName, mq.queueId, offset]));
  }));

  app.post("/consumer/resend", (request, reply) => page(reply, "Consume message directly", "/consumers", async () => {
    const fields = fieldsOf(request);
    const result = await consumeMessageDirectly(context.admin, required(fields, "group"), required(fields, "clientId"), required(fields, "msgId"));
    return okBox(`consume result ${result.consumeResult}`) + table(["Order", "Auto commit", "Result", "Remark", "Spent ms"],
      [[String(result.order), String(result.autoCommit), result.consumeResult, result.remark, result.spentTimeMills]]);
  }));

  app.post("/consumer/delete", (request, reply) => page(reply, "Delete group", "/consumers", async () => {
    const fields = fieldsOf(request);
    const group = required(fields, "group");
    const brokers = await deleteSubscriptionGroup(context.admin, group, fields["cluster"] || "DefaultCluster");
    return okBox(`delete subscription group ${group} on ${brokers.join(", ")} success`);
  }));

  app.get("/producers", (request, reply) => page(reply, "Producers", "/producers", async () => {
    const fields = fieldsOf(request);
    const search = `<form class="inline" method="get" action="/producers">${input("group", "Producer group", fields["group"] ?? "")}${input("topic", "Topic", fields["topic"] ?? "")}<button>Show connections</button></form>`;
    if (!fields["group"] || !fields["topic"]) return search;
    const connections = await producerConnection(context.admin, fields["group"], fields["topic"]);
    return search + table(["Client id", "Address", "Language", "Version"], connections.map((c) => [c.clientId, c.clientAddr, c.language, c.version]), { id: "producers" });
  }));
}
