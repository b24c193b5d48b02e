// Charts drawn on the server as SVG: no script and no inline style, so they pass the CSP and print.
// Every chart on a page has a table beside it with the same numbers, for screen readers.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Bar {
  label: string;
  value: number;
}

/** Vertical bars with the value above each; `format` turns a value into its label (¥, 人). */
export function barChart(bars: Bar[], o: { title: string; format?: (n: number) => string; width?: number; height?: number }): string {
  const width = o.width ?? 480;
  const height = o.height ?? 200;
  const pad = { top: 20, bottom: 36, left: 28, right: 28 };
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = (width - pad.left - pad.right) / Math.max(1, bars.length);
  const bw = Math.max(2, Math.min(48, slot * 0.7));
  const inner = height - pad.top - pad.bottom;
  const fmt = o.format ?? ((n: number) => String(n));
  const every = Math.ceil(bars.length / 8);
  const parts = bars.map((b, i) => {
    const h = Math.round((Math.max(0, b.value) / max) * inner);
    const x = pad.left + i * slot + (slot - bw) / 2;
    const y = pad.top + inner - h;
    const label = i % every === 0 ? `<text x="${(x + bw / 2).toFixed(1)}" y="${height - 18}" text-anchor="middle" class="chart-axis">${esc(b.label)}</text>` : '';
    const value = bars.length <= 10 ? `<text x="${(x + bw / 2).toFixed(1)}" y="${y - 4}" text-anchor="middle" class="chart-value">${esc(fmt(b.value))}</text>` : '';
    return `<rect x="${x.toFixed(1)}" y="${y}" width="${bw.toFixed(1)}" height="${h}" rx="2" class="chart-bar"><title>${esc(`${b.label}：${fmt(b.value)}`)}</title></rect>${value}${label}`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(o.title)}" class="chart"><line x1="${pad.left}" y1="${pad.top + inner}" x2="${width - pad.right}" y2="${pad.top + inner}" class="chart-base"/>${parts.join('')}</svg>`;
}

/** Horizontal bars, one row per item, for funnels and drop-off (long labels fit on the left). */
export function rowChart(bars: Bar[], o: { title: string; format?: (n: number) => string; width?: number }): string {
  const width = o.width ?? 480;
  const row = 30;
  const labelW = Math.min(200, width * 0.4);
  const height = Math.max(row, bars.length * row) + 4;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const fmt = o.format ?? ((n: number) => String(n));
  const area = width - labelW - 60;
  const parts = bars.map((b, i) => {
    const y = i * row + 4;
    const w = Math.round((Math.max(0, b.value) / max) * area);
    const short = b.label.length > 10 ? `${b.label.slice(0, 9)}…` : b.label;
    return `<text x="${labelW - 6}" y="${y + 16}" text-anchor="end" class="chart-axis">${esc(short)}</text><rect x="${labelW}" y="${y + 4}" width="${w}" height="${row - 10}" rx="2" class="chart-bar"><title>${esc(`${b.label}：${fmt(b.value)}`)}</title></rect><text x="${labelW + w + 6}" y="${y + 16}" class="chart-value">${esc(fmt(b.value))}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(o.title)}" class="chart">${parts.join('')}</svg>`;
}
