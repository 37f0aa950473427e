// Test support for ACL: a snapshot from YAML text, signed requests, the remark prefixes.
import { createRequest } from "../remoting/remoting_command.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { signRequest } from "./acl_client_hook.ts";
import { ACL_EXCEPTION_CLASS } from "./acl_exception.ts";
import type { AclSnapshot } from "./plain_permission_manager.ts";
import { buildAclSnapshot } from "./plain_permission_manager.ts";
import { parsePlainAclFile } from "./plain_acl_file.ts";

export function snapshotOf(yamlText: string, path = "/home/mq/conf/plain_acl.yml"): AclSnapshot {
  return buildAclSnapshot([parsePlainAclFile(path, yamlText)]);
}

export function signed(code: number, fields: Record<string, string>, accessKey: string, secretKey: string, body?: Uint8Array): RemotingCommand {
  const request = createRequest(code, { ...fields }, body);
  signRequest(request, { accessKey, secretKey });
  return request;
}

/** The remark text RocketMQ 4.9.8 sends, without the stack frame. */
export function aclMessage(remark: string | undefined): string | undefined {
  if (remark === undefined) return undefined;
  const prefix = `${ACL_EXCEPTION_CLASS}: `;
  const text = remark.startsWith(prefix) ? remark.slice(prefix.length) : remark;
  const frame = text.lastIndexOf(", org.apache.rocketmq.");
  return frame < 0 ? text : text.slice(0, frame);
}
