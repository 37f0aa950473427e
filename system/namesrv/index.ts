// Public API of the namesrv.
export { NamesrvController } from "./namesrv_controller.ts";
export { defaultNamesrvConfig, namesrvConfigFromProperties, namesrvConfigKeys } from "./namesrv_config.ts";
