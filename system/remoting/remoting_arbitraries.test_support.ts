// fast-check arbitraries for RemotingCommand, shared by the remoting tests.
import fc from "fast-check";
import type { RemotingCommand, SerializeType } from "./remoting_command.ts";
import { LanguageCode } from "./remoting_command.ts";

const text = fc.string({ unit: "grapheme", maxLength: 24 });
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const int16 = fc.integer({ min: -0x8000, max: 0x7fff });

const extFields = fc.array(fc.tuple(text, text), { maxLength: 8 }).map((pairs) => {
  const record: Record<string, string> = {};
  for (const [key, value] of pairs) {
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return record;
});

/** Commands valid for the given serialize type (binary needs int16 code/version, no empty remark). */
export function arbCommand(serializeType: SerializeType): fc.Arbitrary<RemotingCommand> {
  const binary = serializeType === 1;
  return fc
    .record({
      code: binary ? int16 : int32,
      language: fc.constantFrom(...(Object.keys(LanguageCode))),
      version: binary ? int16 : int32,
      opaque: int32,
      flag: int32,
      remark: fc.option(binary ? text.filter((s) => s.length > 0) : text, { nil: undefined }),
      extFields,
      body: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined }),
    })
    .map((fields) => {
      const command: RemotingCommand = {
        code: fields.code,
        language: fields.language,
        version: fields.version,
        opaque: fields.opaque,
        flag: fields.flag,
        extFields: fields.extFields,
        serializeType,
      };
      if (fields.remark !== undefined) command.remark = fields.remark;
      if (fields.body !== undefined) command.body = fields.body;
      return command;
    });
}

export const arbAnyCommand: fc.Arbitrary<RemotingCommand> = fc.oneof(arbCommand(0), arbCommand(1));
