// The ACL keys a workload node signs with (Workload.acl), and the lab's "wrong or rotated
// secret on one client" fault: every client instance of the node's Env switches its signing
// secret, and back on heal.
import type { Env } from "../../system/env/index.ts";
import { clientInstancesOf } from "../../system/client/index.ts";
import type { AclCredentials, Workload } from "../scenario.ts";

export function clientCredentials(workload: Workload, node: string): AclCredentials | undefined {
  return workload.acl?.byNode?.[node] ?? workload.acl?.clients;
}

/** Spread into client options: {} when the node has no keys. */
export function credentialOptions(credentials: AclCredentials | undefined): { accessKey?: string; secretKey?: string } {
  return credentials === undefined ? {} : { accessKey: credentials.accessKey, secretKey: credentials.secretKey };
}

/** WorkloadNodeHandle.setAclSecret for a node whose clients live in `env`. */
export function aclSecretSetter(env: Env, credentials: AclCredentials | undefined): (secretKey: string | undefined) => void {
  return (secretKey) => {
    for (const instance of clientInstancesOf(env)) {
      const hook = instance.aclHook;
      if (hook === undefined) continue;
      const accessKey = credentials?.accessKey ?? hook.credentials.accessKey;
      hook.setCredentials({ accessKey, secretKey: secretKey ?? credentials?.secretKey ?? hook.credentials.secretKey });
    }
  };
}
