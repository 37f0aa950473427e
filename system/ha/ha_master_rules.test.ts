// Master-side rules without a network: GroupTransferService (release by ack, timeout, shutdown),
// HAService's SYNC_MASTER decision (SLAVE_NOT_AVAILABLE / wait), and HAConnection's offset
// rules (first report = transfer start, 0 → last segment, acks, a slave ahead, heartbeats,
// housekeeping, batches) over a fake connection and a fake commit log.
import { strict as assert } from "node:assert";
import { test } from "node:test";
import fc from "fast-check";
import type { Connection } from "../env/env.ts";
import { createTestEnv } from "../store/testing/test_env.ts";
import type { TestEnv } from "../store/testing/test_env.ts";
import { GroupTransferService } from "./group_transfer.ts";
import { HAConnection, transferStartFor } from "./ha_connection.ts";
import type { HAConnectionHost } from "./ha_connection.ts";
import { encodeOffsetReport, TransferFrameDecoder } from "./ha_frame.ts";
import type { TransferFrame } from "./ha_frame.ts";
import type { HAStorePort } from "./ha_store_port.ts";

class FakeConnection implements Connection {
  readonly localAddress = "10.0.0.2:10912";
  readonly remoteAddress = "10.0.0.3:40000";
  closed = false;
  readonly written: Uint8Array[] = [];
  pending = 0;
  private dataHandler: (chunk: Uint8Array) => void = () => {};
  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    this.written.push(data);
    return true;
  }
  pendingWriteBytes(): number {
    return this.pending;
  }
  end(): void {
    this.closed = true;
  }
  destroy(): void {
    this.closed = true;
  }
  onData(handler: (chunk: Uint8Array) => void): void {
    this.dataHandler = handler;
  }
  onClose(): void {}
  receive(bytes: Uint8Array): void {
    this.dataHandler(bytes);
  }
  frames(): TransferFrame[] {
    const decoder = new TransferFrameDecoder();
    const out: TransferFrame[] = [];
    for (const chunk of this.written) decoder.push(chunk, (frame) => out.push(frame) > 0);
    return out;
  }
}

/** A commit log of `segmentSizeBytes` segments holding `maxOffset` bytes (byte i = i & 0xff). */
class FakeLog implements HAStorePort {
  constructor(public maxOffset: number, readonly segmentSizeBytes = 1000) {}
  getMaxPhyOffset(): number {
    return this.maxOffset;
  }
  getCommitLogFrame(offset: number, maxBytes: number, headroomBytes: number): Uint8Array | undefined {
    if (offset >= this.maxOffset) return undefined;
    const segmentEnd = offset - (offset % this.segmentSizeBytes) + this.segmentSizeBytes;
    const size = Math.min(maxBytes, this.maxOffset - offset, segmentEnd - offset);
    return Uint8Array.from({ length: headroomBytes + size }, (_, index) => (index < headroomBytes ? 0 : (offset + index - headroomBytes) & 0xff));
  }
  appendToCommitLog(): boolean {
    return false;
  }
}

function host(env: TestEnv, log: FakeLog, batch = 300): HAConnectionHost & { acks: number[]; divergences: number; closed: number } {
  const record = {
    env, log: env.log, store: log,
    config: { haTransferBatchSize: batch, haSendHeartbeatInterval: 5000, haHousekeepingInterval: 20_000 },
    acks: [] as number[], divergences: 0, closed: 0,
    onAck: (offset: number) => record.acks.push(offset),
    onDiverged: () => {
      record.divergences += 1;
    },
    onClosed: () => {
      record.closed += 1;
    },
  };
  return record;
}

