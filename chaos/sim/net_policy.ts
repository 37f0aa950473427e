// Firewall rules and flow faults of the simulated network, and the per-packet verdict.
//
// A rule or fault names a source node, a destination node and optionally a port. The port
// is the connection's *service* port (the listener's port), whichever way the packet goes,
// so "drop namesrv -> broker, port 9876, one-way" blocks the NameServer's replies on
// connections brokers opened to it, while the brokers' requests still arrive. Direction
// "both" (the default) matches packets from -> to and to -> from; "one-way" only from -> to.
// REJECT wins over DROP when both match. Faults add delay to every segment they match, and
// model loss on a TCP-like stream as retransmission delay: each loss (probability
// lossNumerator/lossDenominator per try) costs retransmitMs, doubling per retry (RTO backoff).
import { assert } from "../../system/stdx/index.ts";
import { msToUs } from "./core.ts";
import type { SimRandom } from "./random.ts";

/** "*" for any node, a node name, or a list of node names. */
export type NodeSelector = string | readonly string[];

export interface FlowMatch {
  from: NodeSelector;
  to: NodeSelector;
  /** The connection's service (listening) port; absent: any port. */
  port?: number;
  /** "both" (default): both directions; "one-way": only packets from -> to. */
  direction?: "both" | "one-way";
}

export interface NetRuleSpec extends FlowMatch {
  /** drop: packets vanish (connect times out, streams stall); reject: refused / reset. */
  action: "drop" | "reject";
}

export interface FlowFaultSpec extends FlowMatch {
  delayMs?: number;
  /** Uniform extra delay in [0, jitterMs] per segment. */
  jitterMs?: number;
  lossNumerator?: number;
  lossDenominator?: number;
  /** First retransmission delay after a loss (Linux's minimum RTO is 200 ms). */
  retransmitMs?: number;
  /**
   * Each write on a matching path resets its connection with probability
   * numerator/denominator: a random strict prefix of that write is delivered, the rest never
   * is, the writer hears RST first and its peer up to asymmetricDelayMs later (uniform draw);
   * meanwhile the peer's writes go into the void. Drawn from the network's segment stream.
   */
  resetMidFrame?: { numerator: number; denominator: number; asymmetricDelayMs?: number };
}

/**
 * How hostile TCP byte streams are (all draws from the network's own "net/segments" stream).
 * A write is cut into pieces of at most maxSegmentBytes; each piece is, with splitPercent %
 * chance, cut shorter at a uniformly drawn byte (so a frame can split anywhere, inside its
 * 4-byte length or header too). Pieces of one write leave up to pieceGapMaxMs apart (a send
 * window refilling under back-pressure: pendingWriteBytes() drains piece by piece). With
 * coalescePercent % chance a piece joins the still-undelivered tail segment of its pipe, so
 * one delivered chunk can carry the end of one write and the start of the next (a reader that
 * got to its socket late), up to coalesceMaxBytes per chunk. Order and content never change.
 */
export interface SegmentationSpec {
  maxSegmentBytes: number;
  splitPercent: number;
  coalescePercent: number;
  pieceGapMaxMs: number;
  /** Largest delivered chunk coalescing may build (default 65536). */
  coalesceMaxBytes?: number;
}

/** Moderate settings: most writes arrive whole, a quarter split or coalesced. */
export const segmentationModerate: Readonly<SegmentationSpec> = {
  maxSegmentBytes: 16 * 1024, splitPercent: 25, coalescePercent: 25, pieceGapMaxMs: 0.05,
};

/** Harsh settings: small segments, most writes split or coalesced, pieces up to 0.5 ms apart. */
export const segmentationHarsh: Readonly<SegmentationSpec> = {
  maxSegmentBytes: 512, splitPercent: 60, coalescePercent: 50, pieceGapMaxMs: 0.5,
};

