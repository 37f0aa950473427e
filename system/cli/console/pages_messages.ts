// Messages: by topic and time range (SEARCH_OFFSET_BY_TIMESTAMP per queue, then pulls, at most
// 64 shown), by key (QUERY_MESSAGE, at most 64 as RocketMQ), by message id (offset msgId via
// VIEW_MESSAGE_BY_ID, or a UNIQ_KEY with its topic); one message's properties and body as text
// or hex, and a resend to a consumer client. An id nobody stores is a "Message not found" page.
import type { FastifyInstance } from "fastify";
import { PullConsumer } from "../../client/consumer/pull_consumer.ts";
import type { ClientMessageExt } from "../../client/message.ts";
import { bodyText } from "../../client/message.ts";
import { MASTER_ID } from "../../protocol/route.ts";
import type { ConsoleContext } from "./context.ts";
import { fieldsOf, page, required, timeField } from "./context.ts";
import { errorBox, esc, form, formatTime, input, link, table } from "./html.ts";

export const QUERY_MAX_NUM = 64;

function messageRows(messages: readonly ClientMessageExt[]): string {
  return table(["Topic", "Broker", "Queue", "Offset", "MsgId", "Tags", "Keys", "Stored", "Body"], messages.map((m) => [
    m.topic, m.brokerName, m.queueId, m.queueOffset, link(`/message?id=${encodeURIComponent(m.offsetMsgId)}`, m.msgId), m.tags, m.keys,
    formatTime(m.storeTimestamp), bodyText(m).slice(0, 60),
  ]), { id: "messages", numeric: [2, 3] });
}

async function queryByTime(context: ConsoleContext, topic: string, beginMs: number, endMs: number): Promise<ClientMessageExt[]> {
  const route = await context.admin.topicRoute(topic);
  const consumer = new PullConsumer(context.env, { namesrvAddr: [...context.namesrvAddrs], consumerGroup: "CONSOLE_QUERY_CONSUMER" });
  await consumer.start();
  const found: ClientMessageExt[] = [];
  try {
    for (const mq of await consumer.fetchSubscribeMessageQueues(topic)) {
      const addr = route.brokerDatas.find((data) => data.brokerName === mq.brokerName)?.brokerAddrs.get(MASTER_ID);
      if (addr === undefined) continue;
      const api = context.admin.clientInstance.api;
      const timeoutMs = context.admin.clientInstance.config.requestTimeoutMs;
      let offset = await api.searchOffset(addr, mq, beginMs, timeoutMs);
      const endOffset = await api.searchOffset(addr, mq, endMs, timeoutMs) + 1;
      while (offset < endOffset && found.length < QUERY_MAX_NUM) {
        const result = await consumer.pull(mq, "*", offset, Math.min(32, endOffset - offset));
        if (result.pullStatus !== "FOUND") break;
        found.push(...result.msgFoundList.filter((m) => m.storeTimestamp >= beginMs && m.storeTimestamp <= endMs));
        if (result.nextBeginOffset <= offset) break;
        offset = result.nextBeginOffset;
      }
    }
  } finally {
    await consumer.shutdown();
  }
  return found.slice(0, QUERY_MAX_NUM);
}

/** By id: a UNIQ_KEY when a topic is given (and it matches), else the offset msgId. */
async function findById(context: ConsoleContext, id: string, topic: string | undefined): Promise<ClientMessageExt> {
  if (topic !== undefined && topic !== "") {
    const byUniqKey = await context.admin.queryMsgByKey(topic, id, { uniqKey: true });
    if (byUniqKey[0] !== undefined) return byUniqKey[0];
  }
  return context.admin.queryMsgById(id);
}

function hex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = [...bytes.subarray(at, at + 16)];
    lines.push(`${at.toString(16).padStart(8, "0")}  ${row.map((b) => b.toString(16).padStart(2, "0")).join(" ").padEnd(48)}  ${row.map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("")}`);
  }
  return lines.join("\n");
}