test("GroupTransferService releases waits in order as acks arrive, and times out the rest", async () => {
  const env = createTestEnv();
  const service = new GroupTransferService(env, 3000);
  const results: string[] = [];
  const waits = [100, 200, 300].map((end) => service.wait(end).then((status) => results.push(`${end}:${status}`)));
  service.notifyTransferSome(250);
  await Promise.resolve();
  assert.deepEqual(results, ["100:PUT_OK", "200:PUT_OK"]);
  env.time.advance(2999);
  await Promise.resolve();
  assert.equal(results.length, 2);
  env.time.advance(1);
  await Promise.all(waits);
  assert.deepEqual(results, ["100:PUT_OK", "200:PUT_OK", "300:FLUSH_SLAVE_TIMEOUT"]);
  assert.equal(await service.wait(250), "PUT_OK", "already acknowledged");
  assert.equal(service.pending, 0);
  assert.equal(env.time.pendingTimers(), 0, "no timer left behind");
  const late = service.wait(400);
  service.shutdown();
  assert.equal(await late, "FLUSH_SLAVE_TIMEOUT");
  assert.equal(await service.wait(500), "FLUSH_SLAVE_TIMEOUT", "refuses after shutdown");
});

test("GroupTransferService keeps one lazy timer across acked waits, and a later wait still times out at its own deadline", async () => {
  const env = createTestEnv();
  let armed = 0;
  const setTimeout = env.timers.setTimeout.bind(env.timers);
  env.timers.setTimeout = (callback, delayMs) => {
    armed += 1;
    return setTimeout(callback, delayMs);
  };
  const service = new GroupTransferService(env, 3000);
  for (let end = 100; end <= 5000; end += 100) {
    const waiting = service.wait(end);
    service.notifyTransferSome(end);
    assert.equal(await waiting, "PUT_OK");
    env.time.advance(10);
  }
  assert.equal(armed, 1, "one timer for 50 acked waits, not one each");
  // The stale timer (due at 3000 ms) fires early for this wait: it re-arms for 3000 ms after the wait.
  env.time.advance(500);
  const startedMs = env.time.monotonicMs();
  let status: string | undefined;
  void service.wait(5100).then((value) => {
    status = value;
  });
  env.time.advance(3000 - 1);
  await Promise.resolve();
  assert.equal(status, undefined, `not expired before its deadline (${startedMs + 3000} ms)`);
  env.time.advance(1);
  await Promise.resolve();
  assert.equal(status, "FLUSH_SLAVE_TIMEOUT");
  assert.equal(armed, 2, "the early firing re-armed once");
  assert.equal(env.time.pendingTimers(), 0, "nothing waits, nothing armed");
});

test("GroupTransferService: every wait resolves exactly once, PUT_OK iff acked before its deadline", async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.tuple(fc.constantFrom("wait", "ack", "time"), fc.integer({ min: 1, max: 500 })), { maxLength: 40 }),
    async (steps) => {
      const env = createTestEnv();
      const service = new GroupTransferService(env, 1000);
      let end = 0;
      let acked = 0;
      const expected: { end: number; deadline: number }[] = [];
      const ackTimes: { offset: number; atMs: number }[] = [];
      const outcomes: Promise<string>[] = [];
      for (const [kind, value] of steps) {
        if (kind === "wait") {
          end += value;
          expected.push({ end, deadline: env.time.monotonicMs() + 1000 });
          outcomes.push(service.wait(end));
        } else if (kind === "ack") {
          acked = Math.max(acked, Math.min(end, acked + value));
          ackTimes.push({ offset: acked, atMs: env.time.monotonicMs() });
          service.notifyTransferSome(acked);
        } else {
          env.time.advance(value * 10);
        }
        await Promise.resolve();
      }
      env.time.advance(2000);
      const statuses = await Promise.all(outcomes);
      statuses.forEach((status, index) => {
        const wait = expected[index]!;
        const ok = ackTimes.some((ack) => ack.offset >= wait.end && ack.atMs < wait.deadline);
        assert.equal(status, ok ? "PUT_OK" : "FLUSH_SLAVE_TIMEOUT", `wait ending at ${wait.end}`);
      });
      assert.equal(service.pending, 0);
    }), { numRuns: 100 });
});