export function checkSegmentation(spec: SegmentationSpec): void {
  assert(Number.isSafeInteger(spec.maxSegmentBytes) && spec.maxSegmentBytes >= 1, "maxSegmentBytes must be an integer >= 1");
  for (const percent of [spec.splitPercent, spec.coalescePercent]) {
    assert(Number.isSafeInteger(percent) && percent >= 0 && percent <= 100, "split/coalesce percents are integers in [0, 100]");
  }
  assert(spec.pieceGapMaxMs >= 0, "pieceGapMaxMs must be >= 0");
  assert(spec.coalesceMaxBytes === undefined || (Number.isSafeInteger(spec.coalesceMaxBytes) && spec.coalesceMaxBytes >= 1), "coalesceMaxBytes must be >= 1");
}

/** One write's bytes on their way from -> to (service port), as a segment filter sees them. */
export interface SegmentInfo {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly bytes: Uint8Array;
  /** The writing endpoint's connection id: distinct per connection (a reconnect gets a new one). */
  readonly connId: number;
}

/**
 * Protocol-aware faults: decides per written segment (one write() call) whether it passes,
 * vanishes, or arrives later. Dropping bytes out of a TCP stream is only sound for protocols
 * that write whole frames per write() (RocketMQ remoting does): the receiver then sees a
 * stream that simply lacks that frame. Filters run before segmentation, so they see whole
 * writes even when the stream is chunked. Must be deterministic (use a deriveRandom stream).
 */
export type SegmentFilter = (segment: SegmentInfo) => "pass" | "drop" | { delayMs: number };

export const Verdict = { pass: 0, drop: 1, reject: 2 } as const;
export type VerdictCode = (typeof Verdict)[keyof typeof Verdict];

const retriesMax = 6;

export class Matcher {
  private readonly fromSet: ReadonlySet<string> | undefined;
  private readonly toSet: ReadonlySet<string> | undefined;
  private readonly port: number | undefined;
  private readonly oneWay: boolean;

  constructor(match: FlowMatch) {
    this.fromSet = selectorSet(match.from);
    this.toSet = selectorSet(match.to);
    assert(match.port === undefined || (Number.isSafeInteger(match.port) && match.port > 0), "port must be > 0");
    this.port = match.port;
    this.oneWay = match.direction === "one-way";
  }

  matches(from: string, to: string, port: number): boolean {
    if (this.port !== undefined && this.port !== port) return false;
    if (inSet(this.fromSet, from) && inSet(this.toSet, to)) return true;
    return !this.oneWay && inSet(this.fromSet, to) && inSet(this.toSet, from);
  }
}

function selectorSet(selector: NodeSelector): ReadonlySet<string> | undefined {
  if (selector === "*") return undefined;
  return new Set(typeof selector === "string" ? [selector] : selector);
}

function inSet(set: ReadonlySet<string> | undefined, name: string): boolean {
  return set === undefined || set.has(name);
}

export interface NetRule {
  readonly ruleId: number;
  readonly spec: Readonly<NetRuleSpec>;
}

export interface FlowFault {
  readonly faultId: number;
  readonly spec: Readonly<FlowFaultSpec>;
}

export class NetPolicy {
  private readonly rules = new Map<number, { rule: NetRule; matcher: Matcher }>();
  private readonly faults = new Map<number, { fault: FlowFault; matcher: Matcher }>();
  private readonly filters = new Map<number, SegmentFilter>();
  private idNext = 1;
  /** null: every write arrives as one chunk (the gentle network). */
  segmentation: Readonly<SegmentationSpec> | null = null;

  addRule(spec: NetRuleSpec): NetRule {
    assert(spec.action === "drop" || spec.action === "reject", "rule action must be drop or reject");
    const rule: NetRule = { ruleId: this.idNext++, spec: { ...spec } };
    this.rules.set(rule.ruleId, { rule, matcher: new Matcher(spec) });
    return rule;
  }

  removeRule(ruleId: number): boolean {
    return this.rules.delete(ruleId);
  }

  listRules(): NetRule[] {
    return [...this.rules.values()].map((entry) => entry.rule);
  }

