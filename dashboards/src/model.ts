// The slice of Grafana's dashboard JSON model (schemaVersion 39) these dashboards use, as plain typed
// objects: @grafana/grafana-foundation-sdk is not among the project's packages, so the generator builds
// the model itself. Targets are raw InfluxQL (the InfluxDB data source has no query builder here).

export const DS = { type: 'influxdb', uid: 'park-influxdb' } as const;
export type DataSourceRef = typeof DS;

/** an InfluxQL target: the query as Grafana sends it, with $timeFilter, $__interval and $variables */
export interface Target {
  refId: string;
  datasource: DataSourceRef;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  query: string;
  /** series name: $col is the column alias, $tag_<key> a GROUP BY tag */
  alias?: string;
}

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ThresholdStep {
  color: string;
  value: number | null;
}

export interface FieldOverride {
  matcher: { id: 'byName' | 'byRegexp'; options: string };
  properties: { id: string; value: unknown }[];
}

export interface Panel {
  id: number;
  type: 'row' | 'timeseries' | 'table' | 'stat' | 'state-timeline' | 'barchart' | 'geomap';
  title: string;
  description?: string;
  gridPos: GridPos;
  datasource?: DataSourceRef;
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: FieldOverride[] };
  options?: Record<string, unknown>;
  /** `filter`: the transformation applies to one query's frame only (Grafana 10.4+) */
  transformations?: { id: string; filter?: { id: 'byRefId'; options: string }; options: Record<string, unknown> }[];
  collapsed?: boolean;
  panels?: Panel[];
}

/** a custom variable: its values come from the registry, so a site that never reported is still listed */
export interface Variable {
  name: string;
  label: string;
  type: 'custom';
  /** Grafana's custom list: `text : value` pairs joined by commas */
  query: string;
  multi: true;
  includeAll: true;
  hide: 0;
  current: { selected: true; text: string[]; value: string[] };
  options: { text: string; value: string; selected: boolean }[];
}

export interface Annotation {
  name: string;
  datasource: DataSourceRef | { type: 'grafana'; uid: '-- Grafana --' };
  enable: boolean;
  hide: boolean;
  iconColor: string;
  builtIn?: 1;
  type?: 'dashboard';
  target?: Target;
  query?: string;
  textColumn?: string;
  tagsColumn?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'browser';
  schemaVersion: 39;
  version: 1;
  editable: false;
  graphTooltip: 1;
  refresh: '30s';
  time: { from: string; to: 'now' };
  timepicker: Record<string, never>;
  fiscalYearStartMonth: 0;
  liveNow: false;
  weekStart: '';
  annotations: { list: Annotation[] };
  links: Record<string, unknown>[];
  templating: { list: Variable[] };
  panels: Panel[];
}

export const target = (refId: string, query: string, extra: Partial<Pick<Target, 'alias' | 'resultFormat'>> = {}): Target => ({
  refId,
  datasource: DS,
  rawQuery: true,
  resultFormat: extra.resultFormat ?? 'time_series',
  query,
  ...(extra.alias !== undefined ? { alias: extra.alias } : {}),
});

export function variable(name: string, label: string, values: readonly { text: string; value: string }[]): Variable {
  for (const v of values) if (/[,:]/.test(v.value) || /[,]/.test(v.text)) throw new Error(`variable ${name}: "${v.value}" has a comma or colon, which Grafana's custom list cannot carry`);
  return {
    name,
    label,
    type: 'custom',
    query: values.map((v) => `${v.text} : ${v.value}`).join(','),
    multi: true,
    includeAll: true,
    hide: 0,
    current: { selected: true, text: ['All'], value: ['$__all'] },
    options: values.map((v) => ({ ...v, selected: false })),
  };
}

/** Lays panels out left to right in rows of 24 columns; a row panel starts a new line. */
export function layout(panels: Omit<Panel, 'id' | 'gridPos'>[], sizes: { w: number; h: number }[]): Panel[] {
  let x = 0;
  let y = 0;
  let rowH = 0;
  return panels.map((p, i) => {
    const size = p.type === 'row' ? { w: 24, h: 1 } : sizes[i]!;
    if (p.type === 'row' || x + size.w > 24) {
      y += rowH;
      x = 0;
      rowH = 0;
    }
    const gridPos = { x, y, w: size.w, h: size.h };
    x += size.w;
    rowH = Math.max(rowH, size.h);
    if (p.type === 'row') {
      y += 1;
      x = 0;
      rowH = 0;
    }
    return { id: i + 1, gridPos, ...p };
  });
}
