import type { Logger } from 'pino';
import type { QualityFlag, Reading } from '../gateway/model/reading.js';
import type { Registry } from '../gateway/registry/schema.js';
import { valvePoints } from './interlock/index.js';
import type { ValveAction } from './interlock/types.js';
import { compileRules } from './rules/compile.js';
import { DEFAULT_FLOW_ABOVE, DEFAULT_REOPEN_SAMPLES, flowSample, startFlowCheck, type Compliance } from './tickets/flowCheck.js';
import type { TicketService } from './tickets/service.js';
import type { FlowCheck, TicketStatus } from './tickets/types.js';

const VALVE_STATE = 'w99002';
const FLOW = 'w00000';
const LIVE: TicketStatus[] = ['open', 'acknowledged', 'rectifying', 'awaiting_verification'];

interface Watched {
  id: string;
  pollutant: string;
  ok: Compliance;
  check: FlowCheck;
}

export interface FlowVerification {
  /** picks up the live tickets whose flow check is not complete (after a restart) */
  start(): void;
  /** a valve action recorded on ticket `id`: a shut (or re-shut) starts the ticket's flow check afresh */
  onValveAction(id: string, action: ValveAction): void;
  /** each batch of accepted readings: valve feedback, flow, and the samples of the watched tickets */
  observeBatch(readings: readonly Reading[]): void;
}

/**
 * 闭环整改 on evidence: a ticket whose valve was shut closes only after compliant valid samples under flow
 * once the valve's own feedback reports it reopened (tickets/flowCheck.ts; the lifecycle refuses the
 * close until then). Settings per pipe: interlock.reopenSamples (3) and interlock.flowAbove (0.5 L/s).
 * The compliant side is the rule's clear level (clearMax/clearMin, with the enterprise's own limit).
 */
export function createFlowVerification(deps: { tickets: TicketService; registry: Registry; log: Pick<Logger, 'warn' | 'info'> }): FlowVerification {
  const { tickets, registry, log } = deps;
  const points = valvePoints(registry);
  const sites = new Map(registry.sites.map((s) => [s.id, s]));
  const compiled = compileRules(registry);
  /** site → tickets being verified there */
  const watched = new Map<string, Watched[]>();
  const openSince = new Map<string, number>();
  /** site → when its valve was last shut (feedback read before then is history) */
  const shutAt = new Map<string, number>();
  const flow = new Map<string, { value: number; ts: number; flag: QualityFlag }>();

  function compliance(site: string, pollutant: string, rule: string, limit?: { max?: number; min?: number }): Compliance {
    const b = compiled.exceedance.get(`${site}/${pollutant}`)?.find((x) => x.rule.id === rule)?.rule;
    const max = b ? (b.clearMax ?? b.max) : limit?.max;
    const min = b ? (b.clearMin ?? b.min) : limit?.min;
    return { ...(max !== undefined ? { max } : {}), ...(min !== undefined ? { min } : {}) };
  }

  function watch(t: { id: string; site: string; pollutant: string; rule: string; limit?: { max?: number; min?: number } }, check: FlowCheck) {
    const list = (watched.get(t.site) ?? []).filter((w) => w.id !== t.id);
    list.push({ id: t.id, pollutant: t.pollutant, ok: compliance(t.site, t.pollutant, t.rule, t.limit), check });
    watched.set(t.site, list);
  }

  function unwatch(site: string, id: string) {
    const list = (watched.get(site) ?? []).filter((w) => w.id !== id);
    if (list.length) watched.set(site, list);
    else watched.delete(site);
  }

  return {
    start() {
      for (const t of tickets.list({ status: LIVE, limit: 10_000 }).tickets) if (t.flowCheck && t.flowCheck.doneAt === undefined) watch(t, t.flowCheck);
    },

    onValveAction(id, action) {
      if (action.kind !== 'valve-close' || !action.ok) return;
      const required = sites.get(action.site)?.interlock?.reopenSamples ?? DEFAULT_REOPEN_SAMPLES;
      shutAt.set(action.site, action.at);
      openSince.delete(action.site);
      const check = startFlowCheck(required, action.at);
      const t = tickets.setFlowCheck(id, check, `valve shut: the ticket closes after ${required} compliant samples under flow once the valve is reopened`);
      if (t) watch(t, check);
    },

    observeBatch(readings) {
      if (watched.size === 0) return;
      for (const r of readings) {
        if (!watched.has(r.site)) continue;
        if (r.pollutant === FLOW) flow.set(r.site, { value: r.value, ts: r.ts, flag: r.flag });
        else if (r.pollutant === VALVE_STATE && r.device === points.get(r.site)?.device) {
          if (r.value < 0.5) openSince.delete(r.site);
          else if (!openSince.has(r.site) && r.ts > (shutAt.get(r.site) ?? -Infinity)) openSince.set(r.site, r.ts);
        }
      }
      for (const r of readings) {
        const list = watched.get(r.site);
        if (!list) continue;
        for (const w of list) {
          if (w.pollutant !== r.pollutant) continue;
          const pipe = { openSince: openSince.get(r.site), flow: flow.get(r.site), flowAbove: sites.get(r.site)?.interlock?.flowAbove ?? DEFAULT_FLOW_ABOVE };
          const step = flowSample(w.check, r, pipe, w.ok);
          if (!step) continue;
          w.check = step.check;
          try {
            if (!tickets.setFlowCheck(w.id, step.check, step.note)) unwatch(r.site, w.id);
          } catch (err) {
            log.warn({ err: (err as Error).message, ticket: w.id }, 'flow check not stored');
          }
          if (step.check.doneAt !== undefined) {
            log.info({ ticket: w.id, site: r.site }, step.note ?? 'flow check complete');
            unwatch(r.site, w.id);
          }
        }
      }
    },
  };
}