export function registerMessagePages(app: FastifyInstance, context: ConsoleContext): void {
  app.get("/messages", (request, reply) => page(reply, "Messages", "/messages", async () => {
    const fields = fieldsOf(request);
    const nowMs = Date.now();
    const forms = `<fieldset><legend>By topic and time</legend><form class="inline" method="get" action="/messages">${input("topic", "Topic", fields["topic"] ?? "")}` +
      `${input("begin", "From", fields["begin"] ?? new Date(nowMs - 3_600_000).toISOString())}${input("end", "To", fields["end"] ?? "")}<button name="by" value="time">Search</button></form></fieldset>` +
      `<fieldset><legend>By key (at most ${QUERY_MAX_NUM})</legend><form class="inline" method="get" action="/messages">${input("topic", "Topic", fields["topic"] ?? "")}` +
      `${input("key", "Key", fields["key"] ?? "")}<button name="by" value="key">Search</button></form></fieldset>` +
      `<fieldset><legend>By message id</legend><form class="inline" method="get" action="/message">${input("id", "Message id", "", "size=36")}` +
      `${input("topic", "Topic (for a client msgId)", "")}<button>Show</button></form></fieldset>`;
    const topic = fields["topic"];
    if (topic === undefined || topic === "") return forms;
    let results: ClientMessageExt[];
    try {
      if (fields["key"] !== undefined && fields["key"] !== "") {
        results = (await context.admin.queryMsgByKey(topic, fields["key"], { maxNum: QUERY_MAX_NUM })).slice(0, QUERY_MAX_NUM);
      } else {
        results = await queryByTime(context, topic, timeField(fields, "begin", nowMs - 3_600_000), timeField(fields, "end", nowMs));
      }
    } catch (error) {
      return forms + errorBox(error);
    }
    return `${forms}<h2>${results.length} message(s) in ${esc(topic)}</h2>${messageRows(results)}`;
  }));

  app.get("/message", (request, reply) => page(reply, "Message", "/messages", async () => {
    const fields = fieldsOf(request);
    const id = required(fields, "id");
    let message: ClientMessageExt;
    try {
      message = await findById(context, id, fields["topic"]);
    } catch (error) {
      return `<h2 id="not-found">Message not found</h2><p>No broker stores a message with id <code>${esc(id)}</code>.</p>${errorBox(error)}`;
    }
    const view = fields["view"] === "hex" ? "hex" : "text";
    const props = [...message.properties].map(([key, value]) => [key, value]);
    const toggle = link(`/message?id=${encodeURIComponent(id)}&view=${view === "hex" ? "text" : "hex"}${fields["topic"] ? `&topic=${encodeURIComponent(fields["topic"])}` : ""}`, view === "hex" ? "show text" : "show hex");
    return table(["Field", "Value"], [
      ["Topic", message.topic], ["MsgId", message.msgId], ["Offset msgId", message.offsetMsgId], ["Tags", message.tags], ["Keys", message.keys],
      ["Queue", message.queueId], ["Queue offset", message.queueOffset], ["Born", `${formatTime(message.bornTimestamp)} from ${message.bornHost}`],
      ["Stored", `${formatTime(message.storeTimestamp)} on ${message.storeHost}`], ["Reconsume times", message.reconsumeTimes], ["Body size", message.body.length],
    ], { id: "message" }) + `<h3>Properties</h3>${table(["Key", "Value"], props, { id: "properties" })}` +
      `<h3>Body (${view}) · ${toggle.html}</h3><pre id="body">${esc(view === "hex" ? hex(message.body) : bodyText(message))}</pre>` +
      `<fieldset><legend>Resend to a consumer client (consume directly)</legend>${form("/consumer/resend",
        `<input type="hidden" name="msgId" value="${esc(message.offsetMsgId)}">` + input("group", "Group") + input("clientId", "Client id"),
        "Resend", "Resend this message to that client?")}</fieldset>`;
  }));
}
