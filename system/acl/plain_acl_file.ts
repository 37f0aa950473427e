// One plain_acl.yml file, parsed (RocketMQ 4.9's AclUtils.getYamlDataObject + PlainAccessConfig):
//   globalWhiteRemoteAddresses: [pattern…]
//   accounts: [{ accessKey, secretKey, whiteRemoteAddress, admin, defaultTopicPerm,
//                defaultGroupPerm, topicPerms: ["topicA=DENY", …], groupPerms: ["groupA=SUB", …] }]
//   dataVersion: [{ counter, timestamp }]
// Java reads it with SnakeYAML (YAML 1.1) and converts scalars to the field types, so
// `secretKey: 12345678` is the string "12345678". Every problem becomes an AclFileError naming
// the file and the 1-based line (of the YAML syntax error, or of the offending node).
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from "yaml";
import type { Document, Node } from "yaml";

export class AclFileError extends Error {
  constructor(readonly path: string, readonly line: number, readonly reason: string) {
    super(`${path}:${line}: ${reason}`);
    this.name = "AclFileError";
  }
}

export interface PlainAccessConfig {
  accessKey: string;
  secretKey: string;
  whiteRemoteAddress: string | undefined;
  admin: boolean;
  defaultTopicPerm: string | undefined;
  defaultGroupPerm: string | undefined;
  topicPerms: string[] | undefined;
  groupPerms: string[] | undefined;
  /** 1-based line of the account in its file (for errors found later). */
  line: number;
}

export interface PlainAclFile {
  path: string;
  globalWhiteRemoteAddresses: { pattern: string; line: number }[];
  accounts: PlainAccessConfig[];
  dataVersion: { counter: number; timestamp: number } | undefined;
}

/** Bounds: an ACL file is configuration, not data. */
export const ACL_FILE_SIZE_MAX_BYTES = 1024 * 1024;
export const ACL_ACCOUNTS_MAX = 10_000;

type Fail = (node: Node | null | undefined, reason: string) => never;

function scalarText(node: unknown, fail: Fail, what: string): string | undefined {
  if (node === null || node === undefined) return undefined;
  if (!isScalar(node)) return fail(node as Node, `${what} must be a scalar`);
  const value: unknown = node.value;
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  return fail(node, `${what} must be a plain value`);
}

function stringList(node: unknown, fail: Fail, what: string): string[] | undefined {
  if (node === null || node === undefined) return undefined;
  if (isScalar(node) && (node.value === null || node.value === undefined)) return undefined;
  if (!isSeq(node)) return fail(node as Node, `${what} must be a list`);
  return node.items.map((item) => scalarText(item, fail, `${what} entry`) ?? "");
}

function parseAccount(node: unknown, fail: Fail, lineOf: (node: Node) => number): PlainAccessConfig {
  if (!isMap(node)) return fail(node as Node, "each account must be a mapping");
  const get = (key: string): unknown => node.get(key, true);
  const adminText = scalarText(get("admin"), fail, "admin");
  if (adminText !== undefined && adminText !== "true" && adminText !== "false") fail(get("admin") as Node, `admin must be true or false, got ${adminText}`);
  return {
    accessKey: scalarText(get("accessKey"), fail, "accessKey") ?? "",
    secretKey: scalarText(get("secretKey"), fail, "secretKey") ?? "",
    whiteRemoteAddress: scalarText(get("whiteRemoteAddress"), fail, "whiteRemoteAddress"),
    admin: adminText === "true",
    defaultTopicPerm: scalarText(get("defaultTopicPerm"), fail, "defaultTopicPerm"),
    defaultGroupPerm: scalarText(get("defaultGroupPerm"), fail, "defaultGroupPerm"),
    topicPerms: stringList(get("topicPerms"), fail, "topicPerms"),
    groupPerms: stringList(get("groupPerms"), fail, "groupPerms"),
    line: lineOf(node),
  };
}

function parseDataVersion(node: unknown): PlainAclFile["dataVersion"] {
  if (!isSeq(node) || node.items.length === 0 || !isMap(node.items[0])) return undefined;
  const first = node.items[0];
  const number = (key: string): number => {
    const value = first.get(key);
    return typeof value === "bigint" ? Number(value) : typeof value === "number" ? value : 0;
  };
  return { counter: number("counter"), timestamp: number("timestamp") };
}

