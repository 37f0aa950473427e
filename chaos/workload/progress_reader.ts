// When the run drains, a clustering group's first consumer asks what an operator's
// `mqadmin consumerProgress <group>` would show for the group's topic (GET_CONSUME_STATS from
// every master of the route: per queue the broker's max offset and the group's committed
// offset) and records it as a ProgressEvent. The consumer-progress checker
// (chaos/checkers/consumer_progress.ts) judges it against what the history says was stored and
// consumed. A failed query is recorded with its error: there is then nothing to judge.
import type { Env } from "../../system/env/index.ts";
import { AdminClient } from "../../system/client/index.ts";
import type { HistoryRecorder } from "../history/types.ts";
import { describeError } from "./outcome.ts";

export interface ProgressReadContext {
  env: Env;
  recorder: HistoryRecorder;
  process: string;
  namesrvAddr: string;
  credentials: { accessKey?: string; secretKey?: string };
  group: string;
  topic: string;
  runTimeMs(): number;
}

export async function readConsumerProgress(context: ProgressReadContext): Promise<void> {
  const { env, recorder, process, group, topic } = context;
  const admin = new AdminClient(env, { namesrvAddr: context.namesrvAddr, instanceName: `${process}-progress`, ...context.credentials });
  admin.start();
  try {
    const progress = await admin.consumerProgress(group, topic);
    recorder.record({
      type: "progress", timeMs: context.runTimeMs(), process, group, topic,
      queues: progress.queues.filter((row) => row.mq.topic === topic).map((row) => ({
        queue: `${row.mq.brokerName}:${row.mq.queueId}`, brokerOffset: row.brokerOffset, consumerOffset: row.consumerOffset,
      })),
    });
  } catch (error) {
    recorder.record({ type: "progress", timeMs: context.runTimeMs(), process, group, topic, queues: [], error: describeError(error) });
  } finally {
    admin.shutdown();
  }
}
