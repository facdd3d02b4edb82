import type { PatrolPeriod } from './periods.js';

/** One factor of one site over the period: readings against the limit that judges it. */
export interface FactorRow {
  /** HJ 212 code */
  pollutant: string;
  nameZh: string;
  unit: string;
  /** values received in the period, any flag */
  received: number;
  /** values that count (flag N, HJ 212-2017 Table 8; as processor/means) */
  valid: number;
  /** over the valid values; absent without any */
  min?: number;
  mean?: number;
  max?: number;
  /** the limit of the site's exceedance-level rule on the factor (enterprise's own limit applied) */
  limit?: { min?: number; max?: number; standard: string };
  /** valid values beyond the exceedance-level limit */
  exceedances: number;
  /** valid values beyond a warning- or control-level threshold but within the limit */
  warnings: number;
  /** at least two valid values and all equal */
  flatlined: boolean;
}

export interface DeviceRow {
  device: string;
  /** values expected in the period: one per channel per interval (the channel's cycle, else the device's interval) */
  expected: number;
  received: number;
  /** received / expected, %, at most 100 */
  completeness: number;
  /** share of onlineBucketMs buckets with at least one reading, % */
  online: number;
  /** no reading in the last offlineIntervals intervals of the period */
  offline: boolean;
  /** last reading time in the period, epoch ms */
  lastAt?: number;
}

export interface SiteSheet {
  site: string;
  name: string;
  kind: string;
  enterprise?: string;
  enterpriseName?: string;
  officer: string;
  expected: number;
  received: number;
  completeness: number;
  /** mean of the devices' online % */
  online: number;
  devices: DeviceRow[];
  factors: FactorRow[];
  exceedances: number;
  warnings: number;
  /** tickets opened in the period */
  ticketsOpened: string[];
  /** tickets opened before the period's end and not closed when the sheet was made */
  ticketsOpen: string[];
  /** last w99002 (valve state) reading of the period: 1 open, 0 shut; absent without a valve channel */
  valve?: { value: number; at: number };
  offlineDevices: string[];
  flatlinedFactors: string[];
  /** a site with a camera (rain outlets): the snapshot taken when the sheet was made, or why there is none */
  snapshot?: SiteSnapshot;
}

/** the camera snapshot on a site's entry: served at `url` (GET, authorised like the sheet) */
export type SiteSnapshot =
  | { id: string; takenAt: number; bytes: number; sha256: string; url: string }
  | { failed: 'timeout' | 'http-status' | 'not-jpeg' | 'network' | 'too-large' | 'busy' | 'store'; detail: string; at: number };

export interface OfficerPart {
  officer: string;
  name: string;
  /** their enterprises first (registry order), each with its sites */
  enterprises: { id: string; name: string; sites: string[] }[];
  /** then the sites they answer for without an enterprise (public rain outlets) */
  sites: string[];
}

export interface PatrolSheet {
  /** P-YYYYMMDD-HHMM (period end, park-local) */
  id: string;
  period: PatrolPeriod;
  producedAt: number;
  /** sign-off is due by then; later the section chief is alerted */
  dueAt: number;
  timezone: string;
  sites: SiteSheet[];
  officers: OfficerPart[];
}

export interface SignOff {
  sheet: string;
  officer: string;
  /** the principal who signed (username) */
  by: string;
  at: number;
  /** site id → remark */
  remarks: Record<string, string>;
  /** 1 for the first sign-off of the part, n + 1 after n reopenings */
  revision: number;
}

/** a sign-off a chief reopened: kept in the history, never overwritten */
export interface Reopened extends SignOff {
  reopenedBy: string;
  reopenedAt: number;
  reason: string;
}

/** a sheet not signed off in time by an officer: what the alerts module sends to the section chief */
export interface PatrolOverdue {
  /** `patrol:${sheet}|${officer}|overdue`: the de-duplication key */
  key: string;
  kind: 'patrol-overdue';
  sheet: string;
  officer: string;
  officerName: string;
  dueAt: number;
  /** when the lapse was found (scheduler time) */
  at: number;
  chief?: { name: string; mobile?: string; wecomUserId?: string };
  /** Chinese message for the chief */
  text: string;
}
