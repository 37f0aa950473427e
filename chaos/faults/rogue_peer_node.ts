// The rogue peer as a worker: the process deployer runs the `rogue-peer` fault's attacker in a
// worker process of its own (inside the run's network namespace when there is one), with the
// real Env, and each attack's outcome comes back as a `rogue` history line like any worker's.
// The worker's SIGTERM (the fault's heal) stops it after the attack in progress.
import type { Env } from "../../system/env/index.ts";
import type { HistoryRecorder } from "../history/types.ts";
import type { RunWorkloadNode, WorkerSpec, WorkloadNodeHandle } from "../deploy/worker_protocol.ts";
import { startRoguePeer } from "./rogue_peer.ts";
import { rogueEventOf } from "./rogue_event.ts";

export const runWorkloadNode: RunWorkloadNode = async (env: Env, spec: WorkerSpec, recorder: HistoryRecorder): Promise<WorkloadNodeHandle> => {
  const rogue = spec.rogue;
  if (spec.role !== "rogue" || rogue === undefined) throw new Error(`${spec.node}: not a rogue peer's spec (role ${spec.role}, no rogue target)`);
  const peer = startRoguePeer(env, {
    host: rogue.host, port: rogue.port, serverRole: rogue.serverRole,
    onAttempt: (attempt) => recorder.record(rogueEventOf(attempt, spec.node, rogue.target, spec.runStartEpochMs)),
  });
  return {
    stopProducing: async () => {},
    stop: () => peer.stop(),
  };
};
