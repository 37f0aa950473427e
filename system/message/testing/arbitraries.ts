// fast-check arbitraries for message codec tests (also used by the store's tests).

import fc from "fast-check";
import type { MessageExtBrokerInner, StoredMessageFields } from "../message_record.ts";

const nameChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-%|".split("");

export const arbTopic: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...nameChars), { minLength: 1, maxLength: 127 })
  .map((chars) => chars.join(""));

/** Keys: non-empty, no \x01/\x02; values: non-empty, no \x02 (the round-trippable space). */
export const arbProperties: fc.Arbitrary<Map<string, string>> = fc
  .dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !key.includes("\u0001") && !key.includes("\u0002") && key !== "__proto__"),
    fc.string({ minLength: 1, maxLength: 40 }).filter((value) => !value.includes("\u0002")),
    { maxKeys: 6 },
  )
  .map((record) => new Map(Object.entries(record)));

export const arbIpv4Host: fc.Arbitrary<string> = fc
  .tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 }))
  .map(([ip, port]) => `${ip}:${port}`);

export const arbIpv6Host: fc.Arbitrary<string> = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 65535 }))
  .map(([groups, port]) => `[${groups.map((group) => group.toString(16)).join(":")}]:${port}`);

export const arbHost: fc.Arbitrary<string> = fc.oneof(arbIpv4Host, arbIpv4Host, arbIpv6Host);

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const safeLong = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

export const arbInner: fc.Arbitrary<MessageExtBrokerInner> = fc.record({
  topic: arbTopic,
  queueId: fc.integer({ min: 0, max: 1023 }),
  flag: int32,
  body: fc.uint8Array({ maxLength: 300 }),
  properties: arbProperties,
  // v6 host bits are derived from the hosts by the encoder; generate the other bits only.
  sysFlag: fc.integer({ min: 0, max: 0xffff }).map((flag) => flag & ~0x30),
  bornTimestamp: safeLong,
  bornHost: arbHost,
  storeHost: arbHost,
  reconsumeTimes: fc.integer({ min: 0, max: 1000 }),
  preparedTransactionOffset: safeLong,
});

export const arbStoredFields: fc.Arbitrary<StoredMessageFields> = fc
  .tuple(arbInner, safeLong, safeLong, safeLong)
  .map(([inner, queueOffset, commitLogOffset, storeTimestamp]) => ({
    ...inner, queueOffset, commitLogOffset, storeTimestamp,
  }));
