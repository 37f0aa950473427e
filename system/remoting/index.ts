// Public API of the remoting layer: codec, command, codes, client, server.
export * from "./remoting_errors.ts";
export * from "./remoting_command.ts";
export * from "./request_code.ts";
export * from "./response_code.ts";
export { encodeFrame, decodeFramePayload, encodeHeader } from "./command_codec.ts";
export { FrameDecoder, FRAME_SIZE_MAX_DEFAULT } from "./frame_decoder.ts";
export type { FrameDecoderOptions } from "./frame_decoder.ts";
export type { RemotingChannel } from "./remoting_channel.ts";
export type { RequestContext, RequestProcessor } from "./request_dispatcher.ts";
export { RemotingServer, REQUEST_TABLE_MAX_DEFAULT } from "./remoting_server.ts";
export type { RemotingServerOptions, ChannelListener } from "./remoting_server.ts";
export { RemotingClient, CONNECT_TIMEOUT_MS_DEFAULT, parseAddress } from "./remoting_client.ts";
export type { RemotingClientOptions, InvokeCallback } from "./remoting_client.ts";
