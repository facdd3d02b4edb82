import { z } from 'zod';

const HOUR = 3_600_000;

/**
 * 隐患类型: what an officer finds on the patrol. Each has a default rectification deadline (from the
 * report) that the reporter may shorten or extend.
 */
export const HazardTypeSchema = z.enum(['pipe-damage', 'leak', 'odor', 'equipment', 'monitoring', 'records', 'other']);
export type HazardType = z.infer<typeof HazardTypeSchema>;
export const HAZARD_TYPES = HazardTypeSchema.options;

export const HAZARD_TYPE_ZH: Record<HazardType, string> = {
  'pipe-damage': '管网破损',
  leak: '跑冒滴漏',
  odor: '异味',
  equipment: '设备故障',
  monitoring: '在线监测异常',
  records: '台账不全',
  other: '其他',
};

/** default time to rectify, from the report: leaks, odor and monitoring faults at once; paperwork within a week */
export const HAZARD_DEADLINE_MS: Record<HazardType, number> = {
  'pipe-damage': 72 * HOUR,
  leak: 24 * HOUR,
  odor: 24 * HOUR,
  equipment: 48 * HOUR,
  monitoring: 24 * HOUR,
  records: 7 * 24 * HOUR,
  other: 72 * HOUR,
};

/** found on the patrol, or taken after the fix (the evidence that lets the ticket close) */
export const PhotoStageSchema = z.enum(['found', 'fixed']);
export type PhotoStage = z.infer<typeof PhotoStageSchema>;
export const PHOTO_STAGE_ZH: Record<PhotoStage, string> = { found: '发现', fixed: '整改后' };

/** what a ticket's evidence of kind 'photo' holds; the image is served at /api/tickets/:id/photos/:id */
export interface PhotoEvidence {
  /** hex SHA-256 of the image: its name on disk */
  id: string;
  /** the file name the client gave (shown only, never used as a path) */
  name?: string;
  stage: PhotoStage;
  contentType: 'image/jpeg' | 'image/png';
  bytes: number;
  /** who uploaded it (username) */
  by: string;
}

/** the report recorded as the hazard ticket's first evidence (kind 'note') */
export interface HazardNote {
  hazard: HazardType;
  label: string;
  description: string;
  by: string;
}

/** the upload limits (issue: photos uploaded and kept): 1..6 photos, each at most 5 MB, JPEG or PNG */
export const PHOTO_LIMITS = { maxFiles: 6, maxBytes: 5 * 1024 * 1024 } as const;
