// RocketMQ's tools ACL file (AclUtils.getAclRPCHook(ROCKETMQ_HOME + "/conf/tools.yml")): a YAML
// mapping with accessKey and secretKey that mqadmin signs with when no keys are given on the
// command line. Missing file, empty file or a blank key → no signing (as RocketMQ: "acl isn't
// be enabled"). CLI code: it may read the file system directly.
import { existsSync, readFileSync } from "node:fs";
import { parse } from "yaml";

export function readToolsYml(path: string): { accessKey: string; secretKey: string } | undefined {
  if (!existsSync(path)) return undefined;
  let data: unknown;
  try {
    data = parse(readFileSync(path, "utf8"), { version: "1.1" });
  } catch {
    return undefined; // RocketMQ logs "Convert yaml file to data object error" and runs unsigned
  }
  if (typeof data !== "object" || data === null) return undefined;
  const record = data as Record<string, unknown>;
  const text = (value: unknown): string => (typeof value === "string" || typeof value === "number" ? String(value).trim() : "");
  const accessKey = text(record["accessKey"]);
  const secretKey = text(record["secretKey"]);
  if (accessKey === "" || secretKey === "") return undefined;
  return { accessKey, secretKey };
}
