// Host primitives captured once at module load, before any guard can trap the globals.
//
// The simulator itself needs exactly one real-world primitive: a host macrotask
// (setImmediate) to let Node drain every microtask the system code queued between two
// simulated events. Capturing it here (fast-check's "poisoning" habit) keeps the run loop
// working while withWorldTrapped() makes the globals throw for everyone else.

export const hostSetImmediate: (callback: () => void) => void = globalThis.setImmediate;

/** Wall-clock reading for benchmarks and the guard tests only; never feeds the simulation. */
export const hostWallMs: () => number = performance.now.bind(performance);

const hostCpuUsage = process.cpuUsage.bind(process);

/** CPU time (user + system) this process used, in ms: a load-independent speed measure. */
export function hostCpuMs(): number {
  const usage = hostCpuUsage();
  return (usage.user + usage.system) / 1000;
}
