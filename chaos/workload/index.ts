// The workload a run drives: producer and consumer nodes that record a history. The same
// entry runs in the simulator (sim Env) and in worker processes and containers (real Env).
import type { Env } from "../../system/env/index.ts";
import type { HistoryRecorder } from "../history/types.ts";
import type { RunWorkloadNode, WorkerSpec, WorkloadNodeHandle } from "../deploy/worker_protocol.ts";
import { startConsumerNode } from "./consumer_node.ts";
import { ProducerNode } from "./producer_node.ts";

export const runWorkloadNode: RunWorkloadNode = (env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<WorkloadNodeHandle> => {
  switch (spec.role) {
    case "producer":
      return ProducerNode.start(env, spec, recorder);
    case "consumer":
      return startConsumerNode(env, spec, recorder);
    case "rogue":
      return Promise.reject(new Error(`${spec.node}: a rogue peer runs from chaos/faults/rogue_peer_node.ts, not the workload`));
  }
};
