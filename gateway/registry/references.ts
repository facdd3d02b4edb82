import type { z } from 'zod';
import { SITE_ID_PREFIX, type RegistryDocument } from './parts.js';
import { checkRegisterMap } from './registerMaps.js';
import { checkRules } from './ruleChecks.js';
import { checkUpstreams } from './upstream.js';

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

function duplicates<T>(items: T[], key: (t: T) => string, ctx: Ctx, path: Path, what: string): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [...path, i], message: `duplicate ${what} "${k}"` });
    seen.add(k);
  });
  return seen;
}

/** Cross-references the schema alone cannot express: ids unique, every reference resolves. */
export function checkReferences(r: RegistryDocument, ctx: Ctx): void {
  try {
    checkAll(r, ctx);
  } catch {
    // a structurally invalid part of the document: its schema issues are already reported
  }
}

function checkAll(r: RegistryDocument, ctx: Ctx): void {
  // a back-fill the lateness policy would judge must not be refused at the door
  const { horizonMs } = r.lateness;
  const { maxPastMs } = r.timestampBounds;
  if (Number.isSafeInteger(horizonMs) && Number.isSafeInteger(maxPastMs) && horizonMs > maxPastMs)
    ctx.addIssue({ code: 'custom', path: ['lateness', 'horizonMs'], message: `lateness.horizonMs ${horizonMs} ms is longer than timestampBounds.maxPastMs ${maxPastMs} ms: back-fill it would judge is refused` });
  const officers = duplicates(r.officers, (o) => o.id, ctx, ['officers'], 'officer id');
  const enterprises = duplicates(r.enterprises, (e) => e.id, ctx, ['enterprises'], 'enterprise id');
  const siteIds = duplicates(r.sites, (s) => s.id, ctx, ['sites'], 'site id');
  checkUpstreams(r.upstreams, siteIds, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
  duplicates(r.sites.flatMap((s) => s.devices), (d) => d.id, ctx, ['devices'], 'device id');
  const lines = new Map(r.inputs.modbus.lines.map((l) => [l.id, l]));
  duplicates(r.inputs.modbus.lines, (l) => l.id, ctx, ['inputs', 'modbus', 'lines'], 'line id');

  const load = new Map<string, number>();
  r.enterprises.forEach((e, i) => {
    if (!officers.has(e.officer)) ctx.addIssue({ code: 'custom', path: ['enterprises', i, 'officer'], message: `unknown officer "${e.officer}"` });
    load.set(e.officer, (load.get(e.officer) ?? 0) + 1);
  });
  r.officers.forEach((o, i) => {
    const n = load.get(o.id) ?? 0;
    if (n < 2 || n > 5) ctx.addIssue({ code: 'custom', path: ['officers', i], message: `officer ${o.id} covers ${n} enterprises; each covers 2-5` });
  });

  for (const [name, map] of Object.entries(r.inputs.modbus.maps)) {
    for (const issue of checkRegisterMap(map)) ctx.addIssue({ code: 'custom', path: ['inputs', 'modbus', 'maps', name, ...issue.path], message: issue.message });
  }

  duplicates(r.rules ?? [], (x) => x.id, ctx, ['rules'], 'rule id');
  checkRules(r, ctx);
  r.enterprises.forEach((e, i) =>
    (e.emissions ?? []).forEach((em, j) => {
      if (!(em.pollutant in r.pollutants)) ctx.addIssue({ code: 'custom', path: ['enterprises', i, 'emissions', j, 'pollutant'], message: `pollutant ${em.pollutant} is not in the pollutant catalogue` });
    }),
  );
  (r.rules ?? []).forEach((rule, i) => {
    if ('pollutant' in rule && !(rule.pollutant in r.pollutants)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'pollutant'], message: `pollutant ${rule.pollutant} is not in the pollutant catalogue` });
  });

  const slaves = new Set<string>();
  const mns = new Set<string>(); // HJ 212 loggers are identified by MN (HJ 212-2017 §6.3.2): one logger per MN
  r.sites.forEach((s, i) => {
    const at = (...p: Path): Path => ['sites', i, ...p];
    if (!s.id.startsWith(SITE_ID_PREFIX[s.kind] + '-')) ctx.addIssue({ code: 'custom', path: at('id'), message: `a ${s.kind} site id starts with ${SITE_ID_PREFIX[s.kind]}-` });
    if (s.enterprise !== undefined && !enterprises.has(s.enterprise)) ctx.addIssue({ code: 'custom', path: at('enterprise'), message: `unknown enterprise "${s.enterprise}"` });
    if ((s.kind === 'wastewater_pipe' || s.kind === 'air_fence') && s.enterprise === undefined) ctx.addIssue({ code: 'custom', path: at('enterprise'), message: `a ${s.kind} site belongs to an enterprise` });
    if (s.interlock?.enabled && s.kind !== 'wastewater_pipe') ctx.addIssue({ code: 'custom', path: at('interlock'), message: 'only a wastewater pipe has a valve interlock' });
    if (s.interlock?.enabled && !s.devices.some((d) => d.kind === 'modbus' && r.inputs.modbus.maps[d.map]?.valve)) ctx.addIssue({ code: 'custom', path: at('interlock'), message: 'interlock enabled but no Modbus device of the site has a register map with a "valve" control point' });
    if (s.officer !== undefined && !officers.has(s.officer)) ctx.addIssue({ code: 'custom', path: at('officer'), message: `unknown officer "${s.officer}"` });
    s.devices.forEach((d, j) => {
      const codes = d.kind !== 'modbus' ? d.channels : (r.inputs.modbus.maps[d.map]?.channels.map((c) => c.pollutant) ?? []);
      for (const code of codes) if (!(code in r.pollutants)) ctx.addIssue({ code: 'custom', path: at('devices', j), message: `pollutant ${code} is not in the pollutant catalogue` });
      if (d.kind === 'hj212') {
        if (mns.has(d.mn)) ctx.addIssue({ code: 'custom', path: at('devices', j, 'mn'), message: `MN ${d.mn} is used by two HJ 212 loggers` });
        mns.add(d.mn);
        for (const [factor, code] of Object.entries(d.factors)) if (!d.channels.includes(code)) ctx.addIssue({ code: 'custom', path: at('devices', j, 'factors', factor), message: `factor ${factor} maps to ${code}, which is not one of the logger's channels` });
      }
      if (d.kind !== 'modbus') return;
      if (!(d.map in r.inputs.modbus.maps)) ctx.addIssue({ code: 'custom', path: at('devices', j, 'map'), message: `unknown register map "${d.map}"` });
      if (!lines.has(d.line)) ctx.addIssue({ code: 'custom', path: at('devices', j, 'line'), message: `unknown Modbus line "${d.line}"` });
      const slave = `${d.line}/${d.unitId}`;
      if (slaves.has(slave)) ctx.addIssue({ code: 'custom', path: at('devices', j, 'unitId'), message: `unit id ${d.unitId} is used twice on line ${d.line}` });
      slaves.add(slave);
    });
  });
}
