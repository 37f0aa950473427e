// The broker's ACL configuration on disk (RocketMQ 4.9's PlainPermissionManager load/watch and
// its admin edits): `<rocketmqHome>/conf/plain_acl.yml` plus every *.yml/*.yaml under
// `<rocketmqHome>/conf/acl/` (recursively, sorted; the default file last, as Java appends it).
// Reload: every watchIntervalMs (RocketMQ's AclFileWatchService: 5 s) the files' names and
// contents are compared with the last load; any change reloads everything. A load that fails
// (YAML error, bad pattern, short key) keeps the last good snapshot and records the error as
// "file:line: reason"; the broker refuses to start on a bad file, as RocketMQ does.
// Invariant: `snapshot` always comes from one successful load of all files, or is empty.
// Disk and timers only through the Env.
import type { Env, Log, TimerHandle } from "../env/env.ts";
import { assert } from "../stdx/assert.ts";
import { AclException } from "./acl_exception.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { checkResourcePerms } from "./permission.ts";
import type { AclSnapshot } from "./plain_permission_manager.ts";
import { buildAclSnapshot, checkPlainAccessConfig, checkRequest } from "./plain_permission_manager.ts";
import type { PlainAccessConfig, PlainAclFile } from "./plain_acl_file.ts";
import { AclFileError, parsePlainAclFile, stringifyPlainAclFile } from "./plain_acl_file.ts";

/** AclFileWatchService.WATCH_INTERVAL. */
export const ACL_WATCH_INTERVAL_MS_DEFAULT = 5_000;
/** Bound on the files one load reads. */
export const ACL_FILES_MAX = 256;

export interface AclStoreOptions {
  rocketmqHome: string;
  watchIntervalMs?: number;
}

export type AccountUpdate = Omit<PlainAccessConfig, "line">;

const textDecoder = new TextDecoder("utf-8", { fatal: false });
const textEncoder = new TextEncoder();

function emptySnapshot(): AclSnapshot {
  return { globalWhiteRemoteAddresses: [], accounts: new Map(), files: [] };
}

export class PlainAclStore {
  readonly defaultFile: string;
  readonly aclDir: string;
  private readonly log: Log;
  private readonly watchIntervalMs: number;
  private current: AclSnapshot = emptySnapshot();
  private contents = new Map<string, string>();
  private error: AclFileError | undefined;
  private timer: TimerHandle | undefined;
  private loads = 0;

  constructor(private readonly env: Env, options: AclStoreOptions) {
    const home = options.rocketmqHome.replace(/\/+$/, "");
    this.defaultFile = `${home}/conf/plain_acl.yml`;
    this.aclDir = `${home}/conf/acl`;
    this.log = env.log.child({ component: "acl" });
    this.watchIntervalMs = options.watchIntervalMs ?? ACL_WATCH_INTERVAL_MS_DEFAULT;
    assert(this.watchIntervalMs > 0, "ACL watch interval must be positive");
  }

  get snapshot(): AclSnapshot {
    return this.current;
  }

  /** The last failed load's "file:line: reason", until a load succeeds. */
  get lastError(): AclFileError | undefined {
    return this.error;
  }

  /** Successful loads so far (tests and the lab watch reloads happen). */
  get loadCount(): number {
    return this.loads;
  }

  /** Loads every file; on failure keeps the last good snapshot and returns the error. */
  load(): AclFileError | undefined {
    const texts = this.readAll();
    try {
      const files = [...texts].map(([path, text]) => parsePlainAclFile(path, text));
      this.current = buildAclSnapshot(files);
    } catch (error) {
      if (!(error instanceof AclFileError)) throw error;
      this.contents = texts;
      this.error = error;
      this.log.error("ACL config rejected, keeping the last good one", { error: error.message });
      return error;
    }
    this.contents = texts;
    this.error = undefined;
    this.loads++;
    this.log.info("ACL config loaded", { files: [...texts.keys()], accounts: this.current.accounts.size });
    return undefined;
  }

  /**
   * PlainPermissionManager.assureAclConfigFilesExist: an empty plain_acl.yml is created at start
   * when missing, so UPDATE_GLOBAL_WHITE_ADDRS_CONFIG (53), which needs the file, works at once.
   */
  ensureDefaultFile(): void {
    if (this.env.disk.exists(this.defaultFile)) return;
    this.env.disk.mkdirs(this.defaultFile.slice(0, this.defaultFile.lastIndexOf("/")));
    this.env.disk.open(this.defaultFile, { create: true }).close();
  }

  /** Starts the watch timer. */
  start(): void {
    assert(this.timer === undefined, "ACL watch started twice");
    this.timer = this.env.timers.setInterval(() => this.reloadIfChanged(), this.watchIntervalMs);
  }

