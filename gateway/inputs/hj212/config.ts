import { z } from 'zod';
import { DeviceIdSchema, PollutantCodeSchema } from '../../model/reading.js';

/**
 * HJ 212-2017 §6.3.2 Table 3 / domain.md §1.2: MN is 24 hex characters, but loggers in the field send
 * 5..24 characters (e.g. `MN=000101`), so any 1..24 printable characters without the separators.
 */
export const MnSchema = z.string().regex(/^[^;,=&\s]{1,24}$/, 'MN: 1..24 characters, no ; , = & or spaces');
/** PW: 6 characters in the standard, 24 seen in the field (domain.md §1.2) */
export const PwSchema = z.string().regex(/^[^;,=&\s]{1,24}$/, 'PW: 1..24 characters, no ; , = & or spaces');

/**
 * The numbers below (3 intervals, 1 h chunks, 120 s) are the park's choice: HJ 212-2017 defines the history
 * commands but not when a platform should ask for them (not verified against any standard).
 * 补传: when a logger's data has a gap, ask it for the span with the history commands (HJ 212-2017 Table 9: 2011/2051/2061 with BeginTime/EndTime). */
export const Hj212BackfillSchema = z.object({
  enabled: z.boolean().default(true),
  /** a gap is a silence (reconnect, or a jump in DataTime of real-time data) longer than this many real-time intervals */
  gapIntervals: z.number().int().min(2).max(1000).default(3),
  /** one request covers at most this span (ms); the next chunk is asked for after 9012 or the timeout */
  chunkMs: z.number().int().min(60_000).max(86_400_000).default(3_600_000),
  /** gaps older than this are not asked for (the lateness horizon: registry `lateness`) */
  horizonMs: z.number().int().positive().default(7 * 86_400_000),
  /** the command asked for: real-time (2011) gives the processor every value; minute (2051) or hour (2061) data are stored as the logger's own means */
  cn: z.enum(['2011', '2051', '2061']).default('2011'),
  /** a request not ended by 9012 within this long is taken as done (ExeRtn 4: communication timeout) and the next one sent */
  timeoutMs: z.number().int().positive().default(120_000),
});
export type Hj212Backfill = z.infer<typeof Hj212BackfillSchema>;

/**
 * A data logger (数采仪) that connects to the gateway's HJ 212 listener and reports for its site.
 * Identified by MN, checked against PW (HJ 212-2017 §6.3.2): the hash of its PW is in the secrets file.
 */
export const Hj212DeviceSchema = z.object({
  kind: z.literal('hj212'),
  id: DeviceIdSchema,
  mn: MnSchema,
  /**
   * Never here (issue 11: secrets are never plain text at rest): the logger's PW is checked against its
   * hash in the secrets file, hj212.loggers.<MN>. A registry that still has one is refused at start.
   */
  pw: z.never('a logger PW does not belong in the registry: put its hash in the secrets file (hj212.loggers.<MN>, `npm run credentials`)').optional(),
  /** HJ 212 system code the logger sends (Table 5): 32 wastewater source, 22 air quality, 27 VOC, 31 air source */
  st: z.string().regex(/^[0-9A-Z]{2}$/).default('32'),
  /** the pollutant codes it reports (park codes); a factor outside them is dead-lettered ('unknown-factor') */
  channels: z.array(PollutantCodeSchema).min(1),
  /** factor code as the logger sends it → park pollutant code, where they differ (default: the same HJ 212-2017 code) */
  factors: z.record(z.string().regex(/^[A-Za-z0-9]{1,12}$/), PollutantCodeSchema).default({}),
  /** real-time data interval (RtdInterval, Table 4: 30..3600 s): offline and gap detection */
  intervalMs: z.number().int().min(1000).default(30_000),
  backfill: Hj212BackfillSchema.prefault({}),
});
export type Hj212Device = z.infer<typeof Hj212DeviceSchema>;

/** Park-level HJ 212 listener. Only loopback by default; port 0 takes any free port (tests). `HJ212_PORT` overrides the port. */
export const Hj212InputConfigSchema = z.object({
  host: z.string().default('127.0.0.1'),
  /** the standard names no port; 9212 is the park's choice */
  port: z.number().int().min(0).max(65535).default(9212),
  /** a connection is closed after this many refused packets (unknown MN, wrong PW); the standard sets no number: park's choice */
  maxRefusals: z.number().int().min(1).default(3),
  /** frames above this many bytes are garbage (HJ 212-2017 §6.3.1: data segment 0..9999 bytes) */
  maxFrameBytes: z.number().int().min(64).max(10_015).default(10_015),
  /** parts of a split packet (PNUM/PNO) not completed within this long are dropped and dead-lettered */
  reassemblyTimeoutMs: z.number().int().positive().default(120_000),
  /** a connection that sends nothing for this long is closed (the logger reconnects); park's choice, 20 × the default 30 s RtdInterval */
  idleTimeoutMs: z.number().int().positive().default(600_000),
});
export type Hj212InputConfig = z.infer<typeof Hj212InputConfigSchema>;
