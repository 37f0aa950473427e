// The consume-queue audit: a store whose units all point at their own records passes; a unit
// kept past a recovery cut (pointing at the record that took its place, or past the log's end),
// a unit of another queue's record and a unit with the wrong size are each named; holes and
// expired units are skipped as the store skips them. And the store checker fails on any of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeMessageRecord } from "../../../system/message/index.ts";
import { checkStore } from "../../checkers/store.ts";
import { testContext } from "../../checkers/testing/history_builder.ts";
import type { StoreDigestEvent } from "../../history/types.ts";
import { auditConsumeQueues } from "./consume_queue_audit.ts";
import type { DiskReader } from "./commit_log_extent.ts";
import { commitLogExtent } from "./commit_log_extent.ts";
import { fileBytes } from "./file_bytes.test_support.ts";

const name = (offset: number): string => String(offset).padStart(20, "0");

/** A disk of whole files by path; list() gives the names directly under a directory. */
function disk(files: Map<string, Uint8Array>): DiskReader {
  return {
    fileContent: (path) => {
      const bytes = files.get(path);
      return bytes === undefined ? undefined : fileBytes(bytes);
    },
    list: (dir) => [...new Set([...files.keys()].filter((path) => path.startsWith(`${dir}/`))
      .map((path) => path.slice(dir.length + 1).split("/")[0]!))].sort(),
  };
}

interface Stored { topic: string; queueId: number; queueOffset: number; body?: number }

/** A commit log of the given records (one segment at 0) and the byte offset and size of each. */
function commitLog(records: readonly Stored[]): { bytes: Uint8Array; placed: { offset: number; size: number }[] } {
  const parts: Uint8Array[] = [];
  const placed: { offset: number; size: number }[] = [];
  let offset = 0;
  for (const record of records) {
    const bytes = encodeMessageRecord({
      topic: record.topic, queueId: record.queueId, flag: 0, body: new Uint8Array(record.body ?? 16).fill(7), properties: new Map(),
      sysFlag: 0, bornTimestamp: 1, bornHost: "127.0.0.1:1", storeHost: "127.0.0.1:2", reconsumeTimes: 0, preparedTransactionOffset: 0,
      queueOffset: record.queueOffset, commitLogOffset: offset, storeTimestamp: 2,
    });
    parts.push(bytes);
    placed.push({ offset, size: bytes.length });
    offset += bytes.length;
  }
  const bytes = new Uint8Array(offset);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return { bytes, placed };
}

/** Consume-queue file bytes: one 20-byte unit per [offset, size] (size 0: a hole). */
function units(entries: readonly [number, number][]): Uint8Array {
  const bytes = new Uint8Array(entries.length * 20);
  const view = new DataView(bytes.buffer);
  entries.forEach(([offset, size], index) => {
    view.setBigInt64(index * 20, BigInt(offset));
    view.setInt32(index * 20 + 8, size);
  });
  return bytes;
}

function audit(log: Uint8Array, queues: Record<string, Uint8Array>) {
  const files = new Map<string, Uint8Array>([[`/store/commitlog/${name(0)}`, log]]);
  for (const [queue, bytes] of Object.entries(queues)) files.set(`/store/consumequeue/${queue}/${name(0)}`, bytes);
  const reader = disk(files);
  return auditConsumeQueues(reader, "/store/consumequeue", commitLogExtent(reader, "/store/commitlog"));
}

// TopicA:0 offsets 0 and 1, TopicA:1 offset 0, TopicA:0 offset 2.
const { bytes: log, placed } = commitLog([
  { topic: "TopicA", queueId: 0, queueOffset: 0 }, { topic: "TopicA", queueId: 0, queueOffset: 1 },
  { topic: "TopicA", queueId: 1, queueOffset: 0 }, { topic: "TopicA", queueId: 0, queueOffset: 2, body: 40 },
]);
const unit = (index: number): [number, number] => [placed[index]!.offset, placed[index]!.size];

