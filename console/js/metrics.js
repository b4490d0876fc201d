// Prometheus text (GET /metrics) into numbers, and the rates the status charts draw: requests
// per second by operation, errors per second, p99 latency over each interval, outbox backlog.

// [{ name, labels: {k: v}, value }] for every sample line.
export function parsePrometheus(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const pair of (m[2] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

// One scrape reduced to what the charts need.
export function snapshot(text, time) {
  const s = { time, requests: {}, errors: 0, buckets: {}, backlog: 0 };
  for (const { name, labels, value } of parsePrometheus(text)) {
    if (name === 'cogsync_requests_total') s.requests[labels.operation] = value;
    else if (name === 'cogsync_request_errors_total') s.errors += value;
    else if (name === 'cogsync_request_duration_seconds_bucket') {
      s.buckets[labels.le] = (s.buckets[labels.le] || 0) + value;
    } else if (name === 'cogsync_outbox_pending') s.backlog += value;
  }
  return s;
}

// The upper bound (seconds) of the bucket holding the 99th percentile of the requests answered
// between two snapshots; null when there were none.
export function p99Between(before, after) {
  const bounds = Object.keys(after.buckets).filter((le) => le !== '+Inf')
    .map(Number).sort((a, b) => a - b);
  const delta = (le) => (after.buckets[le] || 0) - (before.buckets[le] || 0);
  const total = delta('+Inf');
  if (!(total > 0)) return null;
  for (const le of bounds) {
    const key = Object.keys(after.buckets).find((k) => Number(k) === le);
    if (delta(key) >= 0.99 * total) return le;
  }
  return bounds.length ? bounds[bounds.length - 1] : null;
}

// Rates between consecutive snapshots.
export function rates(before, after) {
  const dt = Math.max((after.time - before.time) / 1000, 0.001);
  const perOperation = {};
  for (const [op, n] of Object.entries(after.requests)) {
    perOperation[op] = Math.max(0, (n - (before.requests[op] || 0)) / dt);
  }
  return { time: after.time, perOperation, errors: Math.max(0, (after.errors - before.errors) / dt),
    p99: p99Between(before, after), backlog: after.backlog };
}
