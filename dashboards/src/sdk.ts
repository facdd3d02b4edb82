// What the dashboards share on top of Grafana's typed builders (@grafana/grafana-foundation-sdk): the
// InfluxQL target (the SDK has no InfluxDB query builder, so ours implements its cog.Builder<Dataquery>),
// custom variables from the registry, value mappings, thresholds, and the grid layout.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  AnnotationQueryBuilder,
  CustomVariableBuilder,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  FieldColorBuilder,
  FieldColorModeId,
  MappingType,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableHide,
  type Dashboard,
  type GridPos,
  type Panel,
  type Threshold,
  type ValueMap,
  type ValueMappingResult,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { LegendDisplayMode, LegendPlacement, VizLegendOptionsBuilder } from '@grafana/grafana-foundation-sdk/common';

export const DS = { type: 'influxdb', uid: 'park-influxdb' } as const;

/** an InfluxQL target: the query as Grafana sends it, with $timeFilter, $__interval and $variables */
export interface InfluxQuery extends cog.Dataquery {
  refId: string;
  datasource: typeof DS;
  rawQuery: true;
  resultFormat: 'time_series' | 'table';
  query: string;
  /** series name: $col is the column alias, $tag_<key> a GROUP BY tag */
  alias?: string;
  /** annotations: marked as such (as Grafana's InfluxDB data source marks them), the columns of the text and the tags */
  fromAnnotations?: true;
  textColumn?: string;
  tagsColumn?: string;
}

/** the target as the SDK's panels take it (`withTarget`) */
export class InfluxTarget implements cog.Builder<InfluxQuery> {
  constructor(private readonly internal: InfluxQuery) {}
  build(): InfluxQuery {
    return this.internal;
  }
}

export const target = (refId: string, query: string, extra: Partial<Pick<InfluxQuery, 'alias' | 'resultFormat' | 'fromAnnotations' | 'textColumn' | 'tagsColumn'>> = {}): InfluxTarget =>
  new InfluxTarget({
    refId,
    datasource: DS,
    rawQuery: true,
    resultFormat: extra.resultFormat ?? 'time_series',
    query,
    ...(extra.alias !== undefined ? { alias: extra.alias } : {}),
    ...(extra.fromAnnotations ? { fromAnnotations: true as const } : {}),
    ...(extra.textColumn !== undefined ? { textColumn: extra.textColumn } : {}),
    ...(extra.tagsColumn !== undefined ? { tagsColumn: extra.tagsColumn } : {}),
    // the SDK's marker of a data query variant; a function, so never in the JSON
    _implementsDataqueryVariant() {},
  });

export const thresholds = (steps: readonly Threshold[]) => new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([...steps]);
export const colors = (mode: FieldColorModeId, fixed?: string) => (fixed ? new FieldColorBuilder().mode(mode).fixedColor(fixed) : new FieldColorBuilder().mode(mode));
export const legend = (show = true) => new VizLegendOptionsBuilder().showLegend(show).displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom);
export { FieldColorModeId, type CustomVariableBuilder };

/** a value-to-text mapping (Grafana's "value" mapping) */
export const valueMap = (options: Record<string, ValueMappingResult>): ValueMap[] => [{ type: MappingType.ValueToText, options }];

/** a custom variable: its values come from the registry, so a site that never reported is still listed */
export function variable(name: string, label: string, values: readonly { text: string; value: string }[]): CustomVariableBuilder {
  for (const v of values) if (/[,:]/.test(v.value) || /[,]/.test(v.text)) throw new Error(`variable ${name}: "${v.value}" has a comma or colon, which Grafana's custom list cannot carry`);
  return new CustomVariableBuilder(name)
    .label(label)
    .values(values.map((v) => `${v.text} : ${v.value}`).join(','))
    .multi(true)
    .includeAll(true)
    .hide(VariableHide.DontHide)
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .options(values.map((v) => ({ ...v, selected: false })));
}

/** a panel builder of the SDK (timeseries, table, stat, …): built, numbered and placed here */
export interface PanelB extends cog.Builder<Panel> {
  id(id: number): unknown;
  gridPos(gridPos: GridPos): unknown;
}
export type Size = { w: number; h: number };
export type Cell = [PanelB | RowBuilder, Size];

export const row = (title: string): RowBuilder => new RowBuilder(title).collapsed(false);

/** Lays panels out left to right in rows of 24 columns; a row starts a new line (positions set here, so a panel too wide for the rest of a line wraps). */
export function place(cells: readonly Cell[]): Cell[] {
  let x = 0;
  let y = 0;
  let rowH = 0;
  return cells.map(([p, s], i) => {
    const isRow = p instanceof RowBuilder;
    const size = isRow ? { w: 24, h: 1 } : s;
    if (isRow || x + size.w > 24) {
      y += rowH;
      x = 0;
      rowH = 0;
    }
    p.gridPos({ x, y, w: size.w, h: size.h });
    p.id(i + 1);
    x += size.w;
    rowH = Math.max(rowH, size.h);
    if (isRow) {
      y += 1;
      x = 0;
      rowH = 0;
    }
    return [p, s];
  });
}

export interface BoardSpec {
  uid: string;
  title: string;
  description: string;
  cells: Cell[];
  variables: CustomVariableBuilder[];
  annotations: AnnotationQueryBuilder[];
  time?: string;
}

/** a park dashboard: tags, links to the others, shared crosshair, read-only, refreshed every 30 s */
export function board(spec: BoardSpec): Dashboard {
  const b = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['park'])
    .timezone('browser')
    .version(1)
    .readonly()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: spec.time ?? 'now-6h', to: 'now' })
    .fiscalYearStartMonth(0)
    .liveNow(false)
    .weekStart('')
    .annotations(spec.annotations)
    .link(new DashboardLinkBuilder('园区 Park').type(DashboardLinkType.Dashboards).tags(['park']).asDropdown(true).keepTime(true))
    .variables(spec.variables);
  for (const [p] of place(spec.cells)) {
    if (p instanceof RowBuilder) b.withRow(p);
    else b.withPanel(p);
  }
  return b.build();
}
