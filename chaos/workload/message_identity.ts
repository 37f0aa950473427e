// A workload message carries its identity twice: in the body (so a consumer can always tell
// which message it got) and in KEYS (so mqadmin queryMsgByKey finds it). Ids are unique per
// run: node name, a per-start token drawn from the node's random stream, and a sequence.

const bodyPrefix = "mqlab:";
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function makeMessageId(node: string, startToken: string, sequence: number): string {
  return `${node}.${startToken}.${sequence}`;
}

/** Body = "mqlab:<id>:" followed by filler up to sizeBytes. */
export function encodeBody(messageId: string, sizeBytes: number): Uint8Array {
  const head = `${bodyPrefix}${messageId}:`;
  const filler = Math.max(0, sizeBytes - head.length);
  return textEncoder.encode(head + ".".repeat(filler));
}

/** The message id in a workload body, or undefined for a body the workload did not write. */
export function decodeBodyId(body: Uint8Array): string | undefined {
  const head = textDecoder.decode(body.subarray(0, Math.min(body.length, 256)));
  if (!head.startsWith(bodyPrefix)) return undefined;
  const end = head.indexOf(":", bodyPrefix.length);
  return end < 0 ? undefined : head.slice(bodyPrefix.length, end);
}

/** Stable 32-bit hash of an order key (Java String.hashCode style) for queue selection. */
export function orderKeyHash(key: string): number {
  let hash = 0;
  for (let index = 0; index < key.length; index++) hash = (Math.imul(hash, 31) + key.charCodeAt(index)) | 0;
  return Math.abs(hash);
}
