// Public API of system/env for the lab: the Env port (env.ts) the simulator implements, and the
// code probes (probe.ts) runs count. The real Env is its own entry point, system/env/real/index.ts,
// so that importing the port never loads node:net, node:fs or pino.
export { DiskError, NetError } from "./env.ts";
export type {
  Clock, Connection, Disk, DiskFile, Env, Listener, Log, LogFields, Net, Random, TimerHandle, Timers,
} from "./env.ts";
export { isProbeName, ProbeCounter, probeCatalog, requiredProbeNames } from "./probe.ts";
export type { ProbeName } from "./probe.ts";
