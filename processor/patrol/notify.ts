import type { Registry } from '../../gateway/registry/schema.js';
import type { Notice } from '../alerts/notice.js';
import { digestNotices, overdueNotice } from './digest.js';
import type { PatrolOverdue, PatrolSheet } from './types.js';

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
