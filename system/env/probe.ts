// Code probes (FoundationDB's TEST() / TigerBeetle's coverage marks): named points on the rare
// and dangerous paths of system/ that say "this path was really taken". The lab counts them per
// run and fails a campaign whose required probes were never hit: a suite that passes says
// nothing about paths it never reached.
//
// Invariants:
// - Names are a closed list (probeCatalog): a misspelt probe is a type error, and every name has
//   a one-line description the reports show.
// - A probe is reached through a site that may carry a sink (the node's Env, or a deps object
//   built from it) — never a global: two simulated nodes in one process count separately.
// - Off means no sink: probe() is one property load and one undefined check, nothing allocated.
// - Counting is deterministic: it reads no clock and no randomness and changes no behaviour.
// - Each probe sits where its path is really taken, never at the entry of something always called.

export interface ProbeSpec {
  readonly name: string;
  /** One line: the path this probe marks. */
  readonly description: string;
  /** The CI battery must hit it (the campaign fails, naming it, when it does not). */
  readonly required: boolean;
}

/**
 * Every probe in system/, by area. Keep descriptions to one line. `required` marks what the CI
 * battery (`mqlab battery --budget 300`: the CI suite, then swarm runs) reaches reliably: hit by
 * the suite, or by the swarm with seed 1 AND seed 2 — clearing one is a regression of the lab's
 * reach, so the battery fails naming it. Probes not required are the
 * lab's known blind spots (see `mqlab coverage`); making one required needs a workload or fault
 * that reaches it in CI.
 */
