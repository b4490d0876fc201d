// A small line chart on a canvas, with its numbers also given as text (the figure's caption
// and a data-points attribute), so the picture is never the only way to read them.

import { clear, h } from './dom.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

export class LineChart {
  constructor(title, unit) {
    this.title = title;
    this.unit = unit;
    this.canvas = h('canvas', { role: 'img', 'aria-label': title, height: 160 });
    this.legend = h('ul', { class: 'legend' });
    this.caption = h('figcaption', {}, h('strong', {}, title), ' ', h('span', {}, 'No data yet.'));
    this.node = h('figure', { class: 'chart', 'data-points': '0', 'data-max': '0' }, this.caption,
      this.canvas, this.legend);
  }

  // series: [{ name, values: [number|null] }]; all the same length (oldest first).
  draw(series) {
    const canvas = this.canvas;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(canvas.parentElement?.clientWidth || 300, 200);
    const height = 160;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d');
    ctx.scale(ratio, ratio);
    ctx.clearRect(0, 0, width, height);
    const values = series.flatMap((s) => s.values).filter((v) => v !== null && Number.isFinite(v));
    const max = Math.max(...values, 0);
    const top = max > 0 ? max * 1.15 : 1;
    const left = 44;
    const bottom = height - 18;
    ctx.strokeStyle = '#cbd5e1';
    ctx.fillStyle = '#475569';
    ctx.font = '11px system-ui, sans-serif';
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = bottom - (bottom - 8) * (i / 4);
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(width - 4, y);
      ctx.stroke();
      ctx.fillText(format(top * (i / 4)), 2, y + 4);
    }
    const n = Math.max(...series.map((s) => s.values.length), 2);
    const x = (i) => left + (width - left - 6) * (i / (n - 1));
    const y = (v) => bottom - (bottom - 8) * (v / top);
    series.forEach((s, k) => {
      ctx.strokeStyle = COLORS[k % COLORS.length];
      ctx.lineWidth = 2;
      ctx.beginPath();
      let pen = false;
      s.values.forEach((v, i) => {
        if (v === null || !Number.isFinite(v)) {
          pen = false;
          return;
        }
        if (pen) ctx.lineTo(x(i), y(v));
        else ctx.moveTo(x(i), y(v));
        pen = true;
      });
      ctx.stroke();
    });
    clear(this.legend).append(...series.map((s, k) => {
      const last = [...s.values].reverse().find((v) => v !== null && v !== undefined);
      return h('li', {}, h('span', { class: 'swatch', style: null, 'data-color': k % COLORS.length }),
        `${s.name}: ${last === undefined ? '—' : `${format(last)} ${this.unit}`}`);
    }));
    clear(this.caption).append(h('strong', {}, this.title), ' ', h('span', {},
      values.length ? `${values.length} points, peak ${format(max)} ${this.unit}.`
        : 'No data yet.'));
    this.node.dataset.points = String(values.length);
    this.node.dataset.max = String(max);
  }
}

function format(v) {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(v === 0 ? 0 : 2);
}