test("every unit pointing at its own record passes; holes are skipped", () => {
  const result = audit(log, { "TopicA/0": units([unit(0), unit(1), unit(3), [0, 0]]), "TopicA/1": units([unit(2)]) });
  assert.deepEqual(result, { queues: 2, units: 4, problemCount: 0, problems: [] });
});

test("a unit kept past a recovery cut is named: past the log's end, or pointing at the record that took its place", () => {
  // The log lost its last record (TopicA:0 offset 2) but the queue kept its unit.
  const cut = log.subarray(0, placed[3]!.offset);
  const past = audit(cut, { "TopicA/0": units([unit(0), unit(1), unit(3)]), "TopicA/1": units([unit(2)]) });
  assert.equal(past.problemCount, 1);
  assert.match(past.problems[0]!, /TopicA:0 offset 2 .*past the commit log's last record/);
  // The restarted broker then wrote TopicA:1 offset 1 where the lost record was.
  const { bytes: rewritten } = commitLog([
    { topic: "TopicA", queueId: 0, queueOffset: 0 }, { topic: "TopicA", queueId: 0, queueOffset: 1 },
    { topic: "TopicA", queueId: 1, queueOffset: 0 }, { topic: "TopicA", queueId: 1, queueOffset: 1, body: 40 },
  ]);
  const stale = audit(rewritten, { "TopicA/0": units([unit(0), unit(1), unit(3)]), "TopicA/1": units([unit(2), unit(3)]) });
  assert.equal(stale.problemCount, 1);
  assert.match(stale.problems[0]!, /TopicA:0 offset 2 .*the record there is TopicA:1 offset 1/);
});

test("a unit at the wrong queue offset or with the wrong size is named; units below the log's first segment are expired", () => {
  const swapped = audit(log, { "TopicA/0": units([unit(1), unit(0), unit(3)]), "TopicA/1": units([unit(2)]) });
  assert.equal(swapped.problemCount, 2);
  const [offset, size] = unit(1);
  const wrongSize = audit(log, { "TopicA/0": units([unit(0), [offset, size - 4], unit(3)]), "TopicA/1": units([unit(2)]) });
  assert.equal(wrongSize.problemCount, 1);
  assert.match(wrongSize.problems[0]!, /TopicA:0 offset 1 .*no record of that size there|the record there is/);
  // A log whose first kept segment starts at 1000: a unit below it is expired, not a problem.
  const files = new Map<string, Uint8Array>([[`/store/commitlog/${name(1000)}`, new Uint8Array(0)], [`/store/consumequeue/TopicA/0/${name(0)}`, units([[10, 50]])]]);
  const reader = disk(files);
  assert.deepEqual(auditConsumeQueues(reader, "/store/consumequeue", commitLogExtent(reader, "/store/commitlog")).units, 0);
});

test("the store checker fails on any audited problem and says when nothing was audited", () => {
  const digest = (node: string, problems: string[]): StoreDigestEvent => ({
    type: "store-digest", timeMs: 100, node, brokerName: "broker-a", role: "master", minPhysicalOffset: 0, maxPhysicalOffset: 10, sha256: "x",
    consumeQueueAudit: { queues: 1, units: 5, problemCount: problems.length, problems },
  });
  assert.equal(checkStore([digest("broker-a", [])], testContext()).verdict, "pass");
  const failed = checkStore([digest("broker-a", []), digest("broker-b", ["TopicA:0 offset 2 → commit log [0, 80): the record there is TopicA:1 offset 1"])], testContext());
  assert.equal(failed.verdict, "fail");
  assert.match(failed.summary, /1 consume-queue unit on 1 broker .*broker-b/);
  const { consumeQueueAudit: _dropped, ...downBroker } = digest("broker-a", []);
  assert.match(checkStore([downBroker], testContext()).summary, /nothing to judge/);
});
