// Public API of the protocol layer: typed headers, JSON bodies, fastjson compatibility.
export * from "./header_codec.ts";
export * from "./headers.ts";
export * from "./send_header.ts";
export * from "./fastjson.ts";
export * from "./topic_config.ts";
export * from "./register_broker_body.ts";
export * from "./route.ts";
export * from "./heartbeat.ts";
export * from "./message_queue.ts";
export * from "./admin_bodies.ts";
