// A small JSON config file of the broker (topics.json, subscriptionGroup.json,
// consumerOffset.json under <storePathRootDir>/config/), RocketMQ's ConfigManager.
// Invariants: writes go through env.disk.writeFileAtomic, so a crash leaves the old or the new
// content, never a torn file; persists are coalesced (at most one write in flight per file and
// at most one queued behind it), and every persist() promise resolves only after a write that
// started after the call; an unreadable file is a startup error naming the file, never a
// silent reset to defaults.
// VersionedTable is the shape two of them share with the GET_ALL_* bodies slaves copy:
// `{ <tableKey>: { <name>: entry }, dataVersion }` [TopicConfigManager / SubscriptionGroupManager
// decode()]; entries are keyed by the name they carry, a present dataVersion replaces ours.
import type { Clock, Env, Log } from "../env/env.ts";
import { DataVersion, parseDataVersion } from "./data_version.ts";
import { parseFastjson } from "../protocol/fastjson.ts";
import { errorText } from "../stdx/error_text.ts";

export class ConfigFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConfigFileError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });

export class JsonConfigFile {
  private writing: Promise<void> | undefined;
  private dirty = false;
  private readonly log: Log;

  constructor(
    private readonly env: Env,
    readonly path: string,
    private readonly encode: () => unknown,
  ) {
    this.log = env.log.child({ component: "config-file" });
  }

  /** Parsed content, or undefined when the file does not exist or is empty. */
  load(): unknown {
    const bytes = this.env.disk.readFile(this.path);
    if (bytes === undefined) return undefined;
    const text = decoder.decode(bytes);
    if (text.trim() === "") return undefined;
    try {
      return parseFastjson(text);
    } catch (error) {
      const reason = errorText(error);
      throw new ConfigFileError(`config file ${this.path} is not valid JSON: ${reason}`, { cause: error });
    }
  }

  /** load() when it is a JSON object; undefined when the file is absent, empty or not an object. */
  loadObject(): Record<string, unknown> | undefined {
    const content = this.load();
    return typeof content === "object" && content !== null ? (content as Record<string, unknown>) : undefined;
  }

  /** Writes the current content; concurrent calls share writes. Rejects when the disk fails. */
  persist(): Promise<void> {
    this.dirty = true;
    this.writing ??= this.drain().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Fire-and-forget persist for hot paths: failures are logged, not thrown. */
  persistSoon(): void {
    this.persist().catch((error: unknown) => {
      this.log.error("config persist failed", { path: this.path, error: errorText(error) });
    });
  }

  private async drain(): Promise<void> {
    const directory = this.path.slice(0, Math.max(0, this.path.lastIndexOf("/")));
    if (directory !== "") this.env.disk.mkdirs(directory);
    while (this.dirty) {
      this.dirty = false;
      const text = JSON.stringify(this.encode(), null, 1);
      await this.env.disk.writeFileAtomic(this.path, encoder.encode(text));
    }
  }
}

export interface VersionedTableSpec<T> {
  /** The content's field holding the `{ name: entry }` object, e.g. "topicConfigTable". */
  readonly tableKey: string;
  /** The manager's lenient entry reader; `name` is the table key, for entries that lack one. */
  fromJson(value: unknown, name: string): T;
  /** The name an entry is stored under (its own, which may differ from the table key). */
  nameOf(entry: T): string;
}

export class VersionedTable<T> {
  readonly entries = new Map<string, T>();
  readonly dataVersion: DataVersion;

  constructor(clock: Clock, private readonly spec: VersionedTableSpec<T>) {
    this.dataVersion = new DataVersion(clock);
  }

  /** Puts the content's entries over ours and takes its dataVersion when it has a valid one. */
  merge(content: Record<string, unknown>): void {
    const table = content[this.spec.tableKey];
    if (typeof table === "object" && table !== null) {
      for (const [name, value] of Object.entries(table as Record<string, unknown>)) {
        const entry = this.spec.fromJson(value, name);
        this.entries.set(this.spec.nameOf(entry), entry);
      }
    }
    const version = parseDataVersion(content["dataVersion"]);
    if (version !== undefined) this.dataVersion.assignNewOne(version);
  }

  /**
   * Slave metadata sync [SlaveSynchronize]: replaces our entries with a master's body unless its
   * dataVersion equals ours; true when it replaced them (the caller persists).
   */
  replaceFromMaster(content: unknown): boolean {
    if (typeof content !== "object" || content === null) return false;
    const record = content as Record<string, unknown>;
    const version = parseDataVersion(record["dataVersion"]);
    if (version !== undefined && this.dataVersion.equals(version)) return false;
    this.entries.clear();
    this.merge(record);
    return true;
  }
}
