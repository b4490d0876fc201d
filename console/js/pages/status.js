// #/status: health (/healthz), the outbox backlog and its last errors and the running bulk
// publishes (admin API), requests and p99 latency by operation (admin API), and live charts
// drawn from /metrics polled every two seconds.

import { fetchText } from '../api.js';
import { LineChart } from '../chart.js';
import { clear, formatDate, h } from '../dom.js';
import { errorBox, table } from '../ui.js';
import { rates, snapshot } from '../metrics.js';

const POLL_MS = 2000;
const WINDOW = 60;  // samples kept: two minutes
const TOP_OPERATIONS = 5;

export async function renderStatus(page, api) {
  const health = h('p', { class: 'health', role: 'status' }, 'Checking health…');
  const outbox = h('div', {}, 'Loading the outbox…');
  const summary = h('div', {}, 'Loading the metrics summary…');
  const charts = {
    requests: new LineChart('Requests per second by operation', 'req/s'),
    errors: new LineChart('Errors per second (4xx and 5xx)', 'err/s'),
    latency: new LineChart('Latency p99', 'ms'),
    backlog: new LineChart('Outbox backlog', 'entries'),
  };
  page.append(h('h1', { tabindex: '-1' }, 'Status'),
    h('section', { class: 'card', 'aria-labelledby': 'health-title' },
      h('h2', { id: 'health-title' }, 'Health'), health),
    h('section', { class: 'card', 'aria-labelledby': 'charts-title' },
      h('h2', { id: 'charts-title' }, 'Live'),
      h('p', { class: 'hint' }, `From GET /metrics every ${POLL_MS / 1000} s while this page ` +
        'is open.'),
      h('div', { class: 'charts' }, Object.values(charts).map((c) => c.node))),
    h('section', { class: 'card', 'aria-labelledby': 'outbox-title' },
      h('h2', { id: 'outbox-title' }, 'Outbox and bulk publishes'), outbox),
    h('section', { class: 'card', 'aria-labelledby': 'summary-title' },
      h('h2', { id: 'summary-title' }, 'Requests by operation since start'), summary));

  const samples = [];
  let last = null;
  async function poll() {
    try {
      const [healthz, metrics] = await Promise.all([fetchText('/healthz'), fetchText('/metrics')]);
      clear(health).append(healthz.status === 200 ? h('span', { class: 'ok' }, 'Healthy: ready to serve.')
        : h('span', { class: 'bad' }, `Not ready (HTTP ${healthz.status}).`));
      if (metrics.status !== 200) throw new Error(`GET /metrics answered ${metrics.status}`);
      const now = snapshot(metrics.text, Date.now());
      if (last) samples.push(rates(last, now));
      last = now;
      while (samples.length > WINDOW) samples.shift();
      drawCharts();
    } catch (err) {
      clear(health).append(errorBox({ code: 'NetworkError', message: err.message }));
    }
  }

  function drawCharts() {
    const totals = {};
    for (const s of samples) {
      for (const [op, r] of Object.entries(s.perOperation)) totals[op] = (totals[op] || 0) + r;
    }
    const top = Object.entries(totals).sort((a, b) => b[1] - a[1]).slice(0, TOP_OPERATIONS)
      .map(([op]) => op);
    charts.requests.draw(top.map((op) => ({ name: op,
      values: samples.map((s) => s.perOperation[op] ?? 0) })));
    charts.errors.draw([{ name: 'errors', values: samples.map((s) => s.errors) }]);
    charts.latency.draw([{ name: 'p99', values: samples.map((s) => (s.p99 === null ? null
      : s.p99 * 1000)) }]);
    charts.backlog.draw([{ name: 'pending', values: samples.map((s) => s.backlog) }]);
  }

  async function refreshAdmin() {
    try {
      const o = await api.admin('outbox');
      clear(outbox).append(
        h('p', {}, `${o.Pending} entr${o.Pending === 1 ? 'y' : 'ies'} pending` +
          (o.Pending ? `, the oldest ${Math.round(o.OldestAgeSeconds)} s old.` : '.')),
        table('Pending deliveries (first ones)', ['Kind', 'Pool', 'Attempts', 'Created',
          'Last error'], o.FirstPending.map((e) => h('tr', {},
          h('td', {}, e.Kind), h('td', { class: 'mono' }, e.IdentityPoolId),
          h('td', {}, String(e.Attempts)), h('td', {}, formatDate(e.CreatedDate)),
          h('td', {}, e.LastError || '—')))),
        table('Running bulk publishes', ['Pool', 'Started'], o.RunningBulkPublishes.map((b) =>
          h('tr', {}, h('td', { class: 'mono' }, b.IdentityPoolId),
            h('td', {}, formatDate(b.BulkPublishStartTime))))));
    } catch (err) {
      clear(outbox).append(errorBox(err));
    }
    try {
      const m = await api.admin('metrics');
      clear(summary).append(table('Requests by operation', ['Operation', 'Requests', '4xx', '5xx',
        'p99 latency'], m.Operations.map((o) => h('tr', {},
        h('th', { scope: 'row' }, o.Operation), h('td', {}, String(o.Requests)),
        h('td', {}, String(o.Errors4xx)), h('td', {}, String(o.Errors5xx)),
        h('td', {}, o.LatencyP99Micros < 1000 ? `${o.LatencyP99Micros} µs`
          : `${o.LatencyP99Micros / 1000} ms`)))));
    } catch (err) {
      clear(summary).append(errorBox(err));
    }
  }

  await poll();
  refreshAdmin();
  const timers = [setInterval(poll, POLL_MS), setInterval(refreshAdmin, 5 * POLL_MS)];
  return () => timers.forEach(clearInterval);
}