export const probeCatalog = [
  // store: recovery
  { name: "store.recovery.normal", description: "store started after a clean shutdown (no abort file)", required: true },
  { name: "store.recovery.abnormal", description: "store started with the abort file present: the last run died", required: true },
  // Required: probe/2m-2s-sync/slow-slave in the CI suite reaches it on every seed (scenarios/library/probe_paths.ts).
  { name: "store.recovery.tail-cut", description: "recovery cut a torn or invalid commit-log tail", required: true },
  { name: "store.recovery.from-checkpoint-segment", description: "recovery validated from the checkpoint's segment, earlier than the last three", required: false },
  { name: "store.recovery.redispatch", description: "recovery re-dispatched records the consume queues or index had missed", required: true },
  { name: "store.recovery.queue-gap-rebuilt", description: "a consume queue had a segment gap (a power loss dropped a segment): the segments after it were dropped and re-dispatched from the commit log", required: false },
  { name: "store.recovery.offsets-from-log", description: "re-dispatch stopped on a disk error during recovery, so queue offsets were raised past the undispatched records", required: false },
  // Required: probe/1m/disk-full in the CI suite reaches it on every seed (scenarios/library/probe_paths.ts).
  { name: "store.recovery.queue-truncated", description: "recovery dropped consume-queue units beyond the valid commit-log end", required: true },
  { name: "store.abort-file.removed", description: "clean shutdown removed the abort file", required: false },
  { name: "store.checkpoint.written", description: "a thorough consume-queue flush wrote the checkpoint", required: true },
  // store: segments, disk
  { name: "store.segment.blank-filler", description: "a commit-log segment was closed with a BLANK end-of-file filler", required: true },
  { name: "store.segment.create-failed", description: "a new commit-log segment could not be created (disk error)", required: false },
  { name: "store.disk.write-failed", description: "a commit-log write failed with a disk error (ENOSPC, EIO)", required: false },
  // Required, these four: probe/1m/disk-full in the CI suite reaches them on every seed.
  { name: "store.disk.enospc", description: "a commit-log write failed because the disk is full", required: true },
  { name: "store.disk.guard-full", description: "the disk guard started refusing writes (disk full)", required: true },
  { name: "store.disk.guard-ok-again", description: "the disk guard accepts writes again after a full disk", required: true },
  { name: "store.put.refused-disk-full", description: "a put was refused because the disk guard says the disk is full", required: true },
  // store: flush
  { name: "store.flush.group-commit-wait", description: "a SYNC_FLUSH put waited for a group-commit fsync round", required: true },
  { name: "store.flush.group-commit-timeout", description: "a SYNC_FLUSH put timed out waiting for fsync (FLUSH_DISK_TIMEOUT)", required: false },
  { name: "store.flush.waiters-failed-on-stop", description: "the flush service stopped with puts still waiting for fsync", required: false },
  // Required: probe/2m-2s-sync/slow-slave in the CI suite reaches it on every seed.
  { name: "store.flush.thorough", description: "an ASYNC_FLUSH tick forced a thorough flush (flushCommitLogThoroughInterval)", required: true },
  { name: "store.flush.failed", description: "a commit-log fsync round failed", required: false },
  { name: "store.dispatch.retry", description: "dispatch of a record to the consume queue failed and will be retried", required: false },
  // Required: the CI suite's probe/2m-2s-async/consume-queue-gap reaches it on every seed (a slave
  // after a rack power loss; scenarios/library/probe_paths.ts). The swarm alone: once in 300-450 runs.
  { name: "store.consume-queue.gap", description: "a consume queue saw a gap in queue offsets", required: true },
  // store: delayed delivery
  { name: "store.schedule.delivered", description: "a delayed message came due and was re-put to its real topic", required: true },
  { name: "store.schedule.waiting", description: "a delay level's next message is not yet due: its timer was re-armed", required: true },
  { name: "store.schedule.reput-failed", description: "re-putting a due delayed message failed; retried later", required: false },
  { name: "store.schedule.offset-corrected", description: "a delay level's stored offset lay outside its queue after recovery and was clamped into it", required: false },
  // HA
  { name: "ha.master.slave-connected", description: "a master accepted a slave's HA connection", required: true },
  // Required: the same CI scenario as store.consume-queue.gap reaches it on every seed.
  { name: "ha.master.divergence", description: "a slave reported more commit log than its master has (HA divergence)", required: true },
  { name: "ha.master.slave-ahead-closed", description: "a master closed a slave whose later report is ahead of the master", required: false },
  { name: "ha.master.catch-up-start", description: "a master chose where to start transferring to a (re)connected slave", required: true },
  // Required: probe/2m-2s-sync/slow-slave in the CI suite reaches it on every seed.
  { name: "ha.master.backpressure", description: "the slave's socket backed up: transfer retries later", required: true },
  { name: "ha.master.housekeeping-expired", description: "a master dropped a slave connection silent beyond haHousekeepingInterval", required: false },
  { name: "ha.slave.connected", description: "a slave connected to its master", required: true },
  { name: "ha.slave.connect-failed", description: "a slave's connect to its master failed; it retries with back-off", required: true },
  { name: "ha.slave.reconnect", description: "a slave connected again after losing its master connection", required: true },
  { name: "ha.slave.master-silent", description: "a slave closed a master connection silent beyond haHousekeepingInterval", required: false },
  { name: "ha.slave.offset-mismatch", description: "a slave got a frame that does not continue its log and closed", required: false },
  { name: "ha.slave.append-refused", description: "a slave's store refused the master's bytes (reached by longer batteries: an ASYNC_FLUSH master restarting behind its slave; the 300 s seed-1 CI battery does not)", required: false },
  { name: "ha.sync-master.slave-not-available", description: "a SYNC_MASTER put found no slave in sync (SLAVE_NOT_AVAILABLE)", required: true },
  // Required: probe/2m-2s-sync/slow-slave in the CI suite reaches it on every seed.
  { name: "ha.sync-master.timeout", description: "a SYNC_MASTER put timed out waiting for the slave's ack (FLUSH_SLAVE_TIMEOUT)", required: true },
  { name: "ha.sync-master.acked", description: "a SYNC_MASTER put completed with the slave's ack after waiting", required: true },
  // NameServer
  { name: "namesrv.broker.expired", description: "the NameServer expired a broker silent beyond brokerChannelExpiredTime", required: true },
  { name: "namesrv.broker.channel-closed", description: "the NameServer removed a broker at once because its channel closed", required: true },
  { name: "namesrv.broker.group-removed", description: "the last address of a broker group went: its queue data was removed", required: true },
  { name: "namesrv.broker.master-changed", description: "a broker group's master address changed", required: true },
  // broker: long polling
  { name: "broker.longpoll.held", description: "the broker held a pull with no new message (long polling)", required: true },
  { name: "broker.longpoll.woken", description: "a held pull was answered because a message arrived", required: true },
  { name: "broker.longpoll.timeout", description: "a held pull was answered when its suspend time ran out", required: true },
  { name: "broker.longpoll.channel-closed", description: "held pulls were dropped because their channel closed", required: true },
  // broker: locks
  { name: "broker.lock.granted", description: "a queue lock was granted to a client that had none", required: true },
  { name: "broker.lock.conflict", description: "a queue lock was refused: another client holds it", required: true },
  { name: "broker.lock.expired-takeover", description: "an expired queue lock was taken over by another client", required: false },
  { name: "broker.lock.unlock-foreign", description: "an unlock named a queue locked by another client", required: false },
  // broker: retry, DLQ, offsets
  { name: "broker.send-back.retry", description: "a consumer's send-back went to the retry topic with a delay level", required: true },
  { name: "broker.send-back.dlq", description: "a send-back exceeded maxReconsumeTimes and went to the DLQ", required: true },
  { name: "broker.send.retry-topic-dlq", description: "a direct send to %RETRY% exceeded maxReconsumeTimes and went to the DLQ", required: false },
  // Required: probe/1m/disk-full in the CI suite reaches it on every seed.
  { name: "broker.send.store-refused", description: "the store refused a send (SERVICE_NOT_AVAILABLE, disk full or write error)", required: true },
  { name: "broker.pull.suggest-slave", description: "slaveReadEnable: a master told a consumer lagging past the in-memory budget to pull from its slave", required: false },
  { name: "broker.pull.offset-moved", description: "a pull's offset was out of range and the broker corrected it (OFFSET_MOVED)", required: true },
  // Required, these two: probe/1m/disk-full in the CI suite reaches them on every seed.
  { name: "broker.offset.commit-regressed", description: "a consumer committed an offset below the stored one", required: true },
  { name: "broker.client.consumer-expired", description: "the broker expired a consumer channel without heartbeats", required: true },
  { name: "broker.client.consumer-channel-closed", description: "the broker removed a consumer because its channel closed", required: true },
  // broker: transactions and flow control (issue 16)
  { name: "broker.transaction.commit", description: "END_TRANSACTION committed a half message into its real topic", required: false },
  { name: "broker.transaction.rollback", description: "END_TRANSACTION rolled a half message back", required: false },
  { name: "broker.transaction.check", description: "the check service asked a producer about an unresolved half message", required: false },
  { name: "broker.transaction.check-no-producer", description: "a half message was due for a check but its group had no live producer", required: false },
  { name: "broker.flow.timeout-clean-queue", description: "a send waited longer than waitTimeMillsInSendQueue and got SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE]", required: false },
  { name: "broker.flow.page-cache-busy", description: "a send got SYSTEM_BUSY because the commit-log lock was held past osPageCacheBusyTimeOutMills", required: false },
  // client: producer
  { name: "client.producer.retry", description: "a send failed and the producer retried it at once", required: true },
  { name: "client.producer.retry-other-broker", description: "a producer retry went to a different broker than the failed attempt", required: true },
  { name: "client.producer.retry-not-store-ok", description: "retryAnotherBrokerWhenNotStoreOK retried a send that was stored but not SEND_OK", required: false },
  { name: "client.producer.retries-exhausted", description: "a send failed on every attempt", required: true },
  { name: "client.producer.timeout-budget-spent", description: "a send's total timeout was spent before its next attempt", required: true },
  // Required, these two: probe/1m/disk-full in the CI suite reaches them on every seed.
  { name: "client.latency.avoided-broker", description: "latency fault avoidance skipped a broker marked not available", required: true },
  { name: "client.latency.pick-not-best", description: "no broker was available: latency fault avoidance picked one of the better half", required: true },
  // client: consumer
  { name: "client.rebalance.more-consumers-than-queues", description: "a rebalance left this consumer without a queue (more consumers than queues)", required: true },
  { name: "client.rebalance.queue-removed", description: "a rebalance took a queue away from this consumer", required: true },
  { name: "client.rebalance.pull-expired", description: "a rebalance dropped a queue whose pulls had stalled beyond pullMaxIdleTime", required: false },
  { name: "client.rebalance.lock-failed", description: "an orderly consumer could not lock a newly assigned queue", required: true },
  { name: "client.rebalance.unlock-no-master", description: "an orderly consumer's unlock found no master address: the broker keeps the lock until it expires", required: false },
  { name: "client.offset.from-last", description: "no stored offset: CONSUME_FROM_LAST_OFFSET asked the broker for the max offset", required: false },
  { name: "client.offset.from-first", description: "no stored offset: CONSUME_FROM_FIRST_OFFSET started at 0", required: true },
  { name: "client.offset.from-timestamp", description: "no stored offset: CONSUME_FROM_TIMESTAMP searched the offset by time", required: false },
  { name: "client.offset.read-error", description: "reading a queue's stored offset failed: the queue is not added", required: false },
  { name: "client.pull.offset-illegal", description: "a pull came back OFFSET_ILLEGAL: the queue is dropped and its offset fixed", required: true },
  { name: "client.pull.exception", description: "a pull failed (timeout, broker error): retried after a delay", required: true },
  { name: "client.consume.reconsume-later", description: "a listener asked to reconsume (or threw): messages go back", required: true },
  { name: "client.consume.send-back-failed", description: "send-back to the broker failed: the consumer re-sent to %RETRY% itself", required: false },
  { name: "client.consume.local-retry", description: "send-back and re-send both failed: the message is consumed again locally", required: false },
  { name: "client.consume.timeout-send-back", description: "a message stayed in consumption beyond consumeTimeout and was sent back", required: false },
  // remoting
  { name: "remoting.request.timeout", description: "a request got no response within its timeout", required: true },
  { name: "remoting.request.closed-pending", description: "a connection closed with requests still waiting for responses", required: true },
  { name: "remoting.request.write-closed", description: "a request could not be written: the connection was already closed", required: false },
  { name: "remoting.response.late", description: "a response arrived for a request that had already timed out", required: true },
  { name: "remoting.connect.failed", description: "a remoting connect failed (refused, timed out, unreachable)", required: true },
  { name: "remoting.connect.timeout-spent", description: "connecting used a request's whole timeout", required: false },
  { name: "remoting.decode.error", description: "a frame failed to decode: the connection was closed", required: false },
] as const satisfies readonly ProbeSpec[];

