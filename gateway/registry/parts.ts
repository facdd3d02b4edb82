// Every part of the park registry document; schema.ts adds the cross-reference checks (references.ts),
// which read the parts' types from here, so that neither file imports the other.
import { z } from 'zod';
import { ModbusDeviceSchema, ModbusInputConfigSchema } from '../inputs/modbus/config.js';
import { MqttDeviceSchema, MqttInputConfigSchema } from '../inputs/mqtt/config.js';
import { Hj212DeviceSchema, Hj212InputConfigSchema } from '../inputs/hj212/config.js';
import { PollutantCodeSchema } from '../model/reading.js';
import { TimestampBoundsSchema } from '../model/timestampBounds.js';
import { LatenessSchema, MeansSpecSchema } from './means.js';
import { LimitOverrideSchema, RuleSchema } from './rules.js';
import { AlertsConfigSchema } from './alerts.js';
import { AttributionConfigSchema, EmissionSchema } from './attribution.js';
import { CalibrationSchema } from './calibration.js';
import { CameraSchema } from './camera.js';
import { UpstreamSchema } from './upstream.js';
import { PatrolConfigSchema } from './patrol.js';

/** Site kinds; each is one InfluxDB measurement. Id prefixes: RO rain outlet, WP wastewater pipe, AQ air/VOC fence-line, WS weather. */
export const SiteKindSchema = z.enum(['rain_outlet', 'wastewater_pipe', 'air_fence', 'weather']);
export type SiteKind = z.infer<typeof SiteKindSchema>;
export const SITE_ID_PREFIX: Record<SiteKind, string> = {
  rain_outlet: 'RO',
  wastewater_pipe: 'WP',
  air_fence: 'AQ',
  weather: 'WS',
};

/** A monitoring factor: HJ 212-2017 Appendix B code, or an extension code agreed by the park (Appendix B tables are 可扩充). */
export const PollutantSchema = z.object({
  name: z.string(),
  nameZh: z.string(),
  unit: z.string(),
  /** physical range; values outside it are rejected as impossible, not judged against limits */
  min: z.number(),
  max: z.number(),
  extension: z.boolean().default(false),
});
export type Pollutant = z.infer<typeof PollutantSchema>;

const MobileSchema = z.string().regex(/^1\d{10}$/, 'an 11-digit mainland mobile number');

/** 包联干部: the officer responsible for a set of enterprises. */
export const OfficerSchema = z.object({
  id: z.string().regex(/^OF-\d{2}$/),
  name: z.string().min(1),
  mobile: z.string().regex(/^1\d{10}$/, 'an 11-digit mainland mobile number'),
  wecomUserId: z.string().optional(),
});
export type Officer = z.infer<typeof OfficerSchema>;

/**
 * Text written as an InfluxDB tag value (the enterprise name). InfluxDB 1.x line protocol escapes
 * comma, space and equals sign, but has no escape for a line break (it would split the point in two)
 * and reads a trailing backslash as escaping the next separator.
 */
export const TagTextSchema = z
  .string()
  .min(1)
  .regex(/^[^\r\n]*$/, 'no line breaks (InfluxDB line protocol cannot carry them in a tag value)')
  .refine((s) => !s.endsWith('\\'), 'must not end with a backslash (InfluxDB line protocol would read it as an escape)');

export const LocationSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const EnterpriseSchema = z.object({
  id: z.string().regex(/^E-\d{2}$/),
  name: TagTextSchema,
  officer: z.string(),
  /** 重点涉气企业 */
  keyAirEmitter: z.boolean().default(false),
  /** the enterprise's own intake limits (纳管协议), replacing a rule's default limit */
  limits: z.array(LimitOverrideSchema).default([]),
  /** the plant's centre (odor source attribution: bearing and distance from a fence-line station) */
  location: LocationSchema.optional(),
  /** air pollutants the enterprise emits (odor source attribution weighs candidates by them) */
  emissions: z.array(EmissionSchema).default([]),
  /** the enterprise's environmental contact (环保负责人): instrument faults at its sites are sent to them by SMS */
  contact: z.strictObject({ name: z.string().min(1).max(50), mobile: MobileSchema }).optional(),
  /** its online-monitoring maintenance contractor (运维单位): instrument faults are sent to them by SMS too */
  maintainer: z.strictObject({ company: z.string().min(1).max(100), name: z.string().min(1).max(50), mobile: MobileSchema }).optional(),
});
export type Enterprise = z.infer<typeof EnterpriseSchema>;

