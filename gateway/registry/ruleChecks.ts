import type { z } from 'zod';
import type { RegistryDocument } from './parts.js';

// Cross-checks of the registry's rules and enterprise limit overrides (called from references.ts).

type Ctx = z.RefinementCtx;

/**
 * GB 37822-2019's NMHC limits (Appendix A: 10 mg/m³ 1 h mean, 30 mg/m³ any single value) are for
 * monitoring points 1 m outside workshop openings inside the plant (A.2.1); the enterprise boundary is
 * judged by GB 16297-1996 or an industry standard (§11.1). A fence-line rule citing it is refused.
 */
export const IN_PLANT_ONLY = /GB\s*37822/;

export function checkRules(r: RegistryDocument, ctx: Ctx): void {
  const rules = r.rules ?? [];
  const exceedance = new Map(rules.flatMap((x) => (x.type === 'exceedance' ? [[x.id, x] as const] : [])));
  const enterprises = new Set(r.enterprises.map((e) => e.id));
  r.enterprises.forEach((e, i) =>
    (e.limits ?? []).forEach((l, j) => {
      const at = ['enterprises', i, 'limits', j];
      const rule = l.rule === undefined ? undefined : exceedance.get(l.rule);
      if (l.rule !== undefined && !rule) ctx.addIssue({ code: 'custom', path: [...at, 'rule'], message: `"${l.rule}" is not an exceedance rule` });
      if (l.pollutant !== undefined && rule && rule.pollutant !== l.pollutant) ctx.addIssue({ code: 'custom', path: [...at, 'pollutant'], message: `rule ${rule.id} judges ${rule.pollutant}, not ${l.pollutant}` });
      if (l.pollutant !== undefined && ![...exceedance.values()].some((x) => x.pollutant === l.pollutant)) ctx.addIssue({ code: 'custom', path: [...at, 'pollutant'], message: `no exceedance rule judges ${l.pollutant}` });
    }),
  );
  rules.forEach((rule, i) => {
    if (rule.type !== 'exceedance') return;
    if (rule.derive) {
      const from = exceedance.get(rule.derive.from);
      if (!from || from.derive) ctx.addIssue({ code: 'custom', path: ['rules', i, 'derive', 'from'], message: `"${rule.derive.from}" is not an exceedance rule with its own limit` });
      else if (from.siteKind !== rule.siteKind || from.pollutant !== rule.pollutant) ctx.addIssue({ code: 'custom', path: ['rules', i, 'derive', 'from'], message: `${rule.id} derives from ${from.id}, which judges another pollutant or site kind` });
    }
    (rule.enterprises ?? []).forEach((e, j) => {
      if (!enterprises.has(e)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'enterprises', j], message: `unknown enterprise "${e}"` });
    });
    if (rule.siteKind === 'air_fence' && IN_PLANT_ONLY.test(rule.standard)) {
      ctx.addIssue({ code: 'custom', path: ['rules', i, 'standard'], message: 'GB 37822-2019 NMHC limits apply in the plant outside workshop openings (Appendix A.2.1), not at the fence line (§11.1: GB 16297-1996 or an industry standard)' });
    }
  });
}
