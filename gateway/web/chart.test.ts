import { describe, expect, it } from 'vitest';
import { lineChart, tick } from './chart.js';

const T = Date.parse('2026-11-25T10:00:00+08:00');
const MIN = 60_000;

describe('lineChart: a server-drawn SVG line chart', () => {
  it('draws the values as a polyline and the limit at the height a value equal to it has', () => {
    const svg = lineChart({ title: 'COD mg/L', points: [{ t: T, v: 300 }, { t: T + MIN, v: 500 }, { t: T + 2 * MIN, v: 620 }], lines: [{ value: 500, label: '限值', cls: 'level-exceedance' }] }).__html;
    expect(svg.startsWith('<svg class="chart"')).toBe(true);
    const line = /<line class="limit level-exceedance" x1="[\d.]+" y1="([\d.]+)"/.exec(svg);
    const points = /<polyline class="values" points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => p.split(',').map(Number));
    expect(points).toHaveLength(3);
    expect(Number(line![1])).toBeCloseTo(points[1]![1]!, 1);
    // higher values are higher up (smaller y)
    expect(points[2]![1]!).toBeLessThan(points[0]![1]!);
    expect(svg).toContain('限值 500');
    expect(svg).toContain('2026-11-25 10:00');
  });

  it('keeps a limit far above the values inside the drawing', () => {
    const svg = lineChart({ title: 'x', points: [{ t: T, v: 1 }, { t: T + MIN, v: 2 }], lines: [{ value: 100, label: 'L', cls: 'level-warning' }] }).__html;
    const y = Number(/<line class="limit level-warning" x1="[\d.]+" y1="([\d.]+)"/.exec(svg)![1]);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(y).toBeLessThan(210);
  });

  it('says there is no data instead of drawing nothing, and escapes every text', () => {
    const empty = lineChart({ title: '<script>alert(1)</script>', points: [] }).__html;
    expect(empty).toContain('无数据');
    expect(empty).not.toContain('<polyline');
    expect(empty).not.toContain('<script>');
    expect(empty).toContain('&lt;script&gt;');
    const labelled = lineChart({ title: 't', points: [{ t: T, v: 1 }], lines: [{ value: 1, label: '"><img src=x>', cls: 'x" onload="y' }] }).__html;
    expect(labelled).not.toContain('<img');
    expect(labelled).not.toContain('onload="y');
  });

  it('marks values not flagged N hollow, and draws a single value', () => {
    const svg = lineChart({ title: 't', points: [{ t: T, v: 5, flag: 'C' }] }).__html;
    expect(svg).toContain('fill="#fff"');
    expect(svg).toContain('(C)');
  });

  it('writes axis numbers short', () => {
    expect(tick(500)).toBe('500');
    expect(tick(6.54321)).toBe('6.54');
    expect(tick(12345.6)).toBe('12346');
  });
});