export type ProbeName = (typeof probeCatalog)[number]["name"];

/** Where hits go. The sim counts per node; the real Env has none (probes off). */
export interface ProbeSink {
  hit(name: ProbeName): void;
}

/** Anything that may carry a sink: an Env, or a deps object built from one. */
export interface ProbeSite {
  readonly probes?: ProbeSink | undefined;
}

/** Marks that the path `name` was taken. No sink: nothing happens. */
export function probe(site: ProbeSite, name: ProbeName): void {
  site.probes?.hit(name);
}

/** A sink that counts hits (the sim's, and tests'). */
export class ProbeCounter implements ProbeSink {
  private readonly counts = new Map<ProbeName, number>();

  hit(name: ProbeName): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }

  count(name: ProbeName): number {
    return this.counts.get(name) ?? 0;
  }

  /** Hits by name, in catalog order (stable JSON), only probes hit at least once. */
  snapshot(): Partial<Record<ProbeName, number>> {
    const out: Partial<Record<ProbeName, number>> = {};
    for (const spec of probeCatalog) {
      const count = this.counts.get(spec.name);
      if (count !== undefined) out[spec.name] = count;
    }
    return out;
  }

  /** Adds another counter's hits (one node's incarnations, or several nodes). */
  addAll(hits: Partial<Record<ProbeName, number>>): void {
    for (const [name, count] of Object.entries(hits) as [ProbeName, number][]) {
      this.counts.set(name, (this.counts.get(name) ?? 0) + count);
    }
  }
}

export const probeNames: readonly ProbeName[] = probeCatalog.map((spec) => spec.name);
export const requiredProbeNames: readonly ProbeName[] = probeCatalog.filter((spec) => spec.required).map((spec) => spec.name);

export function isProbeName(name: string): name is ProbeName {
  return (probeNames as readonly string[]).includes(name);
}