test("transfer start: the reported offset, or for 0 the start of the master's last segment", () => {
  assert.equal(transferStartFor(0, 0, 1000), 0);
  assert.equal(transferStartFor(0, 2500, 1000), 2000);
  assert.equal(transferStartFor(0, 3000, 1000), 3000);
  assert.equal(transferStartFor(1234, 2500, 1000), 1234);
  assert.equal(transferStartFor(9999, 2500, 1000), 9999, "a slave ahead is taken at its word (RocketMQ 4.9.7)");
});

test("HAConnection: nothing before the first report; then frames of at most one batch within a segment", () => {
  const env = createTestEnv();
  const log = new FakeLog(2500);
  const h = host(env, log);
  const connection = new FakeConnection();
  const ha = new HAConnection(h, connection);
  ha.pump();
  env.time.advance(10_000);
  ha.tick(env.time.monotonicMs());
  assert.equal(connection.written.length, 0, "no data and no heartbeat before the slave reports");
  connection.receive(encodeOffsetReport(0));
  assert.deepEqual(h.acks, [0]);
  const frames = connection.frames();
  assert.deepEqual(frames.map((frame) => [frame.phyOffset, frame.body.length]), [[2000, 300], [2300, 200]], "from the last segment");
  assert.ok(frames.every((frame) => frame.body.every((byte, index) => byte === ((frame.phyOffset + index) & 0xff))));
  assert.equal(ha.nextTransferFromWhere, 2500);
  connection.receive(encodeOffsetReport(2300));
  connection.receive(encodeOffsetReport(2500));
  assert.deepEqual(h.acks, [0, 2300, 2500]);
  log.maxOffset = 2600;
  ha.pump();
  assert.deepEqual(connection.frames().at(-1)!.phyOffset, 2500);
  assert.equal(h.divergences, 0);
});

test("HAConnection: heartbeats after idle, housekeeping after silence, back-pressure stops pushing", () => {
  const env = createTestEnv();
  const log = new FakeLog(100);
  const h = host(env, log);
  const connection = new FakeConnection();
  const ha = new HAConnection(h, connection);
  connection.receive(encodeOffsetReport(100));
  assert.equal(connection.written.length, 0, "the slave is up to date");
  env.time.advance(5001);
  connection.receive(encodeOffsetReport(100));
  ha.tick(env.time.monotonicMs());
  const heartbeat = connection.frames().at(-1)!;
  assert.deepEqual([heartbeat.phyOffset, heartbeat.body.length], [100, 0]);
  connection.pending = 10 * 1024 * 1024;
  log.maxOffset = 900;
  ha.pump();
  assert.equal(connection.frames().length, 1, "nothing pushed while the socket is backed up");
  connection.pending = 0;
  env.time.advance(64);
  assert.equal(connection.frames().at(-1)!.phyOffset + connection.frames().at(-1)!.body.length, 900, "the retry timer resumed the push");
  env.time.advance(20_001);
  ha.tick(env.time.monotonicMs());
  assert.equal(connection.closed, true);
  assert.equal(h.closed, 1);
});

test("HAConnection: a slave ahead of the master (RocketMQ 4.9.7): start at its offset, ack it, close on a later report above our max", () => {
  const env = createTestEnv();
  const log = new FakeLog(500);
  const h = host(env, log);
  const connection = new FakeConnection();
  const ha = new HAConnection(h, connection);
  connection.receive(encodeOffsetReport(800));
  assert.equal(h.divergences, 1);
  assert.deepEqual(h.acks, [800], "the first report counts as an ack even above our max");
  assert.equal(ha.nextTransferFromWhere, 800);
  assert.equal(connection.frames().length, 0, "nothing to send below the slave's offset");
  log.maxOffset = 900;
  ha.pump();
  assert.deepEqual(connection.frames().map((frame) => [frame.phyOffset, frame.body.length]), [[800, 100]], "resumes at the slave's offset");
  const other = new FakeConnection();
  const second = new HAConnection(h, other);
  other.receive(encodeOffsetReport(100));
  other.receive(encodeOffsetReport(950));
  assert.equal(other.closed, true, "a later report above our max closes the connection");
  assert.equal(second.isClosed, true);
});
