import type { Reading } from '../../gateway/model/reading.js';
import type { StoredTimestamps, StoredValue } from '../stored/index.js';
import type { Dedupe, Duplicate } from './dedupe.js';

type Kept = { value: number; flag: string };

/**
 * Stored history is never overwritten (issue 11): a reading whose series (site, device, pollutant) and
 * timestamp are already stored is dropped however old it is and across restarts, looked up in the
 * injected record of stored timestamps (processor/stored). An exact repeat (same value and flag: an MQTT
 * QoS 1 redelivery, MQTT 3.1.1 §4.3.2, or a logger's re-send, HJ 212-2017 §6.5) goes to `onDuplicate`
 * without `kept`, as the in-memory dedupe does; another value for a stored timestamp goes with `kept`
 * (the stored value), and the caller refuses it as 'duplicate-timestamp'.
 *
 * Fast path: per series, the newest timestamp stored (read once per series, then kept in memory): a
 * reading above it cannot repeat an older one and needs no lookup; only late or repeated readings are
 * looked up. Readings accepted but not yet committed (the same turn) are held in memory so that a repeat
 * inside the turn is caught too. `commit` records what the processor is about to append (before the
 * spool append, see createSqliteStoredTimestamps for kill -9); `forget` takes back an append that failed.
 */
export function createStoredDedupe(store: StoredTimestamps, onDuplicate: (d: Duplicate) => void): Dedupe {
  // site → device → pollutant → series state: three Map lookups, no key string per reading
  const series = new Map<string, Map<string, Map<string, { id: number; newest: number }>>>();
  /** accepted, not yet committed: series id → ts → value */
  let pending = new Map<number, Map<number, Kept>>();
  const stateOf = (r: Reading) => {
    let byDevice = series.get(r.site);
    if (!byDevice) series.set(r.site, (byDevice = new Map()));
    let byPollutant = byDevice.get(r.device);
    if (!byPollutant) byDevice.set(r.device, (byPollutant = new Map()));
    let s = byPollutant.get(r.pollutant);
    if (!s) {
      const id = store.seriesId(r.site, r.device, r.pollutant);
      byPollutant.set(r.pollutant, (s = { id, newest: store.newest(id) }));
    }
    return s;
  };
  const duplicate = (r: Reading, kept: Kept) => {
    const same = kept.value === r.value && kept.flag === r.flag;
    const at = `${r.site}/${r.device}/${r.pollutant} at ${new Date(r.ts).toISOString()}`;
    onDuplicate({
      reading: r,
      ...(same ? {} : { kept: { value: kept.value, flag: kept.flag as Reading['flag'] } }),
      detail: same
        ? `${at}: already received (a redelivery); dropped`
        : `${at}: duplicate timestamp: stored value ${kept.value} flag ${kept.flag}, new value ${r.value} flag ${r.flag} refused (stored history is never overwritten)`,
    });
  };
  const lookup = (id: number, r: Reading): StoredValue | undefined => {
    const stored = store.get(id, r.ts);
    // recorded just before a kill -9, perhaps never spooled: its exact re-send is taken again
    if (stored?.uncertain && stored.value === r.value && stored.flag === r.flag) return undefined;
    return stored;
  };
  return {
    accept(readings) {
      const out: Reading[] = [];
      for (const r of readings) {
        const s = stateOf(r);
        let inTurn = pending.get(s.id);
        const held = inTurn?.get(r.ts);
        if (held) {
          duplicate(r, held);
          continue;
        }
        if (r.ts > s.newest) s.newest = r.ts;
        else {
          const stored = lookup(s.id, r);
          if (stored) {
            duplicate(r, stored);
            continue;
          }
        }
        if (!inTurn) pending.set(s.id, (inTurn = new Map()));
        inTurn.set(r.ts, { value: r.value, flag: r.flag });
        out.push(r);
      }
      return out;
    },
    commit(readings) {
      const rows = [];
      for (const r of readings) rows.push({ series: stateOf(r).id, ts: r.ts, value: r.value, flag: r.flag });
      pending = new Map();
      store.record(rows);
    },
    forget(readings) {
      const rows = [];
      for (const r of readings) {
        const id = stateOf(r).id;
        pending.get(id)?.delete(r.ts);
        rows.push({ series: id, ts: r.ts });
      }
      // the newest stays where it is: it is only a fast path, a resend below it is looked up and passes
      store.remove(rows);
    },
  };
}
