// Iteration order of a java.util.HashMap<String, V> filled in insertion order (no removals):
// by bucket index (hash ^ hash >>> 16) & (capacity − 1), then insertion order within a bucket;
// capacity starts at 16 and doubles whenever size exceeds 0.75 × capacity. PlainPermissionManager
// checks a request's resources in this order, so it decides WHICH denied resource a remark names
// when several are denied (e.g. a pull denied on both its topic and its group).
import { javaStringHashCode } from "../message/java_hash.ts";

export function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucketOf = (key: string): number => {
    const hash = javaStringHashCode(key);
    return ((hash ^ (hash >>> 16)) & (capacity - 1)) >>> 0;
  };
  return keys
    .map((key, position) => ({ key, position, bucket: bucketOf(key) }))
    .sort((left, right) => left.bucket - right.bucket || left.position - right.position)
    .map((entry) => entry.key);
}