/** Every device kind, one entry per protocol input folder; any device may have scheduled calibration windows. */
export const DeviceSchema = z.discriminatedUnion('kind', [ModbusDeviceSchema.extend({ calibration: CalibrationSchema }), MqttDeviceSchema.extend({ calibration: CalibrationSchema }), Hj212DeviceSchema.extend({ calibration: CalibrationSchema })]);
export type Device = z.infer<typeof DeviceSchema>;
export type InputKind = Device['kind'];

export const SiteSchema = z.object({
  id: z.string().regex(/^(RO|WP|AQ|WS)-\d{2}$/, 'site ids look like RO-01, WP-12, AQ-03, WS-01'),
  kind: SiteKindSchema,
  name: z.string().min(1),
  /** enterprise the site belongs to: required for pipes and fence-line stations */
  enterprise: z.string().optional(),
  /** responsible officer when the site has no enterprise (e.g. a public rain outlet) */
  officer: z.string().optional(),
  location: LocationSchema,
  devices: z.array(DeviceSchema).min(1),
  /** 一企一管 valve interlock; off unless configured for the pipe */
  interlock: z
    .object({
      enabled: z.boolean().default(false),
      /** how long a discharge exceedance must last before the valve is shut */
      shutOffDelayMs: z.number().int().nonnegative().default(15 * 60_000),
      /** write + read-back attempts before the ticket reports the valve as unconfirmed */
      attempts: z.number().int().min(1).max(10).default(3),
      /** a valve reopened while its exceedance persists is shut again at most this often per episode, then a person is asked to act (park policy; default 3) */
      maxReshuts: z.number().int().min(0).max(10).optional(),
      /** 闭环整改 after a shut: compliant valid samples taken under flow after the valve is reopened, before the ticket may be verified and closed (park policy; default 3) */
      reopenSamples: z.number().int().min(1).max(100).optional(),
      /** a sample counts as taken under flow when the pipe's flow (w00000, L/s) is above this (default 0.5) */
      flowAbove: z.number().nonnegative().optional(),
    })
    .optional(),
  /** 可视监控: the site's camera, snapshotted when a rule fires there (gateway/registry/camera.ts) */
  camera: CameraSchema.optional(),
});
export type Site = z.infer<typeof SiteSchema>;

/** The registry document before its cross-references are checked (schema.ts: RegistrySchema). */
export const RegistryDocumentSchema = z
  .object({
    park: z.object({ name: z.string(), nameZh: z.string(), timezone: z.string().default('Asia/Shanghai') }),
    pollutants: z.record(PollutantCodeSchema, PollutantSchema),
    officers: z.array(OfficerSchema).min(1),
    enterprises: z.array(EnterpriseSchema),
    inputs: z
      .object({
        modbus: ModbusInputConfigSchema.prefault({}),
        mqtt: MqttInputConfigSchema.prefault({}),
        hj212: Hj212InputConfigSchema.prefault({}),
      })
      .prefault({}),
    sites: z.array(SiteSchema).min(1),
    /** rules as data: limits with their standards, averaging, durations, instrument and no-data rules */
    rules: z.array(RuleSchema).default([]),
    /** alerts to the 包联干部: WeCom group robot and SMS (processor/alerts/README.md) */
    alerts: AlertsConfigSchema.prefault({}),
    /** readings stamped too far from the gateway clock are refused ('timestamp-out-of-bounds') */
    timestampBounds: TimestampBoundsSchema.prefault({}),
    /** odor source attribution (异味溯源): processor/attribution */
    attribution: AttributionConfigSchema.prefault({}),
    /** reading-time windows: grace before a window is judged, how late a back-filled reading still counts */
    lateness: LatenessSchema.prefault({}),
    /** valid hourly and daily means per kind of site (measurement `means`; averaged rules judge them) */
    means: z.array(MeansSpecSchema).default([]),
    /** upstream platforms the park forwards to over HJ 212-2017 (gateway/registry/upstream.ts) */
    upstreams: z.array(UpstreamSchema).default([]),
    /** 每日2次巡查: when the patrol sheet is produced and signed off (gateway/registry/patrol.ts) */
    patrol: PatrolConfigSchema.prefault({}),
  });
export type RegistryDocument = z.infer<typeof RegistryDocumentSchema>;