/** The parsed YAML document (kept for admin edits that rewrite the file). */
export function parseAclYaml(path: string, text: string): { document: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, version: "1.1", intAsBigInt: true, uniqueKeys: false });
  const error = document.errors[0];
  if (error !== undefined) throw new AclFileError(path, error.linePos?.[0].line ?? 1, (error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, ""));
  return { document, lineCounter };
}

/** Parses one file's text; throws AclFileError (file:line) on any problem. An empty file has no data. */
export function parsePlainAclFile(path: string, text: string): PlainAclFile {
  if (text.length > ACL_FILE_SIZE_MAX_BYTES) throw new AclFileError(path, 1, `file larger than ${ACL_FILE_SIZE_MAX_BYTES} bytes`);
  const { document, lineCounter } = parseAclYaml(path, text);
  const lineOf = (node: Node): number => (node.range === undefined || node.range === null ? 1 : lineCounter.linePos(node.range[0]).line);
  const fail: Fail = (node, reason) => {
    throw new AclFileError(path, node === null || node === undefined ? 1 : lineOf(node), reason);
  };
  const empty: PlainAclFile = { path, globalWhiteRemoteAddresses: [], accounts: [], dataVersion: undefined };
  const root = document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ""))) return empty;
  if (!isMap(root)) return fail(root, "an ACL file must be a mapping (globalWhiteRemoteAddresses, accounts)");
  const whiteNode = root.get("globalWhiteRemoteAddresses", true);
  const whites = isSeq(whiteNode) ? whiteNode.items : [];
  if (whiteNode !== undefined && whiteNode !== null && !isSeq(whiteNode) && !(isScalar(whiteNode) && whiteNode.value === null)) {
    fail(whiteNode, "globalWhiteRemoteAddresses must be a list");
  }
  const accountsNode = root.get("accounts", true);
  if (accountsNode !== undefined && accountsNode !== null && !isSeq(accountsNode) && !(isScalar(accountsNode) && accountsNode.value === null)) {
    fail(accountsNode, "accounts must be a list");
  }
  const accountItems = isSeq(accountsNode) ? accountsNode.items : [];
  if (accountItems.length > ACL_ACCOUNTS_MAX) fail(accountsNode, `more than ${ACL_ACCOUNTS_MAX} accounts`);
  return {
    path,
    globalWhiteRemoteAddresses: whites.map((item) => ({ pattern: scalarText(item, fail, "a global white address") ?? "", line: lineOf(item as Node) })),
    accounts: accountItems.map((item) => parseAccount(item, fail, lineOf)),
    dataVersion: parseDataVersion(root.get("dataVersion", true)),
  };
}

/** An account as the file stores it (createAclAccessConfigMap's key order). */
export function accountToYamlObject(account: Omit<PlainAccessConfig, "line">): Record<string, unknown> {
  const out: Record<string, unknown> = { accessKey: account.accessKey, secretKey: account.secretKey };
  if (account.whiteRemoteAddress !== undefined) out["whiteRemoteAddress"] = account.whiteRemoteAddress;
  out["admin"] = account.admin;
  if (account.defaultTopicPerm !== undefined) out["defaultTopicPerm"] = account.defaultTopicPerm;
  if (account.defaultGroupPerm !== undefined) out["defaultGroupPerm"] = account.defaultGroupPerm;
  if (account.topicPerms !== undefined) out["topicPerms"] = account.topicPerms;
  if (account.groupPerms !== undefined) out["groupPerms"] = account.groupPerms;
  return out;
}

/** Writes a whole file (globals, accounts, dataVersion) as YAML. */
export function stringifyPlainAclFile(data: { globalWhiteRemoteAddresses: string[]; accounts: Omit<PlainAccessConfig, "line">[]; dataVersion: { counter: number; timestamp: number } }): string {
  return stringify({
    globalWhiteRemoteAddresses: data.globalWhiteRemoteAddresses,
    accounts: data.accounts.map(accountToYamlObject),
    dataVersion: [{ counter: data.dataVersion.counter, timestamp: data.dataVersion.timestamp }],
  });
}
