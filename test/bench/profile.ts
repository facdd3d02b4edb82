import { readFileSync } from 'node:fs';
import { ROOT } from './procs.js';

/**
 * Where the gateway's time goes, from a V8 .cpuprofile (node --cpu-prof): self time by component
 * (project folder, npm package, node core, GC), the hottest functions by self time, and the project
 * functions by inclusive time. Builtins (JSON.parse, Map#get …) and node core (socket writes, streams)
 * are charged to the component whose JavaScript called them; node core is left only for work no
 * script asked for (event loop, timers' and ticks' own bookkeeping).
 */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Share {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** self time grouped into the stages a reading passes (see stageOf) */
  byStage: Share[];
  /** profiled wall time and the part the thread was busy (not idle) */
  wallMs: number;
  busyMs: number;
  byComponent: Share[];
  topSelf: Share[];
  topInclusive: Share[];
}

/** The stage of the pipeline a component belongs to. */
export function stageOf(component: string): string {
  if (/^npm (aedes|aedes-.*|qlobber|mqtt|mqtt-packet|bl|debug|readable-stream|fastfall|fastparallel|fastseries|reusify|hyperid|retimer|process-nextick-args|end-of-stream|duplexify)$/.test(component) || component === 'gateway/broker') return 'MQTT broker and client (aedes, mqtt.js)';
  if (component === 'gateway/inputs/mqtt' || component === 'npm zod' || component === 'gateway/model') return 'MQTT decode and payload validation (zod)';
  if (component === 'npm rxjs') return 'RxJS plumbing (every operator hop)';
  if (component === 'processor/operators' || component === 'processor/index.ts') return 'processor operators (validate, dedupe, rule state machines)';
  if (/^processor\/(rules|tickets|alerts|interlock|respond|valveResponder)/.test(component) || component === 'npm better-sqlite3') return 'rules, tickets, alerts';
  if (/^processor\/sinks/.test(component) || component === 'npm influx') return 'InfluxDB points, line protocol, spool and writer';
  if (component === 'GC') return 'garbage collection';
  if (component === 'node core' || component === 'builtins' || component === '(program)') return 'node core: sockets, timers, streams, native';
  return 'other (metrics, logging, harness reporting)';
}

const SPECIAL = new Set(['(garbage collector)', '(idle)', '(program)', '(root)']);

function relative(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  // compiled children run from test/bench/out/js/<the source's path> (compile.ts)
  return (path.startsWith(ROOT) ? path.slice(ROOT.length) : path).replace(/^test\/bench\/out\/js\//, '');
}

/** Component of a script: its npm package, project folder (two levels), or node core. */
export function componentOf(url: string): string {
  if (url.startsWith('node:')) return 'node core';
  const rel = relative(url);
  const nm = rel.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = rel.slice(nm + 'node_modules/'.length).split('/');
    return `npm ${parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]}`;
  }
  const parts = rel.split('/');
  if (parts[0] === 'gateway' || parts[0] === 'processor' || parts[0] === 'simulators' || parts[0] === 'test') {
    const depth = parts[1] === 'inputs' || parts[1] === 'sinks' ? 3 : 2;
    return parts.slice(0, Math.min(depth, parts.length - 1)).join('/') || parts[0];
  }
  return rel;
}

/** `window`: only samples between these monotonic-clock times (µs), e.g. one step without the start-up. */
export function analyzeProfile(file: string, window?: [number, number]): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${f.url ? `${relative(f.url)}:${f.lineNumber + 1}` : '(builtin)'}`;

  /** the nearest frame (itself or an ancestor) from a script outside node core: who asked for the work */
  const scripted = new Map<number, ProfileNode | undefined>();
  const withScript = (id: number): ProfileNode | undefined => {
    if (scripted.has(id)) return scripted.get(id);
    const n = byId.get(id)!;
    const own = n.callFrame.url && !n.callFrame.url.startsWith('node:');
    const r = own ? n : parent.has(id) ? withScript(parent.get(id)!) : undefined;
    scripted.set(id, r);
    return r;
  };

  const comp = new Map<string, number>();
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let busy = 0;
  let wall = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let at = p.startTime;
  p.samples.forEach((id, i) => {
    at += p.timeDeltas[i] ?? 0;
    if (window && (at < window[0] || at > window[1])) return;
    const dt = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    wall += dt;
    const n = byId.get(id)!;
    const fn = n.callFrame.functionName;
    if (fn === '(idle)') return;
    busy += dt;
    if (SPECIAL.has(fn) && !n.callFrame.url) {
      add(comp, fn === '(garbage collector)' ? 'GC' : fn, dt);
      add(self, fn, dt);
      return;
    }
    const owner = withScript(id);
    add(comp, owner ? componentOf(owner.callFrame.url) : n.callFrame.url ? 'node core' : 'builtins', dt);
    add(self, n.callFrame.url ? name(n.callFrame) : `${fn || '(anonymous)'} (builtin${owner ? `, from ${name(owner.callFrame)}` : ''})`, dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!relative(f.url).match(/^(gateway|processor|simulators|test)\//)) continue;
      const k = name(f);
      if (!seen.has(k)) {
        seen.add(k);
        add(incl, k, dt);
      }
    }
  });
  const top = (m: Map<string, number>, n: number): Share[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => ({ name: k, ms, share: ms / (busy || 1) }));
  const stages = new Map<string, number>();
  for (const [k, v] of comp) add(stages, stageOf(k), v);
  return { file, wallMs: wall, busyMs: busy, byStage: top(stages, 20), byComponent: top(comp, 14), topSelf: top(self, 15), topInclusive: top(incl, 15) };
}
