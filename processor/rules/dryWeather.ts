import { persistentMachine } from '../operators/persistent.js';
import { anyEvent, type OnReading, type RuleContext } from './cell.js';
import type { Rule } from './schema.js';

type DryRule = Extract<Rule, { type: 'dry-weather-flow' }>;
const FLOW = 'w00000';
const LEVEL = 'w99001';

/**
 * When it last rained at the weather station (rainfall > 0), persisted. With no record at all the park is
 * taken as dry since the record began — a rain outlet must not flow on a dry day, and the weather
 * station reports any rain that would explain the flow.
 */
export function lastRainInstance(rule: DryRule, ctx: RuleContext): { onReading: OnReading; at(): number | undefined } {
  const key = `dry-weather|${rule.id}|last-rain`;
  let at = ctx.keeper.initial<{ at?: number }>(key)?.at;
  return {
    onReading(r, now) {
      if (r.pollutant !== rule.rainPollutant || r.flag !== 'N' || !(r.value > 0)) return;
      at = now;
      ctx.keeper.record(key, { at }, true);
    },
    at: () => at,
  };
}

/** 晴天出水: flow or level at a rain outlet while the weather station has recorded no rain for the dry period. */
export function dryWeatherInstance(site: string, rule: DryRule, lastRain: () => number | undefined, ctx: RuleContext): OnReading {
  const key = `dry-weather|${rule.id}|${site}`;
  let flow: number | undefined;
  let level: number | undefined;
  const self = {};
  const cell = ctx.cell(persistentMachine({ durationMs: rule.durationMs }), key, anyEvent, (e) => {
    const rain = lastRain();
    ctx.emit(
      {
        type: e.type,
        rule: rule.id,
        ruleType: 'dry-weather-flow',
        category: 'illicit-discharge',
        site,
        pollutant: FLOW,
        ts: e.ts,
        since: e.since,
        value: flow,
        context: { flow, level, lastRainAt: rain ?? null, dryPeriodMs: rule.dryPeriodMs, flowAbove: rule.flowAbove, levelAbove: rule.levelAbove },
      },
      self,
    );
  });
  return (r, now) => {
    if (r.flag !== 'N') return;
    if (r.pollutant === FLOW) flow = r.value;
    else if (r.pollutant === LEVEL) level = r.value;
    else return;
    const rain = lastRain();
    const dry = rain === undefined || now - rain >= rule.dryPeriodMs;
    cell.step(dry && ((flow ?? 0) > rule.flowAbove || (level ?? 0) > rule.levelAbove), now);
  };
}
