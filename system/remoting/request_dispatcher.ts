// Routes incoming requests (client→server, or server→client on a client's connection) to one
// processor per request code, and turns the outcome into a response the way RocketMQ's
// NettyRemotingAbstract.processRequestCommand does:
// - unknown code → REQUEST_CODE_NOT_SUPPORTED (3), remark " request type N not supported",
//   JSON header (the server default);
// - processor throws or rejects → SYSTEM_ERROR (1), remark = the error text;
// - oneway requests never get a reply; a processor returning undefined sends nothing.
// A processor may return a promise that settles much later (long polling); the dispatcher never
// waits for it before handling the next request.
import type { Log } from "../env/env.ts";
import type { IncomingRequests, RemotingChannel, ResponseSink } from "./remoting_channel.ts";
import type { RemotingCommand } from "./remoting_command.ts";
import { createResponse, FLAG_RESPONSE, isOneway, SerializeType } from "./remoting_command.ts";
import { requestCodeName } from "./request_code.ts";
import { ResponseCode } from "./response_code.ts";
import { errorText } from "../stdx/error_text.ts";

export interface RequestContext {
  /** The connection the request came in on; lets a processor call back the peer. */
  readonly channel: RemotingChannel;
}

export type RequestProcessor = (
  context: RequestContext,
  request: RemotingCommand,
) => Promise<RemotingCommand | undefined> | RemotingCommand | undefined;

/**
 * Runs before a request's processor (RocketMQ's server RPCHook.doBeforeRequest, e.g. the ACL
 * validator): returns undefined to let the request through, or the remark of the SYSTEM_ERROR
 * (1) response that replaces the processor's — the processor never sees a rejected request.
 */
export type RequestHook = (remoteAddress: string, request: RemotingCommand) => string | undefined;

export class RequestDispatcher implements IncomingRequests {
  private readonly processors = new Map<number, RequestProcessor>();
  private defaultProcessor: RequestProcessor | undefined;
  private readonly requestHooks: RequestHook[] = [];

  constructor(private readonly log: Log) {}

  registerProcessor(code: number, processor: RequestProcessor): void {
    this.processors.set(code, processor);
  }

  /** Handles every code without its own processor (RocketMQ's AdminBrokerProcessor style). */
  registerDefaultProcessor(processor: RequestProcessor): void {
    this.defaultProcessor = processor;
  }

  /** Hooks run in registration order for every request that has a processor (as in Java). */
  registerRequestHook(hook: RequestHook): void {
    this.requestHooks.push(hook);
  }

  dispatch(sink: ResponseSink, request: RemotingCommand): void {
    const processor = this.processors.get(request.code) ?? this.defaultProcessor;
    if (processor === undefined) {
      this.log.warn("request code not supported", {
        code: request.code,
        remoteAddress: sink.channel.remoteAddress,
      });
      if (isOneway(request)) return;
      const response = createResponse(
        request,
        ResponseCode.REQUEST_CODE_NOT_SUPPORTED,
        ` request type ${request.code} not supported`,
      );
      response.serializeType = SerializeType.JSON;
      sink.sendResponse(response);
      return;
    }
    if (this.rejectedByHook(sink, request)) return;
    this.run(processor, sink, request);
  }

  private rejectedByHook(sink: ResponseSink, request: RemotingCommand): boolean {
    for (const hook of this.requestHooks) {
      const remark = hook(sink.channel.remoteAddress, request);
      if (remark === undefined) continue;
      this.log.warn("request rejected before its processor", {
        code: requestCodeName(request.code),
        remoteAddress: sink.channel.remoteAddress,
        remark,
      });
      if (!isOneway(request)) sink.sendResponse(createResponse(request, ResponseCode.SYSTEM_ERROR, remark));
      return true;
    }
    return false;
  }

  /**
   * Runs the processor and answers. Not async: a processor that answers at once is answered at
   * once, a promise is followed with one then(), and no async wrapper adds promise turns to
   * every request.
   */
  private run(processor: RequestProcessor, sink: ResponseSink, request: RemotingCommand): void {
    let outcome: ReturnType<RequestProcessor>;
    try {
      outcome = processor({ channel: sink.channel }, request);
    } catch (error) {
      this.fail(sink, request, error);
      return;
    }
    if (outcome instanceof Promise) {
      outcome.then((response) => this.answer(sink, request, response), (error: unknown) => this.fail(sink, request, error));
    } else {
      this.answer(sink, request, outcome);
    }
  }

  private answer(sink: ResponseSink, request: RemotingCommand, response: RemotingCommand | undefined): void {
    if (isOneway(request) || response === undefined) return;
    sink.sendResponse(response, request.opaque, response.flag | FLAG_RESPONSE, request.serializeType);
  }

  private fail(sink: ResponseSink, request: RemotingCommand, error: unknown): void {
    const text = errorText(error);
    this.log.warn("request processor failed", {
      code: requestCodeName(request.code),
      remoteAddress: sink.channel.remoteAddress,
      error: text,
    });
    if (!isOneway(request)) sink.sendResponse(createResponse(request, ResponseCode.SYSTEM_ERROR, text));
  }
}
