// The broker's ACL wiring (RocketMQ 4.9 BrokerController.initialAcl + AdminBrokerProcessor's
// ACL codes). With aclEnable=true every request with a processor first passes the
// PlainAclStore check (a server request hook: a rejected request never reaches its processor,
// so nothing is stored); the files are loaded before the broker listens and watched afterwards.
// Admin codes 50–53 edit or read the files. As in 4.9.8 they are NOT admin-only codes: any
// account whose signature checks out may call them. With aclEnable=false they fail the way
// 4.9.8 does (its validator map is empty): 50/51/53 answer their *_FAILED code with no remark,
// 52 never answers.
import type { Env } from "../env/env.ts";
import type { RemotingServer } from "../remoting/remoting_server.ts";
import type { RemotingCommand } from "../remoting/remoting_command.ts";
import { createResponse } from "../remoting/remoting_command.ts";
import { RequestCode } from "../remoting/request_code.ts";
import { ResponseCode } from "../remoting/response_code.ts";
import { stringifyFastjson } from "../protocol/fastjson.ts";
import { AclException } from "./acl_exception.ts";
import { PlainAclStore } from "./plain_acl_store.ts";
import type { AccountUpdate } from "./plain_acl_store.ts";

export interface BrokerAclOptions {
  aclEnable: boolean;
  rocketmqHome: string;
  watchIntervalMs?: number;
  /** brokerAddr, brokerName, clusterName for GET_BROKER_CLUSTER_ACL_INFO. */
  identity: () => { brokerAddr: string; brokerName: string; clusterName: string };
}

export class AclStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AclStartError";
  }
}

function requiredField(request: RemotingCommand, field: string): string {
  const value = request.extFields[field];
  if (value === undefined) throw new Error(`the custom field <${field}> is null`);
  return value;
}

/** UtilAll.split(str, ","): undefined stays undefined. */
function splitList(text: string | undefined): string[] | undefined {
  return text === undefined ? undefined : text.split(",");
}

function messageOf(error: unknown): string | undefined {
  if (error instanceof AclException) return error.message;
  if (error instanceof Error) return error.message;
  return undefined;
}

export class BrokerAcl {
  readonly store: PlainAclStore | undefined;

  constructor(env: Env, private readonly options: BrokerAclOptions) {
    this.store = options.aclEnable
      ? new PlainAclStore(env, { rocketmqHome: options.rocketmqHome, ...(options.watchIntervalMs === undefined ? {} : { watchIntervalMs: options.watchIntervalMs }) })
      : undefined;
  }

  get enabled(): boolean {
    return this.store !== undefined;
  }

  /** Loads the files; a bad file stops the broker from starting (as RocketMQ's constructor throws). */
  load(): void {
    this.store?.ensureDefaultFile();
    const error = this.store?.load();
    if (error !== undefined) throw new AclStartError(`ACL config is invalid: ${error.message}`, { cause: error });
  }

  /** Puts the check in front of the server's processors and registers the ACL admin codes. */
  attach(server: RemotingServer): void {
    const store = this.store;
    if (store !== undefined) server.registerRequestHook((remoteAddress, request) => store.check(remoteAddress, request));
    server.registerProcessor(RequestCode.UPDATE_AND_CREATE_ACL_CONFIG, (_context, request) => this.updateAccessConfig(request));
    server.registerProcessor(RequestCode.DELETE_ACL_CONFIG, (_context, request) => this.deleteAccessConfig(request));
    server.registerProcessor(RequestCode.GET_BROKER_CLUSTER_ACL_INFO, (_context, request) => this.aclInfo(request));
    server.registerProcessor(RequestCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG, (_context, request) => this.updateGlobalWhiteAddrs(request));
  }

  start(): void {
    this.store?.start();
  }

  shutdown(): void {
    this.store?.stop();
  }

  private async updateAccessConfig(request: RemotingCommand): Promise<RemotingCommand> {
    const accessKey = requiredField(request, "accessKey");
    const fields = request.extFields;
    const update: AccountUpdate = {
      accessKey,
      secretKey: fields["secretKey"] ?? "",
      whiteRemoteAddress: fields["whiteRemoteAddress"],
      admin: fields["admin"] === "true",
      defaultTopicPerm: fields["defaultTopicPerm"],
      defaultGroupPerm: fields["defaultGroupPerm"],
      topicPerms: splitList(fields["topicPerms"]),
      groupPerms: splitList(fields["groupPerms"]),
    };
    try {
      if (this.store === undefined) return createResponse(request, ResponseCode.UPDATE_AND_CREATE_ACL_CONFIG_FAILED);
      await this.store.updateAccessConfig(update);
    } catch (error) {
      const text = messageOf(error);
      return createResponse(request, ResponseCode.UPDATE_AND_CREATE_ACL_CONFIG_FAILED, text);
    }
    return createResponse(request, ResponseCode.SUCCESS);
  }

  private async deleteAccessConfig(request: RemotingCommand): Promise<RemotingCommand> {
    const accessKey = requiredField(request, "accessKey");
    let deleted: boolean;
    try {
      if (this.store === undefined) return createResponse(request, ResponseCode.DELETE_ACL_CONFIG_FAILED);
      deleted = await this.store.deleteAccessConfig(accessKey);
    } catch (error) {
      return createResponse(request, ResponseCode.DELETE_ACL_CONFIG_FAILED, messageOf(error));
    }
    if (deleted) return createResponse(request, ResponseCode.SUCCESS);
    return createResponse(request, ResponseCode.DELETE_ACL_CONFIG_FAILED, `The accesskey[${accessKey}] corresponding to accessConfig has been deleted failed.`);
  }

  private async updateGlobalWhiteAddrs(request: RemotingCommand): Promise<RemotingCommand> {
    const addresses = requiredField(request, "globalWhiteAddrs");
    const fileName = requiredField(request, "aclFileFullPath");
    let updated: boolean;
    try {
      if (this.store === undefined) return createResponse(request, ResponseCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED);
      updated = await this.store.updateGlobalWhiteAddrs(addresses.split(","), fileName);
    } catch (error) {
      return createResponse(request, ResponseCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED, messageOf(error));
    }
    if (updated) return createResponse(request, ResponseCode.SUCCESS);
    return createResponse(request, ResponseCode.UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED, `The globalWhiteAddresses[${addresses}] has been updated failed.`);
  }

  /** GET_BROKER_CLUSTER_ACL_INFO: the default file's DataVersion and every file's. */
  private aclInfo(request: RemotingCommand): RemotingCommand | undefined {
    if (this.store === undefined) return undefined;
    const versions = this.store.dataVersions();
    const toJson = (version: { counter: number; timestamp: number } | undefined): Record<string, number> =>
      ({ counter: version?.counter ?? 0, stateVersion: 0, timestamp: version?.timestamp ?? 0 });
    const identity = this.options.identity();
    return createResponse(request, ResponseCode.SUCCESS, undefined, {
      version: stringifyFastjson(toJson(versions.get(this.store.defaultFile))),
      allAclFileVersion: stringifyFastjson(Object.fromEntries([...versions].map(([path, version]) => [path, toJson(version)]))),
      brokerAddr: identity.brokerAddr,
      brokerName: identity.brokerName,
      clusterName: identity.clusterName,
    });
  }
}
