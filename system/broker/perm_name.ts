// Topic and broker permission bits [common/.../constant/PermName.java], under the names the
// broker's Java sources use. A topic's perm and the broker's brokerPermission use the same bits:
// 4 read, 2 write, 1 inherit (auto-create templates such as TBW102), 8 priority. Normal topics
// are 6 (read + write). The bits and their checks live in the protocol layer (one copy; its
// permToString is PermName.perm2String).
import { Perm } from "../protocol/topic_config.ts";

export { isInherited, isReadable, isWriteable } from "../protocol/topic_config.ts";

export const PermName = {
  PERM_PRIORITY: Perm.PRIORITY,
  PERM_READ: Perm.READ,
  PERM_WRITE: Perm.WRITE,
  PERM_INHERIT: Perm.INHERIT,
} as const;
