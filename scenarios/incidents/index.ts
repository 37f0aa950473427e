// The incident library: every incident by name, in the library's order (issue 8's numbering).
// `mqlab incident list|show|run` and the incident tests read this registry; a pending incident
// is listed with its reason and never run by CI.
import type { Incident } from "../../chaos/incident_types.ts";
import { incident as asyncFlushPowerLoss } from "./async-flush-power-loss/index.ts";
import { incident as brokerCrashStaleRoutes } from "./broker-crash-stale-routes/index.ts";
import { incident as brokerPortFirewalled } from "./broker-port-firewalled/index.ts";
import { incident as consumerHeartbeatLoss } from "./consumer-heartbeat-loss/index.ts";
import { incident as heartbeatLossBrokerExpired } from "./heartbeat-loss-live-broker-expired/index.ts";
import { incident as masterDownNoPromotion } from "./master-down-no-promotion/index.ts";
import { incident as moreConsumersThanQueues } from "./more-consumers-than-queues/index.ts";
import { incident as slaveReadAfterAsyncCrash } from "./slave-read-after-async-crash/index.ts";
import { incident as registerBodyTooLarge } from "./register-body-too-large/index.ts";
import { incident as namesrvAddressList } from "./namesrv-address-list/index.ts";
import { incident as namesrvAllDown } from "./namesrv-all-down/index.ts";
import { incident as syncFlushReadUncommitted } from "./sync-flush-read-uncommitted/index.ts";
import { incident as aclAdminNoKeys } from "./acl-admin-no-keys/index.ts";
import { incident as brokerBusy } from "./broker-busy/index.ts";

export function allIncidents(): Incident[] {
  return [brokerPortFirewalled, brokerCrashStaleRoutes, heartbeatLossBrokerExpired, registerBodyTooLarge, asyncFlushPowerLoss, masterDownNoPromotion, consumerHeartbeatLoss, namesrvAllDown, slaveReadAfterAsyncCrash, moreConsumersThanQueues, namesrvAddressList, syncFlushReadUncommitted, aclAdminNoKeys, brokerBusy].sort((left, right) => left.number - right.number);
}

export function findIncident(name: string): Incident {
  const incidents = allIncidents();
  const byNumber = /^\d+$/.test(name) ? incidents.find((candidate) => candidate.number === Number(name)) : undefined;
  const found = byNumber ?? incidents.find((candidate) => candidate.name === name);
  if (found !== undefined) return found;
  const close = incidents.filter((candidate) => candidate.name.includes(name) || name.includes(candidate.name)).map((candidate) => candidate.name);
  throw new Error(`unknown incident "${name}"${close.length > 0 ? ` (did you mean: ${close.join(", ")}?)` : ""}; \`mqlab incident list\` shows all`);
}
