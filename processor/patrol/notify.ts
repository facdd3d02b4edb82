import { z } from 'zod';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Notice } from '../alerts/notice.js';
import { digestNotices, overdueNotice } from './digest.js';
import type { PatrolOverdue, PatrolSheet } from './types.js';

/** PUBLIC_URL: the gateway's address as officers reach it (http/https, no query), for the links in the digests; optional */
export const PatrolEnvSchema = z.object({
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'PUBLIC_URL must be an http(s) URL such as https://park.example.cn' })
    .refine((u) => !u.includes('?') && !u.includes('#'), 'PUBLIC_URL takes no query or fragment')
    .optional(),
});

/** PUBLIC_URL from the environment; an invalid one is reported (onError) and left out: the digests then carry no link */
export function publicUrlFrom(env: Record<string, string | undefined>, onError: (message: string) => void): string | undefined {
  const parsed = PatrolEnvSchema.safeParse({ PUBLIC_URL: env.PUBLIC_URL || undefined });
  if (parsed.success) return parsed.data.PUBLIC_URL;
  onError(z.prettifyError(parsed.error));
  return undefined;
}

/**
 * How the patrol's messages leave: each made sheet's digests (every officer's part, the group summary)
 * and each missed sign-off to the section chief, handed to the alerts' durable outbox as notices with
 * stable ids (`<sheet>|<officer>|digest`, `<sheet>|group|digest`, `<sheet>|<officer>|overdue`).
 */
export function patrolDelivery(alerts: { notify(n: Notice): boolean }, registry: Registry, publicUrl?: string): { onSheet: (s: PatrolSheet) => void; onOverdue: (e: PatrolOverdue) => void } {
  return {
    onSheet: (sheet) => {
      if (registry.patrol.digests) for (const n of digestNotices(sheet, registry, publicUrl)) alerts.notify(n);
    },
    onOverdue: (e) => void alerts.notify(overdueNotice(e, publicUrl)),
  };
}
