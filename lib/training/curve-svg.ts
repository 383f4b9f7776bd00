/**
 * Training curve as a self-contained SVG (no fonts, scripts or external references), so it can sit next to
 * the checkpoint and render on GitHub / the Hub. Two stacked panels share the step axis: training loss on top,
 * validation Spearman below; separate panels avoid the misreadings a dual-y-axis chart invites.
 */

export interface CurvePoint {
  step: number;
  value: number;
}

export interface TrainingCurveInput {
  loss: CurvePoint[];
  evalSpearman: CurvePoint[];
  title: string;
}

const W = 760;
const PANEL_H = 220;
const M = { left: 72, right: 24, top: 48, gap: 44, bottom: 52 };
const PLOT_W = W - M.left - M.right;
const H = M.top + 2 * PANEL_H + M.gap + M.bottom;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Short tick label: no float noise (0.30000000000000004), no needless exponents. */
function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

/**
 * "Nice" ticks (1, 2, 5 x 10^k) covering [lo, hi]; widens a degenerate range so one point still gets an axis.
 * minStep 1 keeps the step axis on whole steps.
 */
export function niceTicks(lo: number, hi: number, target = 5, minStep = 0): { lo: number; hi: number; ticks: number[] } {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(minStep, [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag);
  const start = Math.floor(lo / step) * step;
  const end = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  // Index-based so accumulated float error cannot add or drop a tick.
  for (let i = 0; start + i * step <= end + step * 1e-9; i++) ticks.push(Number((start + i * step).toPrecision(12)));
  return { lo: start, hi: end, ticks };
}

function clean(points: CurvePoint[]): CurvePoint[] {
  return points.filter((p) => Number.isFinite(p.step) && Number.isFinite(p.value)).sort((a, b) => a.step - b.step);
}

interface Panel {
  points: CurvePoint[];
  label: string;
  color: string;
  top: number;
}

function renderPanel(p: Panel, x: (step: number) => number, xTicks: number[], showXLabels: boolean): string {
  const out: string[] = [];
  const bottom = p.top + PANEL_H;
  const right = M.left + PLOT_W;
  out.push(`<rect x="${M.left}" y="${p.top}" width="${PLOT_W}" height="${PANEL_H}" fill="#fff" stroke="#999"/>`);
  for (const t of xTicks) {
    const px = x(t).toFixed(1);
    out.push(`<line x1="${px}" y1="${p.top}" x2="${px}" y2="${bottom}" stroke="#eee"/>`);
    if (showXLabels) out.push(`<text x="${px}" y="${bottom + 16}" text-anchor="middle" font-size="11" ${FONT}>${fmt(t)}</text>`);
  }
  // Y axis label, rotated, left of the tick labels.
  const midY = p.top + PANEL_H / 2;
  out.push(`<text x="18" y="${midY}" transform="rotate(-90 18 ${midY})" text-anchor="middle" font-size="12" ${FONT}>${esc(p.label)}</text>`);
  if (p.points.length === 0) {
    out.push(`<text x="${M.left + PLOT_W / 2}" y="${midY}" text-anchor="middle" font-size="13" fill="#888" ${FONT}>no data</text>`);
    return out.join('\n');
  }
  const vals = p.points.map((q) => q.value);
  const yAxis = niceTicks(Math.min(...vals), Math.max(...vals));
  const y = (v: number): number => bottom - ((v - yAxis.lo) / (yAxis.hi - yAxis.lo)) * PANEL_H;
  for (const t of yAxis.ticks) {
    const py = y(t).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${py}" x2="${right}" y2="${py}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${py}" dy="4" text-anchor="end" font-size="11" ${FONT}>${fmt(t)}</text>`);
  }
  const coords = p.points.map((q) => `${x(q.step).toFixed(1)},${y(q.value).toFixed(1)}`);
  out.push(`<polyline points="${coords.join(' ')}" fill="none" stroke="${p.color}" stroke-width="1.6" stroke-linejoin="round"/>`);
  // Markers where a line alone would be invisible (one point) or where points are few enough to matter (eval).
  if (p.points.length <= 60) {
    for (const c of coords) {
      const [cx, cy] = c.split(',');
      out.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${p.color}"/>`);
    }
  }
  // Legend, top right inside the panel.
  const lx = right - 170;
  const ly = p.top + 16;
  out.push(`<rect x="${lx - 8}" y="${ly - 12}" width="170" height="20" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`);
  out.push(`<line x1="${lx}" y1="${ly - 2}" x2="${lx + 22}" y2="${ly - 2}" stroke="${p.color}" stroke-width="2"/>`);
  out.push(`<text x="${lx + 28}" y="${ly + 2}" font-size="11" ${FONT}>${esc(p.label)}</text>`);
  return out.join('\n');
}

/** Render loss and validation Spearman against optimizer step. Non-finite points are skipped (a NaN loss breaks no axis). */
export function renderTrainingCurve(input: TrainingCurveInput): string {
  const loss = clean(input.loss);
  const spearman = clean(input.evalSpearman);
  const steps = [...loss, ...spearman].map((p) => p.step);
  const xAxis = steps.length ? niceTicks(Math.min(...steps), Math.max(...steps), 8, 1) : niceTicks(0, 1, 5);
  const x = (s: number): number => M.left + ((s - xAxis.lo) / (xAxis.hi - xAxis.lo)) * PLOT_W;
  const top2 = M.top + PANEL_H + M.gap;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="100%" height="100%" fill="#fafafa"/>`,
    `<text x="${W / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold" ${FONT}>${esc(input.title)}</text>`,
    renderPanel({ points: loss, label: 'training loss', color: '#1f77b4', top: M.top }, x, xAxis.ticks, false),
    renderPanel({ points: spearman, label: 'validation Spearman', color: '#d62728', top: top2 }, x, xAxis.ticks, true),
    `<text x="${M.left + PLOT_W / 2}" y="${H - 12}" text-anchor="middle" font-size="12" ${FONT}>optimizer step</text>`,
    '</svg>',
    '',
  ].join('\n');
}
