// mqconsole's HTTP app (fastify): the pages, /metrics and a JSON health check. Built apart from
// the CLI so tests can start it on a random loopback port. Unknown paths are a 404 page; any
// error a handler lets escape becomes a one-line 500 text (no stack trace reaches a browser).
import Fastify from "fastify";
import type { FastifyInstance } from "fastify";
import formbody from "@fastify/formbody";
import { consoleRegistry } from "./console_metrics.ts";
import type { ConsoleContext } from "./context.ts";
import { errorMessage, layout } from "./html.ts";
import { registerClusterPages } from "./pages_cluster.ts";
import { registerConsumerPages } from "./pages_consumers.ts";
import { registerLabPages } from "./pages_lab.ts";
import { registerMessagePages } from "./pages_messages.ts";
import { registerTopicPages } from "./pages_topics.ts";

export async function buildConsoleApp(context: ConsoleContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(formbody);
  registerClusterPages(app, context);
  registerTopicPages(app, context);
  registerConsumerPages(app, context);
  registerMessagePages(app, context);
  registerLabPages(app, context);
  const registry = consoleRegistry(context);
  app.get("/metrics", async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get("/healthz", async () => ({ ok: true, namesrvAddrs: context.namesrvAddrs }));
  app.setNotFoundHandler((request, reply) => reply.code(404).type("text/html; charset=utf-8")
    .send(layout("Not found", "", `<p>No page at ${request.url.replace(/[<>&"']/g, "")}</p>`)));
  app.setErrorHandler((error, _request, reply) => reply.code(500).type("text/plain; charset=utf-8").send(`${errorMessage(error)}\n`));
  return app;
}
