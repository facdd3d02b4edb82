/**
 * HTML built from tagged templates: every interpolated value is escaped unless it is already `Html`
 * (built by `html` itself or marked with `raw` for trusted, generated markup such as an SVG chart).
 * Arrays are joined; undefined, null and false render nothing.
 */
export interface Html {
  readonly __html: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** escapes text for element content and quoted attribute values */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const isHtml = (v: unknown): v is Html => typeof v === 'object' && v !== null && typeof (v as Html).__html === 'string';

function render(v: unknown): string {
  if (v === undefined || v === null || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  if (isHtml(v)) return v.__html;
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return { __html: out };
}

/** trusted markup, inserted as it is (only for markup the gateway generated itself) */
export const raw = (s: string): Html => ({ __html: s });
