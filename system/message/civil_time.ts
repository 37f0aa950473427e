// UTC calendar arithmetic on epoch milliseconds, without Date (system/ may not touch it).
// Used for UNIQ_KEY (ms since the start of the month), index file names (yyyyMMddHHmmssSSS)
// and the store's deleteWhen hours. Java uses the JVM's local zone; mqlab uses UTC everywhere
// so that one seed gives one history whatever the machine's zone.
// Algorithms: Howard Hinnant's days_from_civil / civil_from_days.

const MS_PER_DAY = 86_400_000;

export interface CivilTime {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromMs(epochMs: number): CivilTime {
  const days = Math.floor(epochMs / MS_PER_DAY);
  const msOfDay = epochMs - days * MS_PER_DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {
    year, month, day,
    hour: Math.floor(msOfDay / 3_600_000),
    minute: Math.floor(msOfDay / 60_000) % 60,
    second: Math.floor(msOfDay / 1000) % 60,
    millisecond: msOfDay % 1000,
  };
}

export function msFromCivil(time: CivilTime): number {
  return daysFromCivil(time.year, time.month, time.day) * MS_PER_DAY
    + time.hour * 3_600_000 + time.minute * 60_000 + time.second * 1000 + time.millisecond;
}

/** Epoch ms of 00:00:00.000 UTC on the first day of the month holding epochMs. */
export function utcMonthStartMs(epochMs: number): number {
  const civil = civilFromMs(epochMs);
  return daysFromCivil(civil.year, civil.month, 1) * MS_PER_DAY;
}

/** Epoch ms of the start of the month after the one holding epochMs. */
export function utcNextMonthStartMs(epochMs: number): number {
  const civil = civilFromMs(epochMs);
  const year = civil.month === 12 ? civil.year + 1 : civil.year;
  const month = civil.month === 12 ? 1 : civil.month + 1;
  return daysFromCivil(year, month, 1) * MS_PER_DAY;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** yyyyMMddHHmmssSSS in UTC (RocketMQ's UtilAll.timeMillisToHumanString, index file names). */
export function compactUtcTimestamp(epochMs: number): string {
  const c = civilFromMs(epochMs);
  return pad(c.year, 4) + pad(c.month, 2) + pad(c.day, 2) + pad(c.hour, 2) + pad(c.minute, 2)
    + pad(c.second, 2) + pad(c.millisecond, 3);
}

/** UTC hour of day (0..23). */
export function utcHourOfDay(epochMs: number): number {
  return civilFromMs(epochMs).hour;
}
