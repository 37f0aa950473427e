// RocketMQ 4.9's acl Permission: the flag bits, the perm strings of plain_acl.yml, the check
// rule, and the request codes that need an admin account.
// Rule (checkPermission): an owned DENY bit refuses everything; a needed ANY is met by PUB or
// SUB; otherwise the needed and owned bits must share one. A missing or unknown perm string
// parses to DENY (so an account without defaultTopicPerm is denied every unlisted topic).
import { RequestCode } from "../remoting/request_code.ts";
import { AclException } from "./acl_exception.ts";

export const Permission = { DENY: 1, ANY: 2, PUB: 4, SUB: 8 } as const;

/** Permission.ADMIN_CODE in 4.9.8 (the ACL admin codes 50–53 are NOT in it, as in RocketMQ). */
export const ADMIN_CODES: ReadonlySet<number> = new Set([
  RequestCode.UPDATE_AND_CREATE_TOPIC,
  RequestCode.UPDATE_BROKER_CONFIG,
  RequestCode.DELETE_TOPIC_IN_BROKER,
  RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
  RequestCode.DELETE_SUBSCRIPTIONGROUP,
]);

export function needAdminPerm(code: number): boolean {
  return ADMIN_CODES.has(code);
}

export function checkPermission(neededPerm: number, ownedPerm: number): boolean {
  if ((ownedPerm & Permission.DENY) > 0) return false;
  if ((neededPerm & Permission.ANY) > 0) {
    return (ownedPerm & Permission.PUB) > 0 || (ownedPerm & Permission.SUB) > 0;
  }
  return (neededPerm & ownedPerm) > 0;
}

export function parsePermFromString(text: string | undefined | null): number {
  if (text === undefined || text === null) return Permission.DENY;
  switch (text.trim()) {
    case "PUB":
      return Permission.PUB;
    case "SUB":
      return Permission.SUB;
    case "PUB|SUB":
    case "SUB|PUB":
      return Permission.PUB | Permission.SUB;
    default:
      return Permission.DENY;
  }
}

/** StringUtils.split(resource, "="): separators collapse, empty tokens vanish. */
function splitResource(resource: string): string[] {
  return resource.split("=").filter((item) => item.length > 0);
}

/** Permission.parseResourcePerms: "topicA=PUB|SUB" entries into a resource → perm map. */
export function parseResourcePerms(
  target: Map<string, number>,
  isTopic: boolean,
  resources: readonly string[] | undefined,
  retryTopicOf: (group: string) => string,
): void {
  for (const resource of resources ?? []) {
    const items = splitResource(resource);
    if (items.length !== 2) {
      throw new AclException(`Parse resource permission failed for ${isTopic ? "topic" : "group"}:${resource}`, undefined);
    }
    const name = items[0]!.trim();
    target.set(isTopic ? name : retryTopicOf(name), parsePermFromString(items[1]!.trim()));
  }
}

/** Permission.checkResourcePerms: what UPDATE_AND_CREATE_ACL_CONFIG (50) accepts. */
export function checkResourcePerms(resources: readonly string[] | undefined): void {
  for (const resource of resources ?? []) {
    const items = splitResource(resource);
    if (items.length !== 2) {
      throw new AclException(`Parse Resource format error for ${resource}.\nThe expected resource format is 'Res=Perm'. For example: topicA=SUB`, undefined);
    }
    const perm = items[1]!.trim();
    if (perm !== "DENY" && parsePermFromString(perm) === Permission.DENY) {
      throw new AclException(`Parse resource permission error for ${resource}.\nThe expected permissions are 'SUB' or 'PUB' or 'SUB|PUB' or 'PUB|SUB'.`, undefined);
    }
  }
}
