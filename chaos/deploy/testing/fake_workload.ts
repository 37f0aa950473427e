// A stand-in workload module for worker and deployer tests: a producer records an invoke and
// an ok every 20 ms until told to stop; a consumer records joining and leaving. It checks the
// worker plumbing (spec, history lines, opId mapping, stop signals), not RocketMQ.
import type { Env } from "../../../system/env/index.ts";
import type { HistoryRecorder } from "../../history/types.ts";
import type { WorkerSpec, WorkloadNodeHandle } from "../worker_protocol.ts";

export async function runWorkloadNode(env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<WorkloadNodeHandle> {
  const now = (): number => env.clock.nowMs() - spec.runStartEpochMs;
  const group = spec.consumer?.group ?? "";
  if (spec.role === "consumer") recorder.record({ type: "membership", timeMs: now(), process: spec.node, group, change: "join" });
  let sequence = 0;
  const timer = spec.role === "producer"
    ? env.timers.setInterval(() => {
      const opId = recorder.nextOpId();
      const messageId = `${spec.node}-${sequence++}`;
      const topic = spec.producer?.topic ?? "T";
      recorder.record({ type: "invoke", op: "send", opId, timeMs: now(), process: spec.node, topic, messageId, sendMode: "sync" });
      recorder.record({ type: "ok", op: "send", opId, timeMs: now(), process: spec.node, messageId, queue: "broker-a:0", queueOffset: sequence });
    }, 20)
    : undefined;
  return {
    stopProducing: async () => env.timers.clear(timer),
    stop: async () => {
      env.timers.clear(timer);
      if (spec.role === "consumer") recorder.record({ type: "membership", timeMs: now(), process: spec.node, group, change: "leave" });
    },
  };
}
