// Deliberate NameServer faults for the lab (see system/broker/test_faults.ts, which gathers
// every role's switches): off by default, set only by a test or a lab scenario, never from
// the NameServer's properties.
//
// - namesrvKeepsClosedBroker: a closed broker channel does not remove the broker's routes (as if
//   the channel-close listener were never registered); the broker lingers until the liveness
//   scan expires it (brokerChannelExpiredTime, 120 s). The route freshness checker's bug:
//   clients keep being told to use a broker whose connection closed long ago.
export interface NamesrvTestFaults {
  namesrvKeepsClosedBroker?: boolean;
}
