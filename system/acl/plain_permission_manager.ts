// The access decision, RocketMQ 4.9's PlainPermissionManager.validate + checkPerm, over a
// loaded configuration (files parsed elsewhere; this module is pure). Order of checks:
//   1. the remote host matches a global white address → allowed, no key needed
//   2. no AccessKey → "No accessKey is configured"; unknown key → "No acl config for X"
//   3. the host matches the account's whiteRemoteAddress → allowed WITHOUT checking the signature
//   4. signature mismatch → "Check signature failed for accessKey=X"
//   5. a PUB on RMQ_SYS_TRACE_TOPIC → allowed (message trace)
//   6. admin-only code and not admin → "Need admin permission for request code=N, but accessKey=X is not"
//   7. each needed resource (Java HashMap order): its own perm, else defaultTopicPerm /
//      defaultGroupPerm (missing = DENY) → "No default permission for topic:T" / "group:G".
//      An admin with no topicPerms/groupPerms at all skips this step.
// An account appears once: the first file (load order) that defines an accessKey owns it.
import { SystemTopic } from "../message/message_const.ts";
import { AclException, AclThrowSite } from "./acl_exception.ts";
import type { AccessRequest } from "./access_resource.ts";
import { isRetryTopic, parseAccessRequest, retryTopicOf } from "./access_resource.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { calSignature, signaturesEqual } from "./acl_signer.ts";
import { javaHashMapOrder } from "./java_hash_map_order.ts";
import { checkPermission, needAdminPerm, parsePermFromString, parseResourcePerms, Permission } from "./permission.ts";
import type { PlainAccessConfig, PlainAclFile } from "./plain_acl_file.ts";
import { AclFileError } from "./plain_acl_file.ts";
import type { RemoteAddressMatcher } from "./remote_address.ts";
import { remoteAddressMatcher } from "./remote_address.ts";

/** AclConstants.ACCESS_KEY_MIN_LENGTH / SECRET_KEY_MIN_LENGTH: keys must be LONGER than 6. */
export const ACCESS_KEY_MIN_LENGTH = 6;
export const SECRET_KEY_MIN_LENGTH = 6;

export interface OwnedAccess {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly admin: boolean;
  readonly whiteRemoteAddress: RemoteAddressMatcher;
  readonly defaultTopicPerm: number;
  readonly defaultGroupPerm: number;
  /** undefined when the account lists no topicPerms and no groupPerms (Java: a null map). */
  readonly resourcePerms: ReadonlyMap<string, number> | undefined;
  readonly file: string;
}

export interface AclSnapshot {
  readonly globalWhiteRemoteAddresses: readonly RemoteAddressMatcher[];
  readonly accounts: ReadonlyMap<string, OwnedAccess>;
  /** Files in load order, as parsed. */
  readonly files: readonly PlainAclFile[];
}

/** PlainPermissionManager.checkPlainAccessConfig's text. */
export function checkPlainAccessConfig(config: Pick<PlainAccessConfig, "accessKey" | "secretKey">): string | null {
  if (config.accessKey.length <= ACCESS_KEY_MIN_LENGTH || config.secretKey.length <= SECRET_KEY_MIN_LENGTH) {
    return `The accessKey=${config.accessKey} and secretKey=${config.secretKey} cannot be null and length should longer than 6`;
  }
  return null;
}

function buildOwnedAccess(config: PlainAccessConfig, file: string): OwnedAccess {
  const invalid = checkPlainAccessConfig(config);
  if (invalid !== null) throw new AclException(invalid, undefined);
  const perms = new Map<string, number>();
  parseResourcePerms(perms, false, config.groupPerms, retryTopicOf);
  parseResourcePerms(perms, true, config.topicPerms, retryTopicOf);
  const hasLists = (config.groupPerms?.length ?? 0) > 0 || (config.topicPerms?.length ?? 0) > 0;
  return {
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    admin: config.admin,
    whiteRemoteAddress: remoteAddressMatcher(config.whiteRemoteAddress),
    defaultTopicPerm: parsePermFromString(config.defaultTopicPerm),
    defaultGroupPerm: parsePermFromString(config.defaultGroupPerm),
    resourcePerms: hasLists ? perms : undefined,
    file,
  };
}

