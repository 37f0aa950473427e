// Before a producer sends, its topic exists on every master with the queue count the workload
// asks for (UPDATE_AND_CREATE_TOPIC, as `mqadmin updateTopic -c DefaultCluster` does). It is
// idempotent, so every producer node may do it; brokers that are not registered yet get a few
// retries, because a cluster that just started may not have registered every master.
import type { Env } from "../../system/env/index.ts";
import { AdminClient } from "../../system/client/index.ts";
import type { WorkerSpec } from "../deploy/worker_protocol.ts";
import { credentialOptions } from "./acl_credentials.ts";
import type { HistoryRecorder } from "../history/types.ts";

const attemptsMax = 10;
const retryDelayMs = 1_000;
const defaultQueues = 4;

export async function ensureTopics(env: Env, spec: WorkerSpec, topics: readonly string[], recorder?: HistoryRecorder): Promise<void> {
  // Under ACL the admin signs with Workload.acl.admin; without it the broker refuses (incident acl-admin-no-keys).
  const admin = new AdminClient(env, { namesrvAddr: spec.namesrvAddr, instanceName: `${spec.node}-admin`, ...credentialOptions(spec.workload.acl?.admin) });
  admin.start();
  try {
    for (const topic of topics) {
      const queues = spec.workload.topics.find((candidate) => candidate.name === topic)?.queues ?? defaultQueues;
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.createTopic({ topic, readQueueNums: queues, writeQueueNums: queues });
          break;
        } catch (error) {
          if (attempt >= attemptsMax) {
            // In the history, so a report says why the topic is missing (e.g. an ACL refusal).
            recorder?.record({ type: "note", timeMs: env.clock.nowMs() - spec.runStartEpochMs, process: spec.node, text: `topic ${topic} not created: ${String(error)}` });
            // Not fatal: a producer still sends (the broker may auto-create the topic) and its
            // failures are recorded; a workload node that died here would silently stop.
            env.log.error("could not create topic, going on without it", { topic, error: String(error) });
            break;
          }
          env.log.warn("topic creation failed, retrying", { topic, attempt, error: String(error) });
        }
        await new Promise<void>((resolve) => env.timers.setTimeout(resolve, retryDelayMs));
      }
    }
  } finally {
    admin.shutdown();
  }
}
