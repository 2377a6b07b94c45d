import { createHash } from 'node:crypto';
import type { DriftReport, ExtensionDrift } from '../drift/drift-report.js';
import { describeDriftCell, describeObject, describeReleaseDrift, DRIFT_MATRIX_STATES, DRIFT_STATE_STYLE, driftMatrixCell, driftMatrixColumns, formatDriftValue, type DriftMatrixState } from './describe-drift-cell.js';
import { driftSummaryLine } from './drift-summary-line.js';
import { htmlText as h } from './escape-output.js';

/**
 * The drift report as one self-contained HTML page, to attach to an issue or open offline: the
 * clusters × extensions matrix coloured by state with a legend, filters (state, cluster, text) and
 * a drill-down from each cell to its release-level reasons and field diffs.
 *
 * Everything is rendered here, so the page reads without JavaScript; the inline script only adds
 * the filters and the drill-down. Every text from manifests and clusters goes through htmlText,
 * and a Content-Security-Policy allows exactly this page's own style and script (by hash) and no
 * network at all, so even text that slipped through escaping could neither run nor call out.
 * Pure: the hashes are the only computation besides string building.
 */
export function renderDriftHtml(report: DriftReport): string {
  const columns = driftMatrixColumns(report);
  const cells: { id: string; cell: ExtensionDrift }[] = [];
  const counts = new Map<DriftMatrixState, number>();
  const bump = (state: DriftMatrixState) => counts.set(state, (counts.get(state) ?? 0) + 1);

  const rows = report.clusters.map((cluster) => {
    const head = `<th scope="row">${h(cluster.cluster)}</th>`;
    if (!cluster.reachable) {
      bump('unreachable');
      const message = cluster.message ?? 'The cluster could not be reached.';
      const search = `${cluster.cluster} unreachable ${message}`.toLowerCase();
      return `<tr data-cluster="${h(cluster.cluster)}">${head}<td class="cell state-unreachable" data-state="unreachable" data-search="${h(search)}" colspan="${Math.max(1, columns.length)}"><span class="label">unreachable</span> <span class="why">${h(message)}</span></td></tr>`;
    }
    const tds = columns.map((extension) => {
      const { state, cell } = driftMatrixCell(cluster, extension);
      bump(state);
      if (!cell) return `<td class="cell state-${state}" data-state="${state}" data-search="${h(`${cluster.cluster} ${extension}`.toLowerCase())}"><span class="label">${h(DRIFT_STATE_STYLE[state].label)}</span></td>`;
      const id = `cell-${cells.length}`;
      cells.push({ id, cell });
      return `<td class="cell state-${state}" data-state="${state}" data-search="${h(searchText(cell))}"><button type="button" data-detail="${id}" aria-controls="${id}" title="${h(describeDriftCell(cell))}">${h(DRIFT_STATE_STYLE[state].label)}</button></td>`;
    });
    return `<tr data-cluster="${h(cluster.cluster)}">${head}${tds.join('') || '<td class="cell state-absent" data-state="absent" data-search="">-</td>'}</tr>`;
  });

  const legend = DRIFT_MATRIX_STATES.map((state) => {
    const style = DRIFT_STATE_STYLE[state];
    const label = state === 'absent' ? 'not wanted' : style.label;
    return `<li title="${h(style.meaning)}"><label><input type="checkbox" name="state" value="${state}" checked> <span class="swatch state-${state}">${h(label)}</span> <span class="count">${counts.get(state) ?? 0}</span></label></li>`;
  });
  const clusterOptions = report.clusters.map((c) => `<option value="${h(c.cluster)}">${h(c.cluster)}</option>`);

  const body = [
    '<header>',
    `<h1>clusterext drift</h1>`,
    `<p class="source">Desired state: ${h(report.source.kind)} <code>${h(report.source.ref)}</code></p>`,
    `<p class="summary" id="summary">${h(driftSummaryLine(report))}</p>`,
    '</header>',
    '<section id="controls" aria-label="Legend and filters">',
    `<ul class="legend" id="legend">${legend.join('')}</ul>`,
    `<details class="meanings"><summary>What the states mean</summary><dl>${DRIFT_MATRIX_STATES.map((state) => `<dt><span class="swatch state-${state}">${h(state === 'absent' ? 'not wanted' : DRIFT_STATE_STYLE[state].label)}</span></dt><dd>${h(DRIFT_STATE_STYLE[state].meaning)}</dd>`).join('')}</dl></details>`,
    `<p class="filters"><label>Cluster <select id="filter-cluster"><option value="">all clusters</option>${clusterOptions.join('')}</select></label> <label>Search <input type="search" id="filter-text" placeholder="cluster, extension, object, field"></label> <span id="shown"></span></p>`,
    '</section>',
    '<div class="matrix-wrap">',
    `<table id="matrix"><thead><tr><th scope="col">Cluster</th>${columns.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody></table>`,
    '</div>',
    `<section id="details" aria-label="Details">${cells.map(({ id, cell }) => renderDetail(id, cell)).join('\n')}</section>`,
  ].join('\n');

  const csp = [
    "default-src 'none'",
    `style-src '${sha256(STYLE)}'`,
    `script-src '${sha256(SCRIPT)}'`,
    "img-src 'none'",
    "connect-src 'none'",
    "font-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>clusterext drift: ${h(report.source.ref)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderDetail(id: string, cell: ExtensionDrift): string {
  const style = DRIFT_STATE_STYLE[cell.state];
  const parts = [
    `<article class="detail" id="${id}" data-cluster="${h(cell.cluster)}" data-extension="${h(cell.extension)}" data-state="${cell.state}">`,
    `<h2><span class="swatch state-${cell.state}">${h(style.label)}</span> ${h(cell.cluster)} / ${h(cell.extension)}</h2>`,
    `<p>Release <code>${h(cell.releaseName)}</code> in namespace <code>${h(cell.namespace)}</code>${cell.extensionType ? `, type <code>${h(cell.extensionType)}</code>` : ''}${cell.origin ? `, ${h(cell.origin)}` : ''}${cell.driftDetection ? `, driftDetection <code>${h(cell.driftDetection)}</code>` : ''}.</p>`,
  ];
  const versions: string[] = [];
  if (cell.desired) versions.push(`<dt>Desired</dt><dd><code>${h(cell.desired.chart)}</code> ${h(cell.desired.version ?? '(unresolved)')}</dd>`);
  if (cell.installed) versions.push(`<dt>Installed</dt><dd><code>${h(cell.installed.chart)}</code> ${h(cell.installed.version)}, revision ${cell.installed.revision}, ${h(cell.installed.status)}</dd>`);
  if (versions.length > 0) parts.push(`<dl>${versions.join('')}</dl>`);
  if (cell.state === 'error' && cell.message) parts.push(`<p class="error">${h(cell.message)}</p>`);
  if (cell.release.length > 0) parts.push(`<ul class="release">${cell.release.map((r) => `<li><strong>${h(describeReleaseDrift(r))}</strong>: ${h(r.message)}</li>`).join('')}</ul>`);
  const rows = cell.objects.flatMap((o) => {
    const object = `${h(describeObject(o))} <span class="api">${h(o.apiVersion)}</span>`;
    if (o.state === 'missing') return [`<tr class="missing"><td>${object}</td><td colspan="3">missing: deleted from the cluster</td></tr>`];
    return o.fields.map(
      (f) =>
        `<tr class="field"><td>${object}</td><td><code class="path">${h(f.path)}</code>${f.masked ? ' <span class="masked">masked</span>' : ''}</td><td><code class="desired">${h(formatDriftValue(f.desired))}</code></td><td><code class="live">${h(formatDriftValue(f.live))}</code></td></tr>`,
    );
  });
  if (rows.length > 0) parts.push(`<table class="fields"><thead><tr><th>Object</th><th>Field (JSON Pointer)</th><th>Desired</th><th>Live</th></tr></thead><tbody>${rows.join('')}</tbody></table>`);
  else if (cell.state === 'in-sync') parts.push('<p>The release and every live object are what git wants.</p>');
  parts.push('</article>');
  return parts.join('\n');
}

/** What the text filter matches in a cell: names, state, reasons, objects and field paths, lower case. */
function searchText(cell: ExtensionDrift): string {
  return [cell.cluster, cell.extension, cell.releaseName, cell.namespace, cell.state, describeDriftCell(cell), ...cell.release.map((r) => r.reason), ...cell.objects.flatMap((o) => [describeObject(o), ...o.fields.map((f) => f.path)])]
    .join(' ')
    .toLowerCase();
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

const STYLE = `
:root { color-scheme: light; font-family: system-ui, sans-serif; font-size: 14px; color: #1f2328; }
body { margin: 1.5rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; }
code { font-family: ui-monospace, monospace; font-size: .9em; white-space: pre-wrap; word-break: break-all; }
.summary { font-weight: 600; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
.swatch { display: inline-block; padding: .1rem .45rem; border-radius: .3rem; }
.count { color: #59636e; }
.meanings dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
.matrix-wrap { overflow-x: auto; }
table { border-collapse: collapse; }
#matrix th, #matrix td { border: 1px solid #d1d9e0; padding: .3rem .5rem; text-align: left; }
#matrix thead th { background: #f6f8fa; position: sticky; top: 0; }
#matrix td.cell button { all: unset; cursor: pointer; display: block; width: 100%; }
#matrix td.cell button:focus-visible { outline: 2px solid #0969da; }
#matrix td.selected { outline: 3px solid #0969da; outline-offset: -3px; }
#matrix td.filtered { background: #fff !important; color: transparent; }
#matrix td.filtered button { pointer-events: none; }
.state-in-sync { background: #dafbe1; color: #116329; }
.state-drifted { background: #fff8c5; color: #7d4e00; }
.state-orphaned { background: #fbefff; color: #6639ba; }
.state-foreign { background: #ffebe9; color: #a40e26; }
.state-missing { background: #ffcecb; color: #82071e; }
.state-failed { background: #ff8182; color: #4c0014; }
.state-error { background: #82071e; color: #fff; }
.state-unreachable { background: #d1d9e0; color: #1f2328; }
.state-absent { background: #fff; color: #818b98; }
.why { color: #59636e; }
.detail { border-top: 1px solid #d1d9e0; margin-top: 1rem; }
.detail dl { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; }
.detail dt { font-weight: 600; }
.fields th, .fields td { border: 1px solid #d1d9e0; padding: .25rem .5rem; vertical-align: top; text-align: left; }
.fields .desired { color: #116329; }
.fields .live { color: #a40e26; }
.fields .api, .masked { color: #59636e; font-size: .85em; }
.error { color: #82071e; }
`;

// Filters and drill-down only: the page is complete without them. No network, no eval, no
// innerHTML: it reads and toggles what the server-side rendering put in the DOM.
const SCRIPT = `
(function () {
  var details = Array.prototype.slice.call(document.querySelectorAll('article.detail'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('#matrix tbody tr'));
  var boxes = Array.prototype.slice.call(document.querySelectorAll('input[name=state]'));
  var cluster = document.getElementById('filter-cluster');
  var text = document.getElementById('filter-text');
  var shown = document.getElementById('shown');
  details.forEach(function (d) { d.hidden = true; });
  function open(id) {
    details.forEach(function (d) { d.hidden = d.id !== id; });
    document.querySelectorAll('#matrix td.cell').forEach(function (td) {
      var b = td.querySelector('button[data-detail]');
      td.classList.toggle('selected', !!b && b.getAttribute('data-detail') === id);
    });
    var d = document.getElementById(id);
    if (d) d.scrollIntoView({ block: 'nearest' });
  }
  document.getElementById('matrix').addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button[data-detail]') : null;
    if (b) open(b.getAttribute('data-detail'));
  });
  function apply() {
    var states = {};
    boxes.forEach(function (b) { if (b.checked) states[b.value] = true; });
    var q = text.value.trim().toLowerCase();
    var c = cluster.value;
    var visible = 0;
    rows.forEach(function (row) {
      var any = false;
      var counted = 0;
      row.querySelectorAll('td.cell').forEach(function (td) {
        var ok = !!states[td.getAttribute('data-state')] && (q === '' || td.getAttribute('data-search').indexOf(q) >= 0);
        td.classList.toggle('filtered', !ok);
        if (ok) { any = true; if (td.getAttribute('data-state') !== 'absent') counted++; }
      });
      row.hidden = (c !== '' && row.getAttribute('data-cluster') !== c) || !any;
      if (!row.hidden) visible += counted;
    });
    shown.textContent = visible + ' cell' + (visible === 1 ? '' : 's') + ' shown';
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  cluster.addEventListener('change', apply);
  text.addEventListener('input', apply);
  apply();
})();
`;