/** Builds the decision tables; a bad pattern or account throws AclFileError naming file:line. */
export function buildAclSnapshot(files: readonly PlainAclFile[]): AclSnapshot {
  const globals: RemoteAddressMatcher[] = [];
  const accounts = new Map<string, OwnedAccess>();
  const rethrow = (file: string, line: number, error: unknown): never => {
    if (error instanceof AclException) throw new AclFileError(file, line, error.message);
    throw error;
  };
  for (const file of files) {
    for (const white of file.globalWhiteRemoteAddresses) {
      try {
        globals.push(remoteAddressMatcher(white.pattern));
      } catch (error) {
        rethrow(file.path, white.line, error);
      }
    }
    for (const account of file.accounts) {
      let owned: OwnedAccess;
      try {
        owned = buildOwnedAccess(account, file.path);
      } catch (error) {
        return rethrow(file.path, account.line, error);
      }
      // "The accessKey is repeated in multiple ACL files": the first definition wins.
      if (!accounts.has(owned.accessKey)) accounts.set(owned.accessKey, owned);
    }
  }
  return { globalWhiteRemoteAddresses: globals, accounts, files };
}

function printResource(resource: string, isGroup: boolean): string {
  return isGroup ? `group:${resource.slice(retryTopicOf("").length)}` : `topic:${resource}`;
}

function checkPerm(needed: AccessRequest, owned: OwnedAccess): void {
  if (needAdminPerm(needed.requestCode) && !owned.admin) {
    throw new AclException(`Need admin permission for request code=${needed.requestCode}, but accessKey=${owned.accessKey} is not`, AclThrowSite.needAdmin);
  }
  if (needed.resourcePerms.size === 0) return;
  if (owned.resourcePerms === undefined && owned.admin) return;
  for (const resource of javaHashMapOrder([...needed.resourcePerms.keys()])) {
    const neededPerm = needed.resourcePerms.get(resource)!;
    const isGroup = isRetryTopic(resource);
    const ownedPerm = owned.resourcePerms?.get(resource);
    if (ownedPerm === undefined) {
      const fallback = isGroup ? owned.defaultGroupPerm : owned.defaultTopicPerm;
      if (!checkPermission(neededPerm, fallback)) {
        throw new AclException(`No default permission for ${printResource(resource, isGroup)}`, AclThrowSite.noDefaultPerm);
      }
      continue;
    }
    if (!checkPermission(neededPerm, ownedPerm)) {
      throw new AclException(`No default permission for ${printResource(resource, isGroup)}`, AclThrowSite.noPerm);
    }
  }
}

/** Throws AclException when the request must be refused; returns when it may proceed. */
export function validateAccess(snapshot: AclSnapshot, request: AccessRequest): void {
  for (const white of snapshot.globalWhiteRemoteAddresses) {
    if (white.match(request.remoteHost)) return;
  }
  if (request.accessKey === undefined) throw new AclException("No accessKey is configured", AclThrowSite.noAccessKey);
  const owned = snapshot.accounts.get(request.accessKey);
  if (owned === undefined) throw new AclException(`No acl config for ${request.accessKey}`, AclThrowSite.noAclConfig);
  if (owned.whiteRemoteAddress.match(request.remoteHost)) return;
  const expected = calSignature(request.content, owned.secretKey);
  if (!signaturesEqual(expected, request.signature)) {
    throw new AclException(`Check signature failed for accessKey=${request.accessKey}`, AclThrowSite.badSignature);
  }
  if (request.resourcePerms.get(SystemTopic.TRACE_TOPIC) === Permission.PUB) return;
  checkPerm(request, owned);
}

/** The broker's request hook: undefined = allowed, else the SYSTEM_ERROR remark (AclException text). */
export function checkRequest(snapshot: AclSnapshot, remoteAddress: string, request: RemotingCommand): string | undefined {
  try {
    validateAccess(snapshot, parseAccessRequest(request, remoteAddress));
  } catch (error) {
    if (error instanceof AclException) return error.remark;
    throw error;
  }
  return undefined;
}
