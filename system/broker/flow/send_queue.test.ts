// SendQueue on a manual clock: FIFO through the workers, [TIMEOUT_CLEAN_QUEUE] after
// waitTimeMillsInSendQueue with RocketMQ's remark, [PCBUSY_CLEAN_QUEUE] / [REJECTREQUEST] while
// the commit-log lock is held past osPageCacheBusyTimeOutMills, [OVERLOAD] at capacity, no sweep
// timer while the queue is empty, and (property) every request is answered exactly once.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Env, Log, TimerHandle } from "../../env/env.ts";
import { createRequest, createResponse, ResponseCode } from "../../remoting/index.ts";
import type { RemotingCommand } from "../../remoting/index.ts";
import { SendQueue } from "./send_queue.ts";
import type { SendQueueOptions } from "./send_queue.ts";

/** A clock and timers driven by hand: advance(ms) fires due timers in time order. */
class ManualWorld {
  nowMs = 1_000_000;
  private seq = 0;
  private readonly timers = new Map<number, { atMs: number; everyMs: number | undefined; callback: () => void }>();
  readonly env: Env;

  constructor() {
    const log: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => log };
    const add = (callback: () => void, delayMs: number, everyMs: number | undefined): TimerHandle => {
      const id = ++this.seq;
      this.timers.set(id, { atMs: this.nowMs + delayMs, everyMs, callback });
      return { timerId: id };
    };
    this.env = {
      clock: { nowMs: () => this.nowMs, monotonicMs: () => this.nowMs },
      timers: {
        setTimeout: (callback: () => void, delayMs: number) => add(callback, delayMs, undefined),
        setInterval: (callback: () => void, everyMs: number) => add(callback, everyMs, everyMs),
        clear: (handle: TimerHandle | undefined) => {
          if (handle !== undefined) this.timers.delete(handle.timerId);
        },
      },
      log,
    } as unknown as Env;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  async advance(ms: number): Promise<void> {
    const endMs = this.nowMs + ms;
    for (;;) {
      await flush();
      let next: [number, { atMs: number; everyMs: number | undefined; callback: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].atMs <= endMs && (next === undefined || entry[1].atMs < next[1].atMs)) next = entry;
      if (next === undefined) break;
      const [id, timer] = next;
      this.nowMs = timer.atMs;
      if (timer.everyMs === undefined) this.timers.delete(id);
      else timer.atMs += timer.everyMs;
      timer.callback();
    }
    this.nowMs = endMs;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

const options = (overrides: Partial<SendQueueOptions> = {}): SendQueueOptions => ({
  threads: 1, capacity: 10_000, waitTimeMillsInSendQueue: 200, osPageCacheBusyTimeOutMills: 1000, brokerFastFailureEnable: true, putMessageLockHoldMs: 0,
  ...overrides,
});

function request(): RemotingCommand {
  return createRequest(310, {});
}

function ok(req: RemotingCommand): () => Promise<RemotingCommand> {
  return () => Promise.resolve(createResponse(req, ResponseCode.SUCCESS));
}

test("with no lock hold, sends run at once and no sweep timer is armed", async () => {
  const world = new ManualWorld();
  const queue = new SendQueue(world.env, world.env.log, options());
  const req = request();
  const response = await queue.submit(req, ok(req));
  assert.equal(response?.code, ResponseCode.SUCCESS);
  assert.equal(world.pendingTimers, 0);
});

test("runsAtOnce: only an idle queue with no lock hold lets the caller skip it", async () => {
  const world = new ManualWorld();
  assert.equal(new SendQueue(world.env, world.env.log, options()).runsAtOnce(), true);
  assert.equal(new SendQueue(world.env, world.env.log, options({ putMessageLockHoldMs: 5 })).runsAtOnce(), false);
  const queue = new SendQueue(world.env, world.env.log, options({ putMessageLockHoldMs: 5 }));
  queue.updateOptions({ putMessageLockHoldMs: 0 });
  assert.equal(queue.runsAtOnce(), true);
  // One worker holding the lock for 5 ms: the next send must wait behind it, in the queue.
  queue.updateOptions({ putMessageLockHoldMs: 5 });
  const first = request();
  void queue.submit(first, ok(first));
  queue.updateOptions({ putMessageLockHoldMs: 0 });
  assert.equal(queue.runsAtOnce(), false, "a worker is busy");
  const second = request();
  void queue.submit(second, ok(second));
  assert.equal(queue.stats().queued, 1);
  assert.equal(queue.runsAtOnce(), false, "a send is queued ahead");
  await world.advance(10);
  assert.equal(queue.runsAtOnce(), true);
});

test("a send queued past waitTimeMillsInSendQueue gets SYSTEM_BUSY [TIMEOUT_CLEAN_QUEUE] with RocketMQ's remark", async () => {
  const world = new ManualWorld();
  const queue = new SendQueue(world.env, world.env.log, options({ putMessageLockHoldMs: 150 }));
  const answers: (RemotingCommand | undefined)[] = [];
  for (let i = 0; i < 4; i++) {
    const req = request();
    void queue.submit(req, ok(req)).then((response) => answers.push(response));
  }
  await world.advance(1000);
  const codes = answers.map((answer) => answer?.code);
  assert.equal(codes.filter((code) => code === ResponseCode.SUCCESS).length, 2, "150 ms each: the first two start within 200 ms");
  const busy = answers.filter((answer) => answer?.code === ResponseCode.SYSTEM_BUSY);
  assert.equal(busy.length, 2);
  assert.match(busy[0]!.remark!, /^\[TIMEOUT_CLEAN_QUEUE\]broker busy, start flow control for a while, period in queue: \d+ms, size of queue: \d+$/);
  assert.equal(queue.stats().timeoutCleaned, 2);
  assert.equal(world.pendingTimers, 0, "the sweep stops when the queue is empty");
});

test("a lock held past osPageCacheBusyTimeOutMills: queued sends get [PCBUSY_CLEAN_QUEUE], new ones [REJECTREQUEST]", async () => {
  const world = new ManualWorld();
  const queue = new SendQueue(world.env, world.env.log, options({ putMessageLockHoldMs: 1500, waitTimeMillsInSendQueue: 10_000 }));
  const answers: RemotingCommand[] = [];
  for (let i = 0; i < 3; i++) {
    const req = request();
    void queue.submit(req, ok(req)).then((response) => answers.push(response!));
  }
  await world.advance(1100);
  assert.equal(queue.isOSPageCacheBusy(), true);
  assert.deepEqual(answers.map((answer) => answer.remark?.slice(0, 20)), ["[PCBUSY_CLEAN_QUEUE]", "[PCBUSY_CLEAN_QUEUE]"]);
  const late = request();
  const refused = await queue.submit(late, ok(late));
  assert.equal(refused?.code, ResponseCode.SYSTEM_BUSY);
  assert.equal(refused?.remark, "[REJECTREQUEST]system busy, start flow control for a while");
  await world.advance(1000);
  assert.equal(answers.length, 3);
  assert.equal(answers[2]!.code, ResponseCode.SUCCESS, "the send holding the lock completes");
});

test("a full queue answers [OVERLOAD]; brokerFastFailureEnable=false never cleans the queue", async () => {
  const world = new ManualWorld();
  const queue = new SendQueue(world.env, world.env.log, options({ putMessageLockHoldMs: 100, capacity: 2, brokerFastFailureEnable: false }));
  const answers: RemotingCommand[] = [];
  for (let i = 0; i < 4; i++) {
    const req = request();
    void queue.submit(req, ok(req)).then((response) => answers.push(response!));
  }
  await world.advance(0);
  assert.equal(answers.length, 1);
  assert.equal(answers[0]!.remark, "[OVERLOAD]system busy, start flow control for a while");
  await world.advance(1000);
  assert.deepEqual(answers.slice(1).map((answer) => answer.code), [0, 0, 0]);
});

test("property: every submitted send is answered exactly once, in FIFO order among successes", async () => {
  await fc.assert(fc.asyncProperty(
    fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 30 }),
    fc.integer({ min: 0, max: 120 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 400 }),
    async (gapsMs, holdMs, threads, waitMs) => {
      const world = new ManualWorld();
      const queue = new SendQueue(world.env, world.env.log, options({ putMessageLockHoldMs: holdMs, threads, waitTimeMillsInSendQueue: waitMs, capacity: 10 }));
      const answered = new Map<number, number>();
      const successOrder: number[] = [];
      for (const [index, gapMs] of gapsMs.entries()) {
        const req = request();
        void queue.submit(req, async () => {
          successOrder.push(index);
          return createResponse(req, ResponseCode.SUCCESS);
        }).then(() => answered.set(index, (answered.get(index) ?? 0) + 1));
        await world.advance(gapMs);
      }
      await world.advance(10_000);
      assert.equal(answered.size, gapsMs.length);
      for (const count of answered.values()) assert.equal(count, 1);
      assert.deepEqual(successOrder, [...successOrder].sort((a, b) => a - b));
      assert.equal(queue.stats().queued, 0);
    },
  ), { numRuns: 60 });
});
