/**
 * The HTML page's own script (plain ES2017, no modules): reads the embedded data, draws the
 * charts with the inlined Chart.js, and runs the sortable, filterable, paged results table.
 */
export const HTML_REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var pct = function (v) { return (v * 100).toFixed(1) + '%'; };
  var palette = ['#2f6fde', '#1a9c6b', '#e0902b', '#c8453c', '#7a4fd0', '#2aa0b5', '#8a8f98'];
  function chart(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) return;
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: config.legend === true } } }, config.options || {});
    new Chart(canvas, config);
  }
  var wf = Object.keys(data.statistics.perWorkflow);
  chart('chart-workflows', { type: 'bar', data: { labels: wf, datasets: [{ label: 'pass rate %', backgroundColor: palette[0], data: wf.map(function (k) { return +(data.statistics.perWorkflow[k].passRate * 100).toFixed(1); }) }] }, options: { scales: { y: { min: 0, max: 100 } } } });
  var asserts = data.statistics.perAssertion;
  if (asserts.length > 0) chart('chart-assertions', { type: 'bar', data: { labels: asserts.map(function (a) { return a.name; }), datasets: [{ label: 'pass rate %', backgroundColor: palette[1], data: asserts.map(function (a) { return +(a.passRate * 100).toFixed(1); }) }] }, options: { indexAxis: 'y', scales: { x: { min: 0, max: 100 } } } });
  chart('chart-latency', { type: 'bar', data: { labels: data.histogram.labels, datasets: [{ label: 'cases', backgroundColor: palette[2], data: data.histogram.counts }] } });
  chart('chart-cost', { type: 'bar', legend: true, data: { labels: wf, datasets: [
    { label: 'tokens', backgroundColor: palette[4], yAxisID: 'y', data: wf.map(function (k) { return data.statistics.perWorkflow[k].tokens; }) },
    { label: 'cost', backgroundColor: palette[5], yAxisID: 'y1', data: wf.map(function (k) { return data.statistics.perWorkflow[k].cost; }) }
  ] }, options: { scales: { y: { position: 'left' }, y1: { position: 'right', grid: { drawOnChartArea: false } } } } });
  if (data.slowestNodes.length > 0) chart('chart-nodes', { type: 'bar', data: { labels: data.slowestNodes.map(function (n) { return n.label; }), datasets: [{ label: 'mean ms', backgroundColor: palette[3], data: data.slowestNodes.map(function (n) { return n.meanMs; }) }] }, options: { indexAxis: 'y' } });
  if (data.comparison) chart('chart-compare', { type: 'bar', legend: true, data: { labels: ['pass rate %'], datasets: [
    { label: 'previous ' + data.comparison.baseRunId, backgroundColor: palette[6], data: [+(data.comparison.basePassRate * 100).toFixed(1)] },
    { label: 'this run', backgroundColor: palette[0], data: [+(data.comparison.headPassRate * 100).toFixed(1)] }
  ] }, options: { scales: { y: { min: 0, max: 100 } } } });

  // Variants side by side: each one's pass rate, and its 95% interval as a floating bar.
  var variants = data.statistics.variants;
  if (variants.length > 0) chart('chart-variants', { type: 'bar', legend: true, data: { labels: variants.map(function (v) { return v.workflowId + ' · ' + v.variant; }), datasets: [
    { label: 'pass rate %', backgroundColor: palette[0], data: variants.map(function (v) { return +(v.passRate * 100).toFixed(1); }) },
    { label: '95% interval', backgroundColor: palette[6], data: variants.map(function (v) { return [+(v.interval[0] * 100).toFixed(1), +(v.interval[1] * 100).toFixed(1)]; }) }
  ] }, options: { scales: { y: { min: 0, max: 100 } } } });

  // The results table: sort by a column, filter by text and verdict, 100 rows a page.
  var rows = data.rows;
  var columns = data.columns;
  var state = { sort: 0, dir: 1, text: '', verdict: 'all', page: 0 };
  var PAGE = 100;
  var head = document.querySelector('#results thead tr');
  columns.forEach(function (c, i) {
    var th = document.createElement('th');
    th.textContent = c[1];
    th.setAttribute('data-column', c[0]);
    th.addEventListener('click', function () { state.dir = state.sort === i ? -state.dir : 1; state.sort = i; state.page = 0; render(); });
    head.appendChild(th);
  });
  function cell(value, key) {
    if (value === null || value === undefined) return '';
    if (/Ms$/.test(key) && typeof value === 'number') return String(Math.round(value));
    if (typeof value === 'boolean') return value ? 'PASS' : 'FAIL';
    if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
    return String(value);
  }
  function visible() {
    var needle = state.text.toLowerCase();
    var key = columns[state.sort][0];
    return rows.filter(function (r) {
      if (state.verdict === 'pass' && !r.passed) return false;
      if (state.verdict === 'fail' && r.passed) return false;
      if (needle === '') return true;
      return (r.caseId + ' ' + r.workflowId + ' ' + r.inputs + ' ' + r.query + ' ' + r.output + ' ' + r.reasons + ' ' + r.status).toLowerCase().indexOf(needle) !== -1;
    }).sort(function (a, b) {
      var x = a[key], y = b[key];
      if (x === y) return a.position - b.position;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * state.dir;
    });
  }
  function render() {
    var list = visible();
    var pages = Math.max(1, Math.ceil(list.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    var body = document.querySelector('#results tbody');
    body.textContent = '';
    list.slice(state.page * PAGE, state.page * PAGE + PAGE).forEach(function (r) {
      var tr = document.createElement('tr');
      tr.className = r.passed ? 'pass' : 'fail';
      columns.forEach(function (c) {
        var td = document.createElement('td');
        td.textContent = cell(r[c[0]], c[0]);
        if (c[0] === 'inputs' || c[0] === 'output' || c[0] === 'reasons' || c[0] === 'reference') td.className = 'long';
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.getElementById('shown').textContent = list.length + ' of ' + rows.length + ' cases · page ' + (state.page + 1) + ' of ' + pages;
    document.getElementById('prev').disabled = state.page === 0;
    document.getElementById('next').disabled = state.page >= pages - 1;
  }
  document.getElementById('filter').addEventListener('input', function (e) { state.text = e.target.value; state.page = 0; render(); });
  document.getElementById('verdict').addEventListener('change', function (e) { state.verdict = e.target.value; state.page = 0; render(); });
  document.getElementById('prev').addEventListener('click', function () { state.page -= 1; render(); });
  document.getElementById('next').addEventListener('click', function () { state.page += 1; render(); });
  render();
  document.body.setAttribute('data-ready', 'true');
})();
`;
