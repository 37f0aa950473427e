// Public API of system/broker for the lab: the controller the simulator's nodes start and the
// test fault switches (--broken) scenarios carry. Only what a caller outside system/ uses.
export { BrokerController, SHUTDOWN_AWAIT_TERMINATION_MS } from "./broker_controller.ts";
export { UNREGISTER_TIMEOUT_MS } from "./out/broker_outer_api.ts";
export type { BrokerTestFaults } from "./test_faults.ts";
/** The broker's orderly-queue lock lifetime (4.9.x rocketmq.broker.rebalance.lockMaxLiveTime): the lab's failover bound. */
export { REBALANCE_LOCK_MAX_LIVE_TIME_MS_DEFAULT } from "./client/rebalance_lock_manager.ts";
