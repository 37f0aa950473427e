// The disk usage text RocketMQ 4.9.7 puts in a SERVICE_NOT_AVAILABLE send remark
// (SendMessageProcessor.diskUtil): "CL: %5.2f CQ: %5.2f INDEX: %5.2f", each the used fraction
// (0..1, not a percentage) of the partition holding the commit log, the consume queues and the
// index, as UtilAll.getDiskPartitionSpaceUsedPercent gives it: -1 when the path does not exist or
// cannot be measured. Free space is what the Env reports (statfs's available blocks), so on a real
// disk with reserved blocks the figures can differ from Java's getFreeSpace in the last digits.
import type { Env } from "../../env/env.ts";

function usedFraction(env: Env, path: string): number {
  if (!env.disk.exists(path)) return -1;
  try {
    const { totalBytes, freeBytes } = env.disk.space(path);
    return totalBytes > 0 ? (totalBytes - freeBytes) / totalBytes : -1;
  } catch (error) {
    // 4.9.7 logs and answers -1; the remark is still sent.
    env.log.warn("disk usage unavailable for a send remark", { path, error: String(error) });
    return -1;
  }
}

/** Java's String.format("%5.2f", value): two decimals, right-aligned in five columns. */
function javaFixed52(value: number): string {
  return value.toFixed(2).padStart(5, " ");
}

export function diskUtil(env: Env, storePathCommitLog: string, storePathRootDir: string): string {
  const physicRatio = Math.min(100, usedFraction(env, storePathCommitLog));
  const logisRatio = usedFraction(env, `${storePathRootDir}/consumequeue`);
  const indexRatio = usedFraction(env, `${storePathRootDir}/index`);
  return `CL: ${javaFixed52(physicRatio)} CQ: ${javaFixed52(logisRatio)} INDEX: ${javaFixed52(indexRatio)}`;
}
