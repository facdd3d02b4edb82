// The generated dashboards as Grafana reads them: the JSON of dashboards/json parsed, typed for the
// checks (the part of the dashboard model the checks read; the generator builds it with Grafana's SDK).
import type { Registry } from '../../gateway/registry/schema.js';
import { renderDashboards } from '../../dashboards/generate.js';

/** an InfluxQL target as the dashboards carry it */
export interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  rawQuery: boolean;
  resultFormat: 'time_series' | 'table';
  query: string;
  alias?: string;
  fromAnnotations?: boolean;
  textColumn?: string;
  tagsColumn?: string;
}

export interface FieldOverride {
  matcher: { id: string; options: string };
  properties: { id: string; value: unknown }[];
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: FieldOverride[] };
  options?: Record<string, unknown>;
  transformations?: { id: string; filter?: { id: string; options: string }; options: Record<string, unknown> }[];
}

export interface Variable {
  name: string;
  label: string;
  type: string;
  query: string;
  options: { text: string; value: string; selected: boolean }[];
}

export interface Annotation {
  name: string;
  datasource: { type: string; uid: string };
  builtIn?: number;
  target?: Target;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  annotations: { list: Annotation[] };
  templating: { list?: Variable[] };
  panels: Panel[];
}

/** every dashboard by file name, parsed from the JSON `npm run dashboards` writes */
export const renderedDashboards = (registry: Registry): Record<string, Dashboard> =>
  Object.fromEntries(Object.entries(renderDashboards(registry)).map(([file, text]) => [file, JSON.parse(text) as Dashboard]));

/** a dashboard's variables (none: no list) */
export const variablesOf = (d: Dashboard): Variable[] => d.templating.list ?? [];
