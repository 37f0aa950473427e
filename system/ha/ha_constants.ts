// Limits and fixed sizes of master→slave replication (RocketMQ 4.x HAService/HAConnection), in
// one place, with their relations checked when the module loads.
import { assert } from "../stdx/assert.ts";

/** slave → master: one big-endian long, the slave's max commit-log offset. */
export const REPORT_SIZE_BYTES = 8;
/** master → slave: [physical offset 8][body size 4] before every body (size 0 = heartbeat). */
export const TRANSFER_HEADER_SIZE_BYTES = 12;
/** Largest frame body a slave accepts (RocketMQ's HAClient reads into a 4 MiB buffer). */
export const TRANSFER_BODY_BYTES_MAX = 4 * 1024 * 1024 - TRANSFER_HEADER_SIZE_BYTES;
/** The master stops pushing while this much is still queued on a slave's socket. */
export const PENDING_WRITE_BYTES_MAX = 1024 * 1024;
/** Back-pressure retry: starts at min, doubles up to max (then the service tick takes over). */
export const PUMP_RETRY_MS_MIN = 1;
export const PUMP_RETRY_MS_MAX = 64;
/** Master write loop: RocketMQ's WriteSocketService waits 100 ms for new data when idle. */
export const MASTER_POLL_MS = 100;
/** Service ticks never sleep longer than this (RocketMQ's selectors wake every second). */
export const TICK_MS_MAX = 1000;
/** Slave reconnect backoff: first retry after min, doubling up to max (RocketMQ waits 5 s). */
export const RECONNECT_MS_MIN = 1000;
export const RECONNECT_MS_MAX = 5000;
export const CONNECT_TIMEOUT_MS = 3000;
/** SlaveSynchronize: first round after this (RocketMQ: 3 s), then every slaveSyncIntervalMs. */
export const SLAVE_SYNC_FIRST_DELAY_MS = 3000;
/** Pending SYNC_MASTER replication waits; beyond this a put is answered FLUSH_SLAVE_TIMEOUT at once. */
export const REPLICATION_WAITERS_MAX = 1_000_000;

assert(TRANSFER_BODY_BYTES_MAX > 32 * 1024, "a slave accepts RocketMQ's default 32 KiB batches");
assert(PENDING_WRITE_BYTES_MAX >= TRANSFER_HEADER_SIZE_BYTES + 32 * 1024, "at least one default batch may be in flight");
assert(PUMP_RETRY_MS_MIN <= PUMP_RETRY_MS_MAX && PUMP_RETRY_MS_MAX <= MASTER_POLL_MS, "back-pressure retries stay below the poll");
assert(RECONNECT_MS_MIN <= RECONNECT_MS_MAX, "reconnect backoff grows");
