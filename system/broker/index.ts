// Public API of system/broker for the lab: the controller the simulator's nodes start and the
// test fault switches (--broken) scenarios carry. Only what a caller outside system/ uses.
export { BrokerController } from "./broker_controller.ts";
export type { BrokerTestFaults } from "./test_faults.ts";
