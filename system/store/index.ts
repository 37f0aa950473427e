// Public API of system/store: RocketMQ's storage engine over env.disk.

export { DefaultMessageStore } from "./message_store.ts";
export { defaultStoreConfig } from "./store_config.ts";
export type { StoreConfig } from "./store_config.ts";
