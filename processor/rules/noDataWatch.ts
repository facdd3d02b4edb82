import type { NoDataState } from '../operators/noData.js';
import type { OnReading, RuleContext } from './cell.js';
import type { BoundDevice } from './noDataBindings.js';
import { resumeAfterDowntime } from './downtime.js';
import { noDataInstance, noDataKey } from './site.js';

/**
 * device → handler that feeds the device's watch and the watch of the reading's channel, if it has one.
 * Watches restored from a previous run resume with the gateway's downtime taken off (downtime.ts).
 */
export function noDataWatches(bound: readonly BoundDevice[], ctx: RuleContext, downtimeMs: number | undefined): Map<string, OnReading> {
  const devices = new Map<string, { device?: OnReading; channels: Map<string, OnReading> }>();
  for (const b of bound) {
    const key = noDataKey(b);
    const initial = resumeAfterDowntime(ctx.keeper.initial<NoDataState>(key), downtimeMs, ctx.now);
    const h = noDataInstance(b, ctx, initial);
    const e = devices.get(b.device) ?? { channels: new Map<string, OnReading>() };
    if (b.pollutant === undefined) e.device = h;
    else e.channels.set(b.pollutant, h);
    devices.set(b.device, e);
  }
  const out = new Map<string, OnReading>();
  for (const [device, { device: onDevice, channels }] of devices) {
    if (channels.size === 0) {
      if (onDevice) out.set(device, onDevice);
      continue;
    }
    out.set(device, (r, now) => {
      onDevice?.(r, now);
      channels.get(r.pollutant)?.(r, now);
    });
  }
  return out;
}

