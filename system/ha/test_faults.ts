// Deliberate replication faults for the lab (see system/broker/test_faults.ts, which gathers
// every role's switches): off by default, set only by a test or a lab scenario, never from
// broker.conf. The HA layer reads them through a getter, so a test can flip them at run time.
//
// - slaveCorruptsReplica: the slave flips one byte (the body CRC field of the record the frame
//   starts with) in every Nth frame that starts on a record boundary before appending it
//   (0 = off). Its commit log is then no longer a byte-identical prefix of the master's: the
//   replica consistency checker's bug; nothing else notices while the slave runs.
// - syncMasterAcksEarly: a SYNC_MASTER answers PUT_OK (SEND_OK) at once instead of waiting for
//   the slave (it still pushes), also when no slave is connected (instead of SLAVE_NOT_AVAILABLE):
//   SEND_OK then claims a replica that does not exist. The send-status checker's bug (SEND_OK
//   while the slave is down); loss counts alone do not show it (see chaos/check/broken.ts).
// - slaveSkipsOffsetSync: the slave's SlaveSynchronize fetches the master's consumer offsets
//   but never applies them (the other three steps still run), so its offset table holds only
//   what consumers committed to it while their master was away. Invisible while the master
//   lives; consumers that come up while it is down read their offsets from the slave and
//   replay from far behind: the duplicates checker's replay-depth bound.
export interface HATestFaults {
  slaveCorruptsReplica?: number;
  syncMasterAcksEarly?: boolean;
  slaveSkipsOffsetSync?: boolean;
}

export type HATestFaultsSource = () => HATestFaults;

export const noHATestFaults: HATestFaultsSource = () => ({});
