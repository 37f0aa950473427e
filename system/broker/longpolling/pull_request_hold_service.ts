// PullRequestHoldService: long polling [broker/.../longpolling/PullRequestHoldService.java].
// A pull that found nothing (and may suspend) is held per topic@queueId until
// - a message arrives for that queue past the pull's offset and matches its tag filter
//   (the store's arrival listener calls notifyMessageArriving), or
// - its suspend time is up (a per-request timer fires at the deadline, so a held pull is
//   answered at suspendTimeoutMillis, well before the client's 30 s reply timeout), or
// - the periodic re-check (pullHoldCheckIntervalMs; shortPollingTimeMills when long polling
//   is off) sees new data the listener missed.
// Then the pull is re-run without suspension and its promise resolves with the response.
// Invariants: a held request is answered at most once; a closed channel's requests are dropped
// (their promises resolve with undefined, so nothing is written); a failing re-run rejects
// (the dispatcher answers SYSTEM_ERROR).
import type { Env, Log, TimerHandle } from "../../env/env.ts";
import type { RemotingChannel, RemotingCommand } from "../../remoting/index.ts";
import type { HeaderOf } from "../../protocol/header_codec.ts";
import type { PullMessageRequestHeader } from "../../protocol/headers.ts";
import { probe } from "../../env/probe.ts";
import { errorText } from "../../stdx/error_text.ts";

export interface PullRequest {
  readonly request: RemotingCommand;
  readonly channel: RemotingChannel;
  readonly topic: string;
  readonly queueId: number;
  readonly pullFromThisOffset: number;
  readonly suspendTimestampMs: number;
  readonly timeoutMillis: number;
  /** True when a message with this tagsCode would match the pull's subscription. */
  readonly matches: (tagsCode: number) => boolean;
  /** The request's header as decoded when it was held: the wake-up re-run skips a second decode. */
  readonly header?: PullHeader;
}

/** Re-runs a held pull without suspension; the hold service sends its outcome. */
export type WakeupHandler = (pull: PullRequest) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

export type PullHeader = HeaderOf<typeof PullMessageRequestHeader.fields>;

interface Held {
  readonly pull: PullRequest;
  readonly resolve: (response: RemotingCommand | undefined) => void;
  readonly reject: (error: Error) => void;
  readonly timer: TimerHandle;
  done: boolean;
}

export class PullRequestHoldService {
  private readonly table = new Map<string, Held[]>();
  private readonly log: Log;
  private checkTimer: TimerHandle | undefined;
  private wakeup: WakeupHandler | undefined;

  constructor(
    private readonly env: Env,
    private readonly maxOffsetInQueue: (topic: string, queueId: number) => number,
    private readonly checkIntervalMs: number,
  ) {
    this.log = env.log.child({ component: "pull-hold" });
  }

  setWakeupHandler(handler: WakeupHandler): void {
    this.wakeup = handler;
  }

  start(): void {
    this.checkTimer = this.env.timers.setInterval(() => this.checkHoldRequest(), this.checkIntervalMs);
  }

  /** Holds a pull; the promise resolves with its eventual response. */
  suspendPullRequest(pull: PullRequest): Promise<RemotingCommand | undefined> {
    return new Promise((resolve, reject) => {
      const key = `${pull.topic}@${pull.queueId}`;
      const delayMs = Math.max(0, pull.suspendTimestampMs + pull.timeoutMillis - this.env.clock.nowMs());
      const held: Held = {
        pull,
        resolve,
        reject,
        done: false,
        timer: this.env.timers.setTimeout(() => {
          probe(this.env, "broker.longpoll.timeout");
          this.answer(key, held);
        }, delayMs),
      };
      let list = this.table.get(key);
      if (list === undefined) {
        list = [];
        this.table.set(key, list);
      }
      list.push(held);
      probe(this.env, "broker.longpoll.held");
    });
  }

  /** Message arrival for topic/queueId; maxOffset is the queue's new max offset. */
  notifyMessageArriving(topic: string, queueId: number, maxOffset: number, tagsCode: number | undefined): void {
    const key = `${topic}@${queueId}`;
    const list = this.table.get(key);
    if (list === undefined) return;
    for (const held of [...list]) {
      if (held.done) continue;
      let newestOffset = maxOffset;
      if (newestOffset <= held.pull.pullFromThisOffset) newestOffset = this.maxOffsetInQueue(topic, queueId);
      if (newestOffset <= held.pull.pullFromThisOffset) continue;
      if (tagsCode !== undefined && !held.pull.matches(tagsCode)) continue;
      probe(this.env, "broker.longpoll.woken");
      this.answer(key, held);
    }
  }

  /** Drops every held pull of a closed channel. */
  onChannelClose(channel: RemotingChannel): void {
    for (const [key, list] of [...this.table]) {
      for (const held of list) {
        if (held.pull.channel !== channel || held.done) continue;
        probe(this.env, "broker.longpoll.channel-closed");
        this.finish(key, held);
        held.resolve(undefined);
      }
    }
  }

  heldCount(): number {
    let count = 0;
    for (const list of this.table.values()) count += list.length;
    return count;
  }

  /** Answers every held pull now (shutdown): clients get their current PULL_NOT_FOUND. */
  shutdown(): void {
    this.env.timers.clear(this.checkTimer);
    this.checkTimer = undefined;
    for (const [key, list] of [...this.table]) for (const held of [...list]) this.answer(key, held);
  }

  private checkHoldRequest(): void {
    for (const key of [...this.table.keys()]) {
      const at = key.lastIndexOf("@");
      const topic = key.slice(0, at);
      const queueId = Number(key.slice(at + 1));
      this.notifyMessageArriving(topic, queueId, this.maxOffsetInQueue(topic, queueId), undefined);
    }
  }

  private finish(key: string, held: Held): void {
    held.done = true;
    this.env.timers.clear(held.timer);
    const list = this.table.get(key);
    if (list === undefined) return;
    const index = list.indexOf(held);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.table.delete(key);
  }

  private answer(key: string, held: Held): void {
    if (held.done) return;
    this.finish(key, held);
    if (held.pull.channel.closed || this.wakeup === undefined) {
      held.resolve(undefined);
      return;
    }
    const handler = this.wakeup;
    Promise.resolve()
      .then(() => handler(held.pull))
      .then(held.resolve, (error: unknown) => {
        this.log.error("held pull failed on wakeup", { topic: held.pull.topic, queueId: held.pull.queueId, error: errorText(error) });
        held.reject(error instanceof Error ? error : new Error(String(error)));
      });
  }
}
