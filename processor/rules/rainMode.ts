import type { RuleEvent } from './schema.js';
import type { Machine } from '../operators/stateful.js';
import type { OnReading, RuleContext } from './cell.js';
import type { Rule } from './schema.js';

type DryRule = Extract<Rule, { type: 'dry-weather-flow' }>;
const FLOW = 'w00000';
const LEVEL = 'w99001';
/** 闸门/截止阀 state at the outlet (park extension code: 1 open, 0 closed) */
const GATE = 'w99002';

/**
 * What the water at a rain outlet is, for judging its quality (domain reference §2.5, §4.2, §7 "Rain outlets"):
 * - `dry`: no rain at the weather station for the dry period — any flow is 晴天出水 and its quality is judged at once;
 * - `wet-first-flush`: within the first `firstFlushMs` of the outlet's flow in a rain event — 初期雨水, collected
 *   rather than discharged, not judged;
 * - `wet`: wet weather after the allowance — judged against the same benchmark (the park's choice).
 * With no flow (`flowing` false) nothing is judged: a stale analyser value in a dry channel is not a discharge.
 */
export type RainMode = 'dry' | 'wet-first-flush' | 'wet';

export interface OutletState {
  mode: RainMode;
  flowing: boolean;
  flow: number | null;
  level: number | null;
  /** the gate where monitored: open / closed at its last reading; null where the outlet has no gate channel */
  gate: 'open' | 'closed' | null;
  gateAt: number | null;
  /** start of the current or last rain event (scheduler time), null without one on record */
  rainEventStart: number | null;
  lastRainAt: number | null;
  /** when this outlet's first flush of the current rain event began, null without one */
  firstFlushFrom: number | null;
}

/** Persisted: the rain events at the weather station. */
interface RainState {
  /** start of the current (or last) rain event */
  start?: number;
  /** last rainfall above the threshold */
  last?: number;
}

interface Outlet {
  flow?: number;
  level?: number;
  gate?: number;
  gateAt?: number;
  /** persisted: the rain event (by its start) whose first flush this outlet has begun, and when */
  flush?: { event: number; from: number };
}

export interface RainOutlets {
  /** the weather station's readings (rainfall) */
  onWeather: OnReading;
  /** an outlet's readings (flow, level, gate): registered at the site, after its series rules */
  onOutlet(site: string): OnReading;
  state(site: string, now: number): OutletState;
  /** whether a quality value at the outlet is judged now: water flows and it is not the first flush */
  judged(site: string, now: number): boolean;
  /** `ctx` whose events carry the outlet's state in context.rain (mode, flow, gate) */
  ctxFor(site: string): RuleContext;
  /**
   * ctxFor(site) for a quality rule: in addition, a pending exceedance (operators/exceedance.ts) whose
   * duration ends while the outlet is not judged (the flow stopped, or the first flush began) is dropped
   * rather than opened — it did not last under flow
   */
  qualityCtx(site: string): RuleContext;
  /** an outlet quality rule that judges a value only while `judged` */
  whileJudged(site: string, h: OnReading): OnReading;
}

/**
 * Rain events from the weather station's rainfall and each outlet's flow, level and gate, for the rain
 * outlets' quality rules (registry: exceedance rules with `rainMode`) and the dry-weather rule's events.
 * A rain event starts with rainfall above `rainAbove` and ends `rainEventGapMs` after the last such value;
 * the next rain after that is a new event with its own first flush. Time is scheduler time, like the
 * rest of the engine. State survives a restart through the keeper.
 */
export function rainOutlets(rule: DryRule, ctx: RuleContext): RainOutlets {
  const rainKey = `rain-mode|${rule.id}|rain`;
  const rain: RainState = { ...ctx.keeper.initial<RainState>(rainKey) };
  const outlets = new Map<string, Outlet>();
  const outlet = (site: string) => {
    let o = outlets.get(site);
    if (!o) outlets.set(site, (o = { flush: ctx.keeper.initial<Outlet['flush']>(`rain-mode|${rule.id}|${site}|flush`) }));
    return o;
  };
  const flowing = (o: Outlet) => (o.flow ?? 0) > rule.flowAbove || (o.level ?? 0) > rule.levelAbove;
  const dry = (now: number) => rain.last === undefined || now - rain.last >= rule.dryPeriodMs;

  /** begins the outlet's first flush when it flows in a rain event it has not flushed yet */
  const track = (site: string, o: Outlet, now: number) => {
    if (dry(now) || rain.start === undefined || !flowing(o) || o.flush?.event === rain.start) return;
    o.flush = { event: rain.start, from: now };
    ctx.keeper.record(`rain-mode|${rule.id}|${site}|flush`, o.flush, true);
  };

  const state = (site: string, now: number): OutletState => {
    const o = outlet(site);
    track(site, o, now);
    const inFlush = !dry(now) && o.flush !== undefined && o.flush.event === rain.start && now - o.flush.from < rule.firstFlushMs;
    return {
      mode: dry(now) ? 'dry' : inFlush ? 'wet-first-flush' : 'wet',
      flowing: flowing(o),
      flow: o.flow ?? null,
      level: o.level ?? null,
      gate: o.gate === undefined ? null : o.gate >= 0.5 ? 'open' : 'closed',
      gateAt: o.gateAt ?? null,
      rainEventStart: rain.start ?? null,
      lastRainAt: rain.last ?? null,
      firstFlushFrom: o.flush && o.flush.event === rain.start ? o.flush.from : null,
    };
  };
  const judged = (site: string, now: number) => {
    const s = state(site, now);
    return s.flowing && s.mode !== 'wet-first-flush';
  };

  return {
    onWeather(r, now) {
      if (r.pollutant !== rule.rainPollutant || r.flag !== 'N' || !(r.value > rule.rainAbove)) return;
      if (rain.start === undefined || rain.last === undefined || now - rain.last >= rule.rainEventGapMs) rain.start = now;
      rain.last = now;
      ctx.keeper.record(rainKey, { ...rain }, true);
    },
    onOutlet(site) {
      const o = outlet(site);
      return (r, now) => {
        if (r.flag !== 'N') return;
        if (r.pollutant === FLOW) o.flow = r.value;
        else if (r.pollutant === LEVEL) o.level = r.value;
        else if (r.pollutant === GATE) {
          o.gate = r.value;
          o.gateAt = r.ts;
          return;
        } else return;
        track(site, o, now);
      };
    },
    state,
    judged,
    ctxFor(site) {
      return {
        ...ctx,
        emit: (ev: RuleEvent, from: object) => ctx.emit({ ...ev, context: { ...ev.context, rain: state(site, ev.ts) } }, from),
      };
    },
    qualityCtx(site) {
      const base = this.ctxFor(site);
      return {
        ...base,
        cell: (machine, key, urgent, onEvent, initial) => base.cell(pendingOnlyUnderFlow(machine, (now) => judged(site, now)), key, urgent, onEvent, initial),
      };
    },
    whileJudged(site, h) {
      return (r, now) => {
        if (judged(site, now)) h(r, now);
      };
    },
  };
}

/** A machine whose pending episode (state.phase 'pending', as exceedanceMachine's) is dropped when its timer fires while `judged` is false. */
function pendingOnlyUnderFlow<S, I, E>(m: Machine<S, I, E>, judged: (now: number) => boolean): Machine<S, I, E> {
  const timer = m.timer;
  if (!timer) return m;
  return {
    ...m,
    timer: {
      due: timer.due,
      fire: (state, now) => ((state as { phase?: unknown }).phase === 'pending' && !judged(now) ? { state: { phase: 'inside' } as S } : timer.fire(state, now)),
    },
  };
}
