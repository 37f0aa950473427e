// Store integrity, recording side (sim deployer only): after the run drains, read every consume
// queue of a running broker straight from its simulated disk and check each unit against the
// record it points at in the same broker's commit log (read the same way, commit_log_extent.ts).
// RocketMQ 4.9.x keeps this at all times once recovery is done: a unit [offset 8][size 4]
// [tagsCode 8] at queue offset N of consumequeue/<topic>/<queueId>/ points at a whole record
// inside the commit log whose TOTALSIZE is the unit's size and whose TOPIC, QUEUEID,
// QUEUEOFFSET (N) and PHYSICALOFFSET are the unit's. Recovery keeps it by cutting every unit
// whose record the commit log lost (ConsumeQueue.truncateDirtyLogicFiles); a unit kept past that
// cut later points at whatever record takes its place, and a consumer reading offset N gets
// another queue's message or a later one of its own, which a consumer may never pull again.
// Skipped, as the store itself skips them: units of size 0 (holes: never written, or below the
// queue's minimum) and units below the commit log's first kept segment (expired). A broker
// that is down when the run ends is not audited: its disk is as a crash left it, and the
// invariant holds only after the recovery its next start would run.
import type { ConsumeQueueAudit } from "../../history/types.ts";
import { decodeMessageRecord } from "../../../system/message/index.ts";
import type { CommitLogExtent, DiskReader } from "./commit_log_extent.ts";

const UNIT_BYTES = 20;
/** Problems described in full; the rest are only counted. */
const AUDIT_PROBLEMS_DESCRIBED = 10;

/** Reads one record's bytes [offset, offset + size) from the segment holding it; undefined if none does. */
function recordBytes(extent: CommitLogExtent, offset: number, size: number, buffer: { bytes: Uint8Array }): Uint8Array | undefined {
  const segment = extent.segments.find((candidate) => offset >= candidate.baseOffset && offset + size <= candidate.baseOffset + candidate.sizeBytes);
  if (segment === undefined) return undefined;
  if (buffer.bytes.length < size) buffer.bytes = new Uint8Array(Math.max(size, buffer.bytes.length * 2));
  const view = buffer.bytes.subarray(0, size);
  const copied = segment.file.readInto(offset - segment.baseOffset, view, 0, size);
  return copied === size ? view : undefined;
}

/** What is wrong with the unit at queue offset `queueOffset`, or undefined when it holds. */
function unitProblem(
  extent: CommitLogExtent, topic: string, queueId: number, queueOffset: number, offset: number, size: number, buffer: { bytes: Uint8Array },
): string | undefined {
  // Described only when wrong: a run audits every unit of every running broker.
  const where = (): string => `${topic}:${queueId} offset ${queueOffset} → commit log [${offset}, ${offset + size})`;
  if (size < 0 || offset < 0) return `${where()}: not a unit (negative offset or size)`;
  if (offset + size > extent.maxPhysicalOffset) return `${where()}: past the commit log's last record (ends at ${extent.maxPhysicalOffset})`;
  const bytes = recordBytes(extent, offset, size, buffer);
  if (bytes === undefined) return `${where()}: not inside one commit-log segment`;
  let record;
  try {
    record = decodeMessageRecord(bytes, 0);
  } catch (error) {
    return `${where()}: no record of that size there (${(error as Error).message})`;
  }
  if (record.topic !== topic || record.queueId !== queueId || record.queueOffset !== queueOffset || record.commitLogOffset !== offset) {
    return `${where()}: the record there is ${record.topic}:${record.queueId} offset ${record.queueOffset} at ${record.commitLogOffset}`;
  }
  return undefined;
}

export function auditConsumeQueues(disk: DiskReader, consumeQueueDir: string, extent: CommitLogExtent): ConsumeQueueAudit {
  const audit: ConsumeQueueAudit = { queues: 0, units: 0, problemCount: 0, problems: [] };
  const buffer = { bytes: new Uint8Array(4096) };
  const unitView = new DataView(new ArrayBuffer(UNIT_BYTES));
  const unitBytes = new Uint8Array(unitView.buffer);
  for (const topic of disk.list(consumeQueueDir)) {
    for (const queueName of disk.list(`${consumeQueueDir}/${topic}`)) {
      if (!/^\d+$/.test(queueName)) continue;
      const queueId = Number(queueName);
      const queueDir = `${consumeQueueDir}/${topic}/${queueName}`;
      audit.queues++;
      for (const fileName of disk.list(queueDir).filter((name) => /^\d{20}$/.test(name))) {
        const file = disk.fileContent(`${queueDir}/${fileName}`);
        if (file === undefined) continue;
        const firstQueueOffset = Number(fileName) / UNIT_BYTES;
        for (let at = 0; at + UNIT_BYTES <= file.sizeBytes; at += UNIT_BYTES) {
          file.readInto(at, unitBytes, 0, UNIT_BYTES);
          const offset = Number(unitView.getBigInt64(0));
          const size = unitView.getInt32(8);
          if (size === 0 || (offset >= 0 && offset < extent.minPhysicalOffset)) continue;
          audit.units++;
          const problem = unitProblem(extent, topic, queueId, firstQueueOffset + at / UNIT_BYTES, offset, size, buffer);
          if (problem === undefined) continue;
          audit.problemCount++;
          if (audit.problems.length < AUDIT_PROBLEMS_DESCRIBED) audit.problems.push(problem);
        }
      }
    }
  }
  return audit;
}
