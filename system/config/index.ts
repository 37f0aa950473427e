// Public API of system/config: broker.conf parsing and validation (the lab writes and checks the
// same files the CLI reads) and the properties reader under it.
export { brokerConfigKeys, parseBrokerConfig, validateBrokerConfig } from "./broker_config.ts";
export { parseProperties } from "./properties.ts";