  addFault(spec: FlowFaultSpec): FlowFault {
    const numerator = spec.lossNumerator ?? 0;
    const denominator = spec.lossDenominator ?? 1;
    assert(Number.isSafeInteger(numerator) && Number.isSafeInteger(denominator), "loss is an integer ratio");
    assert(numerator >= 0 && denominator > 0 && numerator < denominator, "loss must be in [0, 1)");
    assert((spec.delayMs ?? 0) >= 0 && (spec.jitterMs ?? 0) >= 0 && (spec.retransmitMs ?? 200) > 0);
    const reset = spec.resetMidFrame;
    if (reset !== undefined) {
      assert(Number.isSafeInteger(reset.numerator) && Number.isSafeInteger(reset.denominator), "resetMidFrame is an integer ratio");
      assert(reset.numerator >= 0 && reset.denominator > 0 && reset.numerator <= reset.denominator, "resetMidFrame must be in [0, 1]");
      assert((reset.asymmetricDelayMs ?? 0) >= 0, "asymmetricDelayMs must be >= 0");
    }
    const fault: FlowFault = { faultId: this.idNext++, spec: { ...spec } };
    this.faults.set(fault.faultId, { fault, matcher: new Matcher(spec) });
    return fault;
  }

  removeFault(faultId: number): boolean {
    return this.faults.delete(faultId);
  }

  listFaults(): FlowFault[] {
    return [...this.faults.values()].map((entry) => entry.fault);
  }

  addFilter(filter: SegmentFilter): number {
    const filterId = this.idNext++;
    this.filters.set(filterId, filter);
    return filterId;
  }

  removeFilter(filterId: number): boolean {
    return this.filters.delete(filterId);
  }

  /** Whether any segment filter is installed (the caller then builds a SegmentInfo). */
  get filtering(): boolean {
    return this.filters.size > 0;
  }

  /** undefined: drop the segment; otherwise the extra delay in µs (0 when all pass). */
  filterDelayUs(segment: SegmentInfo): number | undefined {
    if (this.filters.size === 0) return 0;
    let extraUs = 0;
    for (const filter of this.filters.values()) {
      const verdict = filter(segment);
      if (verdict === "drop") return undefined;
      if (verdict !== "pass") {
        assert(verdict.delayMs >= 0, "a filter delay must be >= 0");
        extraUs += msToUs(verdict.delayMs);
      }
    }
    return extraUs;
  }

  /**
   * Whether a write from -> to resets its connection mid-frame (flow faults with resetMidFrame);
   * returns the peer's extra delay in µs, or undefined. Draws only for matching faults that
   * carry resetMidFrame, so runs without them keep their random streams untouched.
   */
  resetDraw(from: string, to: string, port: number, random: SimRandom): number | undefined {
    if (this.faults.size === 0) return undefined;
    for (const { fault, matcher } of this.faults.values()) {
      const reset = fault.spec.resetMidFrame;
      if (reset === undefined || !matcher.matches(from, to, port)) continue;
      if (random.chance(reset.numerator, reset.denominator)) return random.intBetween(0, msToUs(reset.asymmetricDelayMs ?? 0));
    }
    return undefined;
  }

  verdict(from: string, to: string, port: number): VerdictCode {
    if (this.rules.size === 0) return Verdict.pass;
    let verdict: VerdictCode = Verdict.pass;
    for (const { rule, matcher } of this.rules.values()) {
      if (!matcher.matches(from, to, port)) continue;
      if (rule.spec.action === "reject") return Verdict.reject;
      verdict = Verdict.drop;
    }
    return verdict;
  }

  /** Extra one-way delay for one segment from -> to, drawing jitter and loss from random. */
  extraDelayUs(from: string, to: string, port: number, random: SimRandom): number {
    if (this.faults.size === 0) return 0;
    let extraUs = 0;
    for (const { fault, matcher } of this.faults.values()) {
      if (!matcher.matches(from, to, port)) continue;
      const spec = fault.spec;
      extraUs += msToUs(spec.delayMs ?? 0);
      if ((spec.jitterMs ?? 0) > 0) extraUs += random.intBetween(0, msToUs(spec.jitterMs ?? 0));
      const numerator = spec.lossNumerator ?? 0;
      if (numerator === 0) continue;
      let rtoUs = msToUs(spec.retransmitMs ?? 200);
      for (let retry = 0; retry < retriesMax && random.chance(numerator, spec.lossDenominator ?? 1); retry++) {
        extraUs += rtoUs;
        rtoUs *= 2;
      }
    }
    return extraUs;
  }
}
