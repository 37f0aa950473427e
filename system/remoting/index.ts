// Public API of the remoting layer: codec, command, codes, client, server.
export * from "./remoting_errors.ts";
export * from "./remoting_command.ts";
export * from "./request_code.ts";
export * from "./response_code.ts";
export { encodeFrame, decodeFramePayload } from "./command_codec.ts";
export { FrameDecoder } from "./frame_decoder.ts";
export type { RemotingChannel } from "./remoting_channel.ts";
export type { RequestContext, RequestProcessor } from "./request_dispatcher.ts";
export { RemotingServer } from "./remoting_server.ts";
export { RemotingClient } from "./remoting_client.ts";
