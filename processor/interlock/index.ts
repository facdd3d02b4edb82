import type { QualityFlag, Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { RuleEvent } from '../rules/schema.js';
import { createActuator, type ActuationResult } from './actuator.js';
import { decide, episodeKey, type EpisodeState, type ValvePoint } from './decide.js';
import { decideReshut, DEFAULT_MAX_RESHUTS, type ShutEpisode } from './reshut.js';
import { SerialQueue } from './serial.js';
import { SYSTEM_ACTOR, type Interlock, type InterlockOptions, type ReopenResult, type ValveAction, type ValveState } from './types.js';

export { decide, episodeKey, INSTRUMENT_TROUBLE, type Decision, type DecisionInput, type EpisodeState, type ValvePoint } from './decide.js';
export { decideReshut, DEFAULT_MAX_RESHUTS, type ReshutDecision, type ShutEpisode } from './reshut.js';
export { createActuator, type ActuationResult, type Actuator, type ActuatorOptions } from './actuator.js';
export { registerValveRoutes, ReopenBodySchema } from './api.js';
export type { Interlock, InterlockOptions, ReopenResult, ValveAction, ValveCommands, ValveState } from './types.js';

/** pollutant code of the valve state (1 open, 0 closed) */
const VALVE_STATE = 'w99002';
export { SYSTEM_ACTOR } from './types.js';
/** episodes remembered at most (ended episodes are dropped on 'clear') */
const MAX_EPISODES = 10_000;

/** Sites whose interlock is enabled, with the device that carries the valve control point. */
export function valvePoints(registry: Registry): Map<string, ValvePoint> {
  const points = new Map<string, ValvePoint>();
  for (const s of registry.sites) {
    if (!s.interlock?.enabled || s.kind !== 'wastewater_pipe') continue;
    const d = s.devices.find((x) => x.kind === 'modbus' && registry.inputs.modbus.maps[x.map]?.valve);
    if (d) points.set(s.id, { site: s.id, device: d.id, shutOffDelayMs: s.interlock.shutOffDelayMs, attempts: s.interlock.attempts, maxReshuts: s.interlock.maxReshuts });
  }
  return points;
}

const minutes = (ms: number) => `${Math.round(ms / 6_000) / 10} min`;

/** The 一企一管 valve interlock: decision (decide.ts) + actuator (actuator.ts) + what it did. */
export function createInterlock(opts: InterlockOptions): Interlock {
  const { registry, health, now, log } = opts;
  const points = valvePoints(registry);
  const actuator = createActuator({ registry, commands: opts.commands, now, ...opts.actuator });
  const episodes = new Map<string, EpisodeState>();
  /** latest reading per site/pollutant */
  const flags = new Map<string, { flag: QualityFlag; value: number }>();
  /** site → rule → episode in which the valve was shut and that has not cleared (re-shut, reshut.ts) */
  const shut = new Map<string, Map<string, ShutEpisode>>();
  /** site → since when the valve's own feedback (w99002) reports it open; absent while it reports closed */
  const openSince = new Map<string, number>();
  /** site → when the interlock last shut its valve (feedback read before then is history) */
  const shutAt = new Map<string, number>();
  /**
   * sites whose valve is being shut right now: a poll that read the valve open before the write (its
   * batch may arrive while the write is being confirmed) is not a reopening
   */
  const closing = new Map<string, number>();
  const closeValve = async (site: string, device: string) => {
    closing.set(site, (closing.get(site) ?? 0) + 1);
    try {
      return await serial(site, () => actuator.closeValve(device));
    } finally {
      const n = (closing.get(site) ?? 1) - 1;
      if (n > 0) closing.set(site, n);
      else closing.delete(site);
    }
  };
  const states = new Map<string, ValveState>();
  const queues = new Map<string, SerialQueue>();

  /** one valve action at a time per site: a reopen never interleaves with a close */
  const serial = <T>(site: string, job: () => Promise<T>) => {
    let q = queues.get(site);
    if (!q) queues.set(site, (q = new SerialQueue()));
    return q.run(job);
  };

  function stateOf(p: ValvePoint): ValveState {
    let s = states.get(p.site);
    if (!s) states.set(p.site, (s = { site: p.site, device: p.device, source: 'unknown' }));
    return s;
  }

  function record(p: ValvePoint, action: ValveAction): ValveAction {
    const s = stateOf(p);
    s.lastAction = action;
    if (action.kind === 'valve-close' && action.ok) {
      shutAt.set(p.site, action.at);
      openSince.delete(p.site);
    }
    if (action.kind !== 'escalate' && action.confirmed) Object.assign(s, { open: action.kind === 'valve-open', source: 'action', at: action.at });
    const fields = { site: action.site, device: action.device, kind: action.kind, actor: action.actor, attempts: action.attempts, rule: action.rule };
    if (action.kind === 'escalate' || !action.confirmed) log.error({ ...fields, error: action.error }, `${action.site}: ${action.kind} ${action.ok ? 'unconfirmed' : 'failed'}: ${action.error ?? action.reason}`);
    else log.warn(fields, `${action.site}: ${action.kind} confirmed (${action.reason})`);
    try {
      opts.onAction(action.site, action);
    } catch (err) {
      log.error({ err, site: action.site }, 'interlock: onAction failed');
    }
    return action;
  }

  function episode(key: string): EpisodeState {
    let e = episodes.get(key);
    if (!e) {
      if (episodes.size >= MAX_EPISODES) episodes.delete(episodes.keys().next().value!);
      episodes.set(key, (e = { actuated: false, escalated: [] }));
    }
    return e;
  }

  const fromResult = (r: ActuationResult) => ({ ok: r.ok, confirmed: r.confirmed, attempts: r.attempts, at: r.at, ...(r.error !== undefined ? { error: r.error } : {}) });

  async function handle(ev: RuleEvent, lastFlag?: QualityFlag): Promise<ValveAction | undefined> {
    const valve = points.get(ev.site);
    const d = decide({
      ev,
      rule: registry.rules.find((r) => r.id === ev.rule),
      valve,
      online: valve ? health.get(valve.device)?.online : undefined,
      lastFlag: lastFlag ?? flags.get(`${ev.site}/${ev.pollutant}`)?.flag,
      ...(lastFlag === undefined && flags.has(`${ev.site}/${ev.pollutant}`) ? { lastValue: flags.get(`${ev.site}/${ev.pollutant}`)!.value } : {}),
      episode: ev.since !== undefined ? episodes.get(episodeKey(ev.site, ev.rule, ev.since)) : undefined,
    });
    if (d.kind === 'ignore' || d.kind === 'wait') return undefined;
    if (d.kind === 'end') {
      for (const k of [...episodes.keys()]) if (k.startsWith(`${d.site}|${d.rule}|`)) episodes.delete(k);
      shut.get(d.site)?.delete(d.rule);
      return undefined;
    }
    const e = episode(d.episode);
    const base = { site: d.valve.site, device: d.valve.device, actor: SYSTEM_ACTOR, rule: ev.rule, episodeSince: d.since };
    const what = `${ev.rule}: ${ev.pollutant}${ev.value !== undefined ? ` = ${ev.value}` : ''} beyond ${ev.limit?.standard ?? 'the limit'} for ${minutes(ev.ts - d.since)}`;
    if (d.kind === 'escalate') {
      e.escalated.push(d.reason);
      return record(d.valve, { kind: 'escalate', ...base, ok: false, confirmed: false, attempts: 0, error: d.reason, reason: `${what}; valve not shut: ${d.reason}`, at: now() });
    }
    e.actuated = true; // before the first await: a concurrent update of the episode must not shut it twice
    let onSite = shut.get(ev.site);
    if (!onSite) shut.set(ev.site, (onSite = new Map()));
    // busy until this first close is done: the valve is still open while it travels, which is no reopening
    const shutting: ShutEpisode = { site: ev.site, rule: ev.rule, pollutant: ev.pollutant, since: d.since, limit: ev.limit, standard: ev.limit?.standard ?? 'the limit', reshuts: 0, busy: true, escalated: [] };
    onSite.set(ev.rule, shutting);
    openSince.delete(ev.site);
    let r: Awaited<ReturnType<typeof closeValve>>;
    try {
      r = await closeValve(d.valve.site, d.valve.device);
    } finally {
      shutting.busy = false;
    }
    return record(d.valve, { kind: 'valve-close', ...base, ...fromResult(r), reason: `${what} (shut-off delay ${minutes(d.valve.shutOffDelayMs)})` });
  }

  /** a reading of a shut episode's pollutant: shut the reopened valve again, or escalate (reshut.ts) */
  async function reshut(e: ShutEpisode, r: Reading): Promise<void> {
    const p = points.get(e.site);
    if (!p) return;
    const d = decideReshut({ episode: e, valve: p, openSince: openSince.get(e.site), online: health.get(p.device)?.online, reading: r });
    if (d.kind === 'ignore') return;
    const base = { site: p.site, device: p.device, actor: SYSTEM_ACTOR, rule: e.rule, episodeSince: e.since };
    const what = `${e.rule}: ${e.pollutant} = ${r.value}${r.flag === 'T' ? ' (over range, at least)' : ''} still beyond ${e.standard} after the valve was reopened`;
    if (d.kind === 'escalate') {
      e.escalated.push(d.reason);
      record(p, { kind: 'escalate', ...base, ok: false, confirmed: false, attempts: 0, error: d.reason, reason: `${what}; ${d.reason}`, at: now() });
      return;
    }
    e.busy = true;
    e.reshuts = d.nth;
    try {
      const res = await closeValve(p.site, p.device);
      record(p, { kind: 'valve-close', ...base, ...fromResult(res), reshut: d.nth, reason: `re-shut ${d.nth} of at most ${p.maxReshuts ?? DEFAULT_MAX_RESHUTS}: ${what}` });
    } finally {
      e.busy = false;
    }
  }

  /** a person's command per site and kind while it is queued or running: the same command joins it */
  const inFlight = new Map<string, Promise<ReopenResult>>();

  /** a person's valve command: one at a time per valve (serial), and one write for parallel duplicates */
  function byHand(site: string, kind: 'valve-open' | 'valve-close', actor: string, reason: string): Promise<ReopenResult> {
    const p = points.get(site);
    if (!p) {
      const known = registry.sites.some((s) => s.id === site);
      return Promise.resolve(known ? { kind: 'no-interlock', message: `site ${site} has no valve interlock enabled` } : { kind: 'unknown-site', message: `no site ${site}` });
    }
    const key = `${site}|${kind}`;
    const pending = inFlight.get(key);
    if (pending) return pending.then((r) => (r.kind === 'done' ? { ...r, joined: true } : r));
    const run = (async (): Promise<ReopenResult> => {
      try {
        const r = kind === 'valve-open' ? await serial(site, () => actuator.openValve(p.device)) : await closeValve(site, p.device);
        return { kind: 'done', action: record(p, { kind, site, device: p.device, actor, reason, ...fromResult(r) }) };
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, run);
    return run;
  }

  return {
    handle: (ev, lastFlag) =>
      handle(ev, lastFlag).catch((err: unknown) => {
        log.error({ err, site: ev.site, rule: ev.rule }, 'interlock: event not handled');
        return undefined;
      }),

    reopen: (site, actor, reason) => byHand(site, 'valve-open', actor, reason),
    closeByHand: (site, actor, reason) => byHand(site, 'valve-close', actor, reason),

    observeBatch(readings) {
      for (const r of readings) {
        flags.set(`${r.site}/${r.pollutant}`, { flag: r.flag, value: r.value });
        if (r.pollutant !== VALVE_STATE) continue;
        const p = points.get(r.site);
        if (!p || r.device !== p.device) continue;
        const open = r.value >= 0.5;
        if (!open) openSince.delete(r.site);
        else if (!openSince.has(r.site) && !closing.has(r.site) && r.ts > (shutAt.get(r.site) ?? -Infinity)) openSince.set(r.site, r.ts);
        const s = stateOf(p);
        if (s.at !== undefined && r.ts < s.at) continue;
        Object.assign(s, { open, source: 'reading', at: r.ts });
      }
      // a valve reopened while its exceedance persists is shut again (after the feedback of this batch is known)
      if (shut.size === 0) return;
      for (const r of readings) {
        const episodes = shut.get(r.site);
        if (!episodes) continue;
        for (const e of episodes.values()) if (e.pollutant === r.pollutant) void reshut(e, r);
      }
    },

    valves: () => [...points.values()].map((p) => structuredClone(stateOf(p))),
  };
}
