// A workload message carries its identity twice: in the body (so a consumer can always tell
// which message it got) and in KEYS (so mqadmin queryMsgByKey finds it). Ids are unique per
// run: node name, a per-start token drawn from the node's random stream, and a sequence.

const bodyPrefix = "mqlab:";
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

export function makeMessageId(node: string, startToken: string, sequence: number): string {
  return `${node}.${startToken}.${sequence}`;
}

/**
 * Body = "mqlab:<id>:" followed by "." filler up to sizeBytes (filler counted against the head's
 * UTF-16 length, as it always was). The head is encoded alone and the filler is a fill(): the
 * same bytes as encoding head + ".".repeat(filler), without building a string of up to 4 MiB.
 */
export function encodeBody(messageId: string, sizeBytes: number): Uint8Array {
  const headText = `${bodyPrefix}${messageId}:`;
  const head = textEncoder.encode(headText);
  const filler = Math.max(0, sizeBytes - headText.length);
  const body = new Uint8Array(head.length + filler);
  body.set(head, 0);
  body.fill(0x2e, head.length);
  return body;
}

/** Byte length of the identity head encodeBody writes (the body with no filler). */
export function bodyHeadBytes(messageId: string): number {
  return textEncoder.encode(`${bodyPrefix}${messageId}:`).length;
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
