// Clusters are torn down however the lab process ends: Ctrl-C or SIGTERM tears every live
// cluster down (then exits as the signal would have, unless someone else also listens), and
// an exit of any kind (an uncaught error included) kills their process groups and deletes
// their namespaces synchronously. Listeners exist only while a cluster is live.
export interface Guarded {
  teardown(): Promise<void>;
  /** Synchronous, best effort: for the exit handler. */
  killSync(): void;
}

const live = new Set<Guarded>();
const signals = ["SIGINT", "SIGTERM"] as const;

function onExit(): void {
  for (const cluster of live) cluster.killSync();
}

function onSignal(signal: (typeof signals)[number]): void {
  const clusters = [...live];
  void Promise.allSettled(clusters.map((cluster) => cluster.teardown())).then(() => {
    // Our listener (removed by teardown) suppressed Node's default exit: exit as it would
    // have, unless another listener is there to decide.
    if (process.listenerCount(signal) === 0) process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

const handlers = new Map(signals.map((signal) => [signal, () => onSignal(signal)]));

export function guardCluster(cluster: Guarded): () => void {
  if (live.size === 0) {
    process.on("exit", onExit);
    for (const [signal, handler] of handlers) process.on(signal, handler);
  }
  live.add(cluster);
  return () => {
    if (!live.delete(cluster) || live.size > 0) return;
    process.off("exit", onExit);
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
