// Topic and broker permission bits [common/.../constant/PermName.java]. A topic's perm and the
// broker's brokerPermission use the same bits: 4 read, 2 write, 1 inherit (auto-create
// templates such as TBW102), 8 priority. Normal topics are 6 (read + write).

export const PermName = {
  PERM_PRIORITY: 0x1 << 3,
  PERM_READ: 0x1 << 2,
  PERM_WRITE: 0x1 << 1,
  PERM_INHERIT: 0x1,
} as const;

export function isReadable(perm: number): boolean {
  return (perm & PermName.PERM_READ) === PermName.PERM_READ;
}

export function isWriteable(perm: number): boolean {
  return (perm & PermName.PERM_WRITE) === PermName.PERM_WRITE;
}

export function isInherited(perm: number): boolean {
  return (perm & PermName.PERM_INHERIT) === PermName.PERM_INHERIT;
}

/** "RWX" style rendering used in RocketMQ's log lines and error remarks. */
export function perm2String(perm: number): string {
  return (isReadable(perm) ? "R" : "-") + (isWriteable(perm) ? "W" : "-") + (isInherited(perm) ? "X" : "-");
}
