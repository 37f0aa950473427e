// Java String.hashCode over UTF-16 code units with 32-bit wrap-around. RocketMQ uses it for
// tagsCode (consume queue filter) and for index keys, so it must match Java bit for bit.

/** Java `String.hashCode()`: h = 31·h + c over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index++) {
    hash = (Math.imul(31, hash) + text.charCodeAt(index)) | 0;
  }
  return hash;
}

/** tagsCode of a TAGS property: its hashCode widened to long; 0 when there is no tag. */
export function tagsString2tagsCode(tags: string | undefined): number {
  if (tags === undefined || tags.length === 0) return 0;
  return javaStringHashCode(tags);
}

/**
 * Index hash of a key [store/.../index/IndexFile.java indexKeyHashMethod]:
 * |hashCode|, and 0 when the absolute value overflows (Integer.MIN_VALUE).
 */
export function indexKeyHash(key: string): number {
  const hash = Math.abs(javaStringHashCode(key));
  return hash > 0x7fffffff ? 0 : hash;
}
