/**
 * The training chart: loss per logged step (left axis) and validation Spearman per evaluation (right axis), as one
 * small SVG redrawn on every event. No chart library: two polylines, two axes, a legend.
 */
export interface ChartData {
  totalSteps: number;
  loss: Array<[number, number]>;
  spearman: Array<[number, number]>;
}

const W = 640;
const H = 240;
const PAD = { left: 48, right: 48, top: 16, bottom: 32 };
const NS = 'http://www.w3.org/2000/svg';

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Round axis bounds: [lo, hi] widened a little so a flat series is not drawn on the frame. */
function bounds(values: number[], fallback: [number, number]): [number, number] {
  if (!values.length) return fallback;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-6) {
    lo -= 0.05;
    hi += 0.05;
  }
  const pad = (hi - lo) * 0.08;
  return [lo - pad, hi + pad];
}

export function renderChart(svg: SVGSVGElement, d: ChartData): void {
  svg.replaceChildren();
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.dataset.lossPoints = String(d.loss.length);
  svg.dataset.evalPoints = String(d.spearman.length);
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const y0 = H - PAD.bottom;
  const y1 = PAD.top;
  const maxStep = Math.max(1, d.totalSteps, ...d.loss.map((p) => p[0]));
  const [lLo, lHi] = bounds(d.loss.map((p) => p[1]), [0, 1]);
  const [sLo, sHi] = bounds(d.spearman.map((p) => p[1]), [0, 1]);
  const x = (s: number): number => x0 + ((x1 - x0) * s) / maxStep;
  const yl = (v: number): number => y0 - ((y0 - y1) * (v - lLo)) / (lHi - lLo);
  const ys = (v: number): number => y0 - ((y0 - y1) * (v - sLo)) / (sHi - sLo);

  for (let i = 0; i <= 4; i++) {
    const y = y0 - ((y0 - y1) * i) / 4;
    svg.append(el('line', { x1: x0, x2: x1, y1: y, y2: y, class: 'grid' }));
    svg.append(el('text', { x: x0 - 6, y: y + 4, class: 'tick loss', 'text-anchor': 'end' }, (lLo + ((lHi - lLo) * i) / 4).toFixed(3)));
    svg.append(el('text', { x: x1 + 6, y: y + 4, class: 'tick spearman' }, (sLo + ((sHi - sLo) * i) / 4).toFixed(2)));
  }
  // Whole steps, 1, 2 or 5 × 10^k apart, at most 6 of them after 0.
  const raw = maxStep / 6;
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  const every = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) ?? 10 * mag;
  for (let s = 0; s <= maxStep; s += every) svg.append(el('text', { x: x(s), y: y0 + 16, class: 'tick', 'text-anchor': 'middle' }, String(s)));
  svg.append(el('text', { x: (x0 + x1) / 2, y: H - 2, class: 'axis', 'text-anchor': 'middle' }, 'step'));
  if (d.loss.length) svg.append(el('polyline', { points: d.loss.map(([s, v]) => `${x(s).toFixed(1)},${yl(v).toFixed(1)}`).join(' '), class: 'series loss' }));
  if (d.spearman.length) {
    svg.append(el('polyline', { points: d.spearman.map(([s, v]) => `${x(s).toFixed(1)},${ys(v).toFixed(1)}`).join(' '), class: 'series spearman' }));
    for (const [s, v] of d.spearman) svg.append(el('circle', { cx: x(s), cy: ys(v), r: 3, class: 'dot spearman' }));
  }
  svg.append(el('rect', { x: x0 + 8, y: y1 + 2, width: 10, height: 3, class: 'key loss' }));
  svg.append(el('text', { x: x0 + 22, y: y1 + 7, class: 'legend' }, 'training loss'));
  svg.append(el('rect', { x: x0 + 112, y: y1 + 2, width: 10, height: 3, class: 'key spearman' }));
  svg.append(el('text', { x: x0 + 126, y: y1 + 7, class: 'legend' }, 'validation Spearman'));
}