  stop(): void {
    this.env.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** Reloads when any file appeared, vanished or changed since the last attempt. */
  reloadIfChanged(): boolean {
    const texts = this.readAll();
    const same = texts.size === this.contents.size && [...texts].every(([path, text]) => this.contents.get(path) === text);
    if (same) return false;
    this.load();
    return true;
  }

  /** The server request hook: undefined = allowed, else the SYSTEM_ERROR remark. */
  check(remoteAddress: string, request: RemotingCommand): string | undefined {
    return checkRequest(this.current, remoteAddress, request);
  }

  /** Data version of each loaded file (GET_BROKER_CLUSTER_ACL_INFO). */
  dataVersions(): Map<string, { counter: number; timestamp: number }> {
    const versions = new Map<string, { counter: number; timestamp: number }>();
    for (const file of this.current.files) versions.set(file.path, file.dataVersion ?? { counter: 0, timestamp: 0 });
    return versions;
  }

  /** UPDATE_AND_CREATE_ACL_CONFIG: throws AclException with RocketMQ's text on a bad config. */
  async updateAccessConfig(update: AccountUpdate): Promise<void> {
    const invalid = checkPlainAccessConfig(update);
    if (invalid !== null) throw new AclException(invalid, undefined);
    checkResourcePerms(update.topicPerms);
    checkResourcePerms(update.groupPerms);
    const owner = this.current.accounts.get(update.accessKey)?.file ?? this.defaultFile;
    await this.rewrite(owner, (file) => {
      const index = file.accounts.findIndex((account) => account.accessKey === update.accessKey);
      if (index < 0) {
        file.accounts.push({ ...update, line: 0 });
        return true;
      }
      // createAclAccessConfigMap: given fields overwrite, absent ones keep the file's value.
      const old = file.accounts[index]!;
      file.accounts.splice(index, 1);
      file.accounts.push({
        accessKey: update.accessKey,
        secretKey: update.secretKey === "" ? old.secretKey : update.secretKey,
        whiteRemoteAddress: update.whiteRemoteAddress ?? old.whiteRemoteAddress,
        admin: update.admin,
        defaultTopicPerm: update.defaultTopicPerm ?? old.defaultTopicPerm,
        defaultGroupPerm: update.defaultGroupPerm ?? old.defaultGroupPerm,
        topicPerms: update.topicPerms ?? old.topicPerms,
        groupPerms: update.groupPerms ?? old.groupPerms,
        line: 0,
      });
      return true;
    });
  }

  /** DELETE_ACL_CONFIG: false when the key is unknown. */
  async deleteAccessConfig(accessKey: string): Promise<boolean> {
    const owner = this.current.accounts.get(accessKey)?.file;
    if (accessKey === "" || owner === undefined) return false;
    return this.rewrite(owner, (file) => {
      const before = file.accounts.length;
      file.accounts = file.accounts.filter((account) => account.accessKey !== accessKey);
      return file.accounts.length < before;
    });
  }

  /** UPDATE_GLOBAL_WHITE_ADDRS_CONFIG: the file must exist under rocketmqHome (default: plain_acl.yml). */
  async updateGlobalWhiteAddrs(addresses: readonly string[], fileName: string | undefined): Promise<boolean> {
    const path = fileName === undefined || fileName === "" ? this.defaultFile : fileName;
    const home = this.defaultFile.slice(0, -"/conf/plain_acl.yml".length);
    if (!path.startsWith(home) || this.env.disk.readFile(path) === undefined) return false;
    return this.rewrite(path, (file) => {
      file.globalWhiteRemoteAddresses = addresses.map((pattern) => ({ pattern, line: 0 }));
      return true;
    });
  }

  /** Applies an edit to one file, bumps its dataVersion, writes it atomically and reloads. */
  private async rewrite(path: string, edit: (file: PlainAclFile) => boolean): Promise<boolean> {
    const bytes = this.env.disk.readFile(path);
    const file = parsePlainAclFile(path, bytes === undefined ? "" : textDecoder.decode(bytes));
    if (!edit(file)) return false;
    const version = { counter: (file.dataVersion?.counter ?? 0) + 1, timestamp: this.env.clock.nowMs() };
    const text = stringifyPlainAclFile({
      globalWhiteRemoteAddresses: file.globalWhiteRemoteAddresses.map((white) => white.pattern),
      accounts: file.accounts,
      dataVersion: version,
    });
    this.env.disk.mkdirs(path.slice(0, path.lastIndexOf("/")));
    await this.env.disk.writeFileAtomic(path, textEncoder.encode(text));
    const error = this.load();
    if (error !== undefined) throw new AclException(error.message, undefined);
    return true;
  }

  private listYaml(dir: string, out: string[], depth: number): void {
    if (depth > 8) return;
    let names: string[];
    try {
      names = this.env.disk.list(dir);
    } catch {
      return; // not a directory (a stray non-YAML file): RocketMQ skips it too
    }
    for (const name of names) {
      const path = `${dir}/${name}`;
      if (name.endsWith(".yml") || name.endsWith(".yaml")) out.push(path);
      else this.listYaml(path, out, depth + 1);
      if (out.length >= ACL_FILES_MAX) return; // bounded: the rest are not read
    }
  }

  /** Path → text of every ACL file, in load order (acl dir sorted, default file last). */
  private readAll(): Map<string, string> {
    const paths: string[] = [];
    this.listYaml(this.aclDir, paths, 0);
    if (!paths.includes(this.defaultFile)) paths.push(this.defaultFile);
    const texts = new Map<string, string>();
    for (const path of paths) {
      const bytes = this.env.disk.readFile(path);
      if (bytes !== undefined) texts.set(path, textDecoder.decode(bytes));
    }
    return texts;
  }
}
