// KV config of the namesrv (RocketMQ KVConfigManager): namespace → key → value, persisted as
// {"configTable":{"ns":{"k":"v"}}} at kvConfigPath through env.disk.writeFileAtomic (old or new
// content survives a crash) and loaded at start.
// Invariants: persists are serialized (one write at a time, the latest state wins); a corrupt
// file is reported and ignored (RocketMQ's fromJson returns null and the table stays empty).
import type { Disk, Log } from "../env/env.ts";
import { fromUtf8, utf8 } from "../remoting/remoting_command.ts";
import { stringifyFastjson } from "../protocol/fastjson.ts";
import { asObject, parseJsonBody } from "../protocol/body_json.ts";
import { posix } from "node:path";

export const NAMESPACE_ORDER_TOPIC_CONFIG = "ORDER_TOPIC_CONFIG";

export class KVConfigManager {
  private readonly configTable = new Map<string, Map<string, string>>();
  private persisting: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    private readonly disk: Disk,
    private readonly path: string,
    private readonly log: Log,
  ) {}

  load(): void {
    const bytes = this.disk.readFile(this.path);
    if (bytes === undefined) return;
    try {
      const root = parseJsonBody(bytes, "kvConfig.json");
      const table = asObject(root["configTable"] ?? {}, "kvConfig.json configTable");
      for (const [namespace, entries] of Object.entries(table)) {
        const map = new Map<string, string>();
        for (const [key, value] of Object.entries(asObject(entries, `kvConfig.json ${namespace}`))) {
          if (typeof value === "string") map.set(key, value);
        }
        this.configTable.set(namespace, map);
      }
      this.log.info("kv config loaded", { path: this.path, namespaces: this.configTable.size });
    } catch (error) {
      this.log.error("kv config unreadable, starting empty", {
        path: this.path,
        error: (error as Error).message,
        sample: fromUtf8(bytes.subarray(0, 80)),
      });
    }
  }

  put(namespace: string, key: string, value: string): Promise<void> {
    let table = this.configTable.get(namespace);
    if (table === undefined) {
      table = new Map();
      this.configTable.set(namespace, table);
    }
    const previous = table.get(key);
    table.set(key, value);
    this.log.info(previous === undefined ? "kv config created" : "kv config updated", { namespace, key, value });
    return this.persist();
  }

  get(namespace: string, key: string): string | undefined {
    return this.configTable.get(namespace)?.get(key);
  }

  delete(namespace: string, key: string): Promise<void> {
    const value = this.configTable.get(namespace)?.get(key);
    this.configTable.get(namespace)?.delete(key);
    this.log.info("kv config deleted", { namespace, key, value });
    return this.persist();
  }

  /** The namespace's table, or undefined when the namespace was never written. */
  namespace(namespace: string): ReadonlyMap<string, string> | undefined {
    return this.configTable.get(namespace);
  }

  snapshot(): Record<string, Record<string, string>> {
    return Object.fromEntries([...this.configTable].map(([ns, table]) => [ns, Object.fromEntries(table)]));
  }

  /** Resolves when every persist started so far has finished. */
  flush(): Promise<void> {
    return this.persisting;
  }

  /** Writes the current table; concurrent calls coalesce into writes of the latest state. */
  persist(): Promise<void> {
    this.dirty = true;
    this.persisting = this.persisting.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const text = stringifyFastjson({ configTable: this.configTable });
      try {
        this.disk.mkdirs(posix.dirname(this.path));
        await this.disk.writeFileAtomic(this.path, utf8(text));
      } catch (error) {
        this.log.error("persist kv config failed", { path: this.path, error: (error as Error).message });
      }
    });
    return this.persisting;
  }
}
