import { z } from 'zod';

/** one row per value row of every series, with the series' tags; times epoch ms */
export type Row = Record<string, unknown>;
/** runs InfluxQL statements (joined by ";") and returns one row list per statement */
export type InfluxQuery = (statements: readonly string[]) => Promise<Row[][]>;

// InfluxDB 1.x /query response (https://docs.influxdata.com/influxdb/v1/tools/api/#query-http-endpoint)
const ResponseSchema = z.object({
  error: z.string().optional(),
  results: z
    .array(
      z.object({
        statement_id: z.number().optional(),
        error: z.string().optional(),
        series: z.array(z.object({ name: z.string().optional(), tags: z.record(z.string(), z.string()).optional(), columns: z.array(z.string()), values: z.array(z.array(z.unknown())).optional() })).optional(),
      }),
    )
    .default([]),
});

/** InfluxQL over HTTP to an InfluxDB 1.x (credentials in the URL become basic auth) */
export function influxQuery(baseUrl: string, database: string, timeoutMs = 30_000): InfluxQuery {
  return async (statements) => {
    const u = new URL(baseUrl);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (u.username) headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
    u.username = '';
    u.password = '';
    const body = new URLSearchParams({ q: statements.join(';\n'), db: database, epoch: 'ms' });
    const res = await fetch(new URL('query', u.href.endsWith('/') ? u.href : `${u.href}/`), { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let parsed;
    try {
      parsed = ResponseSchema.safeParse(JSON.parse(text));
    } catch {
      throw new Error(`patrol query: InfluxDB answered HTTP ${res.status} with no JSON: ${text.slice(0, 200)}`);
    }
    if (!parsed.success) throw new Error(`patrol query: unexpected InfluxDB response: ${z.prettifyError(parsed.error)}`);
    const json = parsed.data;
    const error = json.error ?? json.results.find((r) => r.error)?.error;
    if (error || !res.ok) throw new Error(`patrol query: ${error ?? `HTTP ${res.status}`}`);
    const out: Row[][] = statements.map(() => []);
    json.results.forEach((result, i) => {
      const rows = out[result.statement_id ?? i] ?? [];
      for (const s of result.series ?? [])
        for (const values of s.values ?? []) {
          const row: Row = { ...s.tags };
          s.columns.forEach((col, j) => (row[col] = values[j]));
          rows.push(row);
        }
    });
    return out;
  };
}
