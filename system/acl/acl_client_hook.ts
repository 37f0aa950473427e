// Client-side signing, RocketMQ 4.9's AclClientRPCHook: before a request is written, add
// AccessKey (and SecurityToken when set), then Signature = HmacSHA1 over the sorted extField
// values + body (acl_signer.ts). The credentials can be replaced at run time (a rotated secret;
// the lab's "wrong secret on one client" fault) — later requests use the new ones.
import type { ClientRpcHook } from "../remoting/remoting_client.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { assert } from "../stdx/assert.ts";
import { ACCESS_KEY_FIELD, calSignature, combineRequestContent, SECURITY_TOKEN_FIELD, SIGNATURE_FIELD } from "./acl_signer.ts";

export interface SessionCredentials {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly securityToken?: string | undefined;
}

/** Signs `request` in place with `credentials` (what the hook does; exported for tests and tools). */
export function signRequest(request: RemotingCommand, credentials: SessionCredentials): void {
  request.extFields[ACCESS_KEY_FIELD] = credentials.accessKey;
  if (credentials.securityToken !== undefined) request.extFields[SECURITY_TOKEN_FIELD] = credentials.securityToken;
  const content = combineRequestContent(request.extFields, request.body);
  request.extFields[SIGNATURE_FIELD] = calSignature(content, credentials.secretKey);
  assert(request.extFields[SIGNATURE_FIELD].length === 28, "a Base64 HmacSHA1 is 28 characters");
}

export class AclClientRpcHook implements ClientRpcHook {
  constructor(private current: SessionCredentials) {
    assert(current.accessKey !== "", "accessKey must not be empty");
  }

  get credentials(): SessionCredentials {
    return this.current;
  }

  /** Replaces the credentials for every later request. */
  setCredentials(credentials: SessionCredentials): void {
    assert(credentials.accessKey !== "", "accessKey must not be empty");
    this.current = credentials;
  }

  doBeforeRequest(_addr: string, request: RemotingCommand): void {
    signRequest(request, this.current);
  }
}
