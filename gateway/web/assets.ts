/**
 * The pages' only stylesheet and script, served by the gateway itself (/web/app.css, /web/app.js):
 * nothing is loaded from the internet, and the page CSP allows only these ('self').
 */
export const APP_CSS = `
:root{--fg:#1d2733;--muted:#5b6b7c;--line:#d6dde5;--bg:#f5f7fa;--card:#fff;--accent:#0b62c4;--red:#c62828;--orange:#e67700;--yellow:#b59300;--green:#2e7d32}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",system-ui,sans-serif;color:var(--fg);background:var(--bg)}
header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem;padding:.5rem 1rem;background:#12324f;color:#fff}
header.top a{color:#fff;text-decoration:none;padding:.35rem .5rem;border-radius:4px}
header.top a.active{background:rgba(255,255,255,.18)}
header.top .brand{font-weight:600;margin-right:auto}
header.top form{display:inline;margin:0}
header.top button{background:none;border:1px solid rgba(255,255,255,.5);color:#fff;border-radius:4px;padding:.2rem .6rem}
main{max-width:1200px;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.25rem 0 1rem}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin-bottom:1rem}
table{width:100%;border-collapse:collapse;background:var(--card)}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.9rem}
a{color:var(--accent)}
.muted{color:var(--muted)}
.badge{display:inline-block;padding:0 .45rem;border-radius:3px;font-size:.85rem;border:1px solid currentColor;white-space:nowrap}
.level-exceedance,.bad{color:var(--red)} .level-control{color:var(--orange)} .level-warning{color:var(--yellow)} .ok{color:var(--green)}
.stale{color:var(--muted);font-style:italic}
form.inline{display:inline}
label{display:block;margin:.5rem 0 .2rem;font-weight:600}
input,select,textarea,button{font:inherit}
input[type=text],input[type=password],input[type=datetime-local],select,textarea{width:100%;max-width:32rem;padding:.45rem;border:1px solid var(--line);border-radius:4px;background:#fff}
textarea{min-height:4.5rem}
button,.button{display:inline-block;background:var(--accent);color:#fff;border:0;border-radius:4px;padding:.5rem 1rem;margin:.5rem .5rem 0 0;cursor:pointer;text-decoration:none}
button.secondary{background:#fff;color:var(--accent);border:1px solid var(--accent)}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
.filters label{margin:0;font-weight:400;font-size:.9rem}
.filters select,.filters input{width:auto}
.form-error{color:var(--red);min-height:1.2em}
.chart{width:100%;max-width:720px;height:auto;background:#fff;border:1px solid var(--line)}
figure{margin:0 0 1rem}
details>summary{cursor:pointer;padding:.5rem 0;color:var(--accent)}
figcaption{color:var(--muted);font-size:.9rem;margin-bottom:.25rem}
section.moves{display:flex;flex-wrap:wrap;gap:.5rem}
section.moves h2{flex-basis:100%}
section.moves form{flex:1 1 16rem;margin:0}
section.moves textarea{min-height:2.5rem}
section.moves .form-error{margin:.2rem 0;min-height:0}
.photos{display:flex;flex-wrap:wrap;gap:.5rem}
.photos img{max-width:240px;max-height:180px;border:1px solid var(--line)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}
@media (max-width:640px){
  main{padding:.5rem}
  table.cards thead{display:none}
  table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}
  table.cards tr{border:1px solid var(--line);border-radius:6px;margin-bottom:.5rem;background:var(--card)}
  table.cards td{border:0;padding:.2rem .6rem}
  table.cards td[data-label]::before{content:attr(data-label)"：";color:var(--muted)}
}
`;

/**
 * Forms with `data-api` are sent to the JSON API by fetch (the API decides, authorises and audits; the
 * pages only show). Field names with dots nest ("remarks.WP-01"); `data-type="number"` fields are numbers;
 * empty fields are left out; a multipart form is sent as FormData (photo uploads). On success the page goes
 * to `data-next` ("{ticket.id}" filled from the answer) or reloads; on failure the API's message is shown.
 */
export const APP_JS = `'use strict';
(function () {
  function put(obj, path, value) {
    var keys = path.split('.');
    var o = obj;
    for (var i = 0; i < keys.length - 1; i++) { o[keys[i]] = o[keys[i]] || {}; o = o[keys[i]]; }
    o[keys[keys.length - 1]] = value;
  }
  function toJson(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === 'submit' || el.type === 'button') return;
      if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) return;
      var v = el.type === 'checkbox' && el.value === 'on' ? true : el.value;
      if (v === '') return;
      if (el.dataset.type === 'number') v = Number(v);
      if (el.dataset.type === 'epoch' && typeof v === 'string') v = new Date(v).getTime();
      put(out, el.name, v);
    });
    return out;
  }
  function fill(template, answer) {
    return template.replace(/\\{([\\w.]+)\\}/g, function (_, path) {
      var v = path.split('.').reduce(function (o, k) { return o == null ? undefined : o[k]; }, answer);
      return v == null ? '' : encodeURIComponent(String(v));
    });
  }
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (!form || !form.dataset || !form.dataset.api) return;
    ev.preventDefault();
    var error = form.querySelector('.form-error');
    var buttons = form.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    var multipart = form.enctype === 'multipart/form-data';
    var init = { method: form.dataset.method || 'POST', credentials: 'same-origin', headers: {} };
    if (multipart) init.body = new FormData(form);
    else { init.body = JSON.stringify(toJson(form)); init.headers['content-type'] = 'application/json'; }
    fetch(form.dataset.api, init).then(function (res) {
      return res.text().then(function (text) {
        var answer = {};
        try { answer = text ? JSON.parse(text) : {}; } catch (e) { answer = { message: text }; }
        if (res.ok) {
          var next = form.dataset.next;
          if (next) location.assign(fill(next, answer)); else location.reload();
          return;
        }
        if (error) error.textContent = '失败 (' + res.status + ')：' + (answer.message || answer.error || res.statusText);
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      });
    }).catch(function (e) {
      if (error) error.textContent = '网络错误：' + e.message;
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
    });
  });
})();
`;
