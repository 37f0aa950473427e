// 10,000 fast-check cases over random extFields (any Unicode, including surrogate pairs) and
// bodies: a request signed with the account's secret is never rejected, and a request whose
// signed content was tampered with (a value changed, a field added or removed, the body changed,
// a wrong secret, a forged signature) is never accepted.
// Not "tampering" by this definition: moving characters across a value boundary or adding an
// empty-valued field leaves the signed bytes identical — RocketMQ concatenates values without
// separators — so such a request IS accepted; the last test pins that down.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { RequestCode } from "../remoting/request_code.ts";
import { createRequest } from "../remoting/remoting_command.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { signRequest } from "./acl_client_hook.ts";
import { aclMessage, snapshotOf } from "./acl_testing.ts";
import { checkRequest } from "./plain_permission_manager.ts";
import { combineRequestContent } from "./acl_signer.ts";

const SECRET = "fuzz-secret-1";
const snapshot = snapshotOf(`
accounts:
  - accessKey: fuzzAdmin
    secretKey: ${SECRET}
    admin: true
`);
const remote = "172.20.0.5:40000";
const reserved = new Set(["AccessKey", "Signature", "SecurityToken", "_UNIQUE_KEY_QUERY"]);

const fieldsArb = fc.dictionary(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }).filter((key) => !reserved.has(key) && key !== "__proto__"),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  { maxKeys: 8 },
);
const bodyArb = fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { nil: undefined });
// A code without resources: the check is the signature alone (an admin owns everything else).
const codeArb = fc.constantFrom(RequestCode.GET_ROUTEINFO_BY_TOPIC, RequestCode.GET_BROKER_RUNTIME_INFO, RequestCode.GET_ALL_TOPIC_CONFIG, RequestCode.UPDATE_AND_CREATE_TOPIC);

type Tamper =
  | { kind: "value"; index: number; extra: string }
  | { kind: "addField"; key: string; value: string }
  | { kind: "removeField"; index: number }
  | { kind: "body"; index: number; xor: number }
  | { kind: "appendBody"; byte: number }
  | { kind: "secret"; secret: string }
  | { kind: "signature"; index: number };

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ kind: fc.constant("value" as const), index: fc.nat(), extra: fc.string({ unit: "grapheme", minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant("addField" as const), key: fc.string({ minLength: 1, maxLength: 6 }).filter((key) => !reserved.has(key) && key !== "__proto__"), value: fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant("removeField" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("body" as const), index: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant("appendBody" as const), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("secret" as const), secret: fc.string({ minLength: 1, maxLength: 16 }).filter((secret) => secret !== SECRET) }),
  fc.record({ kind: fc.constant("signature" as const), index: fc.nat() }),
);

function build(code: number, fields: Record<string, string>, body: Uint8Array | undefined, secret = SECRET): RemotingCommand {
  const request = createRequest(code, { ...fields }, body === undefined ? undefined : body.slice());
  signRequest(request, { accessKey: "fuzzAdmin", secretKey: secret });
  return request;
}

/** Applies a tamper after signing; returns false when it cannot apply (then the case is skipped). */
function tamper(request: RemotingCommand, change: Tamper, fields: Record<string, string>): boolean {
  const keys = Object.keys(fields).sort();
  switch (change.kind) {
    case "value": {
      if (keys.length === 0) return false;
      const key = keys[change.index % keys.length]!;
      request.extFields[key] = request.extFields[key]! + change.extra;
      return true;
    }
    case "addField":
      if (change.key in request.extFields) return false;
      request.extFields[change.key] = change.value;
      return true;
    case "removeField": {
      const nonEmpty = keys.filter((key) => fields[key] !== "");
      if (nonEmpty.length === 0) return false;
      delete request.extFields[nonEmpty[change.index % nonEmpty.length]!];
      return true;
    }
    case "body": {
      if (request.body === undefined) return false;
      request.body[change.index % request.body.length]! ^= change.xor;
      return true;
    }
    case "appendBody":
      request.body = new Uint8Array([...(request.body ?? []), change.byte]);
      return true;
    case "secret":
      signRequest(request, { accessKey: "fuzzAdmin", secretKey: change.secret });
      return true;
    case "signature": {
      const signature = request.extFields["Signature"]!;
      const position = change.index % (signature.length - 1);
      const swapped = signature[position] === "A" ? "B" : "A";
      request.extFields["Signature"] = signature.slice(0, position) + swapped + signature.slice(position + 1);
      return true;
    }
  }
}

test("fuzz: 10,000 cases — valid signatures are accepted, tampered ones never are", () => {
  let accepted = 0;
  let rejected = 0;
  fc.assert(
    fc.property(codeArb, fieldsArb, bodyArb, fc.option(tamperArb, { nil: undefined, freq: 2 }), (code, fields, body, change) => {
      const request = build(code, fields, body);
      if (change === undefined) {
        assert.equal(checkRequest(snapshot, remote, request), undefined);
        accepted++;
        return;
      }
      const before = combineRequestContent(request.extFields, request.body);
      if (!tamper(request, change, fields)) return;
      const after = combineRequestContent(request.extFields, request.body);
      // A change that leaves the signed bytes identical is not tampering (see the header).
      if (change.kind !== "secret" && change.kind !== "signature" && Buffer.from(before).equals(Buffer.from(after))) return;
      assert.equal(aclMessage(checkRequest(snapshot, remote, request)), "Check signature failed for accessKey=fuzzAdmin");
      rejected++;
    }),
    { numRuns: 10_000, seed: 17 },
  );
  assert.ok(accepted > 2_000, `valid cases exercised: ${accepted}`);
  assert.ok(rejected > 2_000, `tampered cases exercised: ${rejected}`);
});

test("values are concatenated without separators: moving a character across a boundary keeps the signature valid", () => {
  const request = build(RequestCode.GET_ROUTEINFO_BY_TOPIC, { a: "ab", b: "c" }, undefined);
  request.extFields["a"] = "a";
  request.extFields["b"] = "bc";
  assert.equal(checkRequest(snapshot, remote, request), undefined);
  request.extFields["zz"] = "";
  assert.equal(checkRequest(snapshot, remote, request), undefined);
});
