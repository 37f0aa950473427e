// Cluster page: every broker by cluster and name with role, address, version, put/get TPS, disk
// ratio and uptime (GET_BROKER_CLUSTER_INFO + GET_BROKER_RUNTIME_INFO), and a broker's config
// read-only (GET_BROKER_CONFIG). A broker that does not answer is a row with its error.
import type { FastifyInstance } from "fastify";
import { brokerConfig } from "../../client/admin/admin_console_ops.ts";
import type { ConsoleContext } from "./context.ts";
import { fieldsOf, page, required } from "./context.ts";
import { esc, link, raw, table } from "./html.ts";

function first(value: string | undefined): string {
  return (value ?? "").split(" ")[0] ?? "";
}

export function registerClusterPages(app: FastifyInstance, context: ConsoleContext): void {
  app.get("/", (_request, reply) => page(reply, "Cluster", "/", async () => {
    const rows = await context.admin.clusterList();
    const body = table(
      ["Cluster", "Broker", "BID", "Role", "Address", "Version", "Put TPS", "Get TPS", "Put total", "Disk ratio", "Uptime", "Config"],
      rows.map((row) => {
        const info = row.runtime;
        if (info === undefined) return [row.clusterName, row.brokerName, row.brokerId, "", row.addr, raw(`<span class="fail">${esc(row.error ?? "no answer")}</span>`)];
        return [row.clusterName, row.brokerName, row.brokerId, info.get("brokerRole") ?? (row.brokerId === 0 ? "MASTER" : "SLAVE"), row.addr,
          info.get("brokerVersionDesc"), first(info.get("putTps")), first(info.get("getTransferedTps")), info.get("msgPutTotalTodayNow"),
          info.get("commitLogDiskRatio"), info.get("runtime"), link(`/broker?addr=${encodeURIComponent(row.addr)}`, "config")];
      }),
      { id: "brokers", numeric: [2, 6, 7, 8, 9] },
    );
    return `<p class="muted">NameServer ${esc(context.namesrvAddrs.join(";"))} · ${rows.length} broker(s)</p>${body}`;
  }));

  app.get("/broker", (request, reply) => page(reply, "Broker config", "/", async () => {
    const addr = required(fieldsOf(request), "addr");
    const entries = await brokerConfig(context.admin, addr);
    const runtime = await context.admin.brokerStatus(addr);
    return `<p>Broker ${esc(addr)} (read-only)</p><h2>Runtime info</h2>${table(["Key", "Value"], [...runtime].sort(([a], [b]) => (a < b ? -1 : 1)))}` +
      `<h2>broker.conf</h2>${table(["Key", "Value"], entries, { id: "broker-config" })}`;
  }));
}
