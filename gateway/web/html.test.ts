import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from './html.js';

describe('html', () => {
  it('escapes interpolated text, attributes included', () => {
    const name = `<script>alert("x")</script>'&`;
    expect(html`<p title="${name}">${name}</p>`.__html).toBe('<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;</p>');
  });
  it('inserts nested html and raw markup as they are, joins arrays, skips empty values', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${undefined}${null}${false}${raw('<svg></svg>')}${0}`.__html).toBe('<ul><li>a&lt;b</li><li>c</li></ul><svg></svg>0');
  });
  it('escapeHtml leaves plain Chinese text alone', () => {
    expect(escapeHtml('雨水排口 RO-01')).toBe('雨水排口 RO-01');
  });
});
