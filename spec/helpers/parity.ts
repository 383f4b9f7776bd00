/**
 * The parity suite's bookkeeping: every check records its worst difference on the active backend, and a spec that
 * belongs to some backends only says so and skips elsewhere, with the reason in its title.
 *
 * XENC_PARITY_REPORT=<file> writes { backend, device, checks: { name: { worst, tolerance, n } } } at the end of the
 * run (scripts/parity-report.ts turns several into one table).
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { activeBackend, currentBackendName } from '../../lib/backend/state.js';
import { tf } from '../../lib/tf.js';

interface Worst {
  worst: number;
  tolerance: number;
  n: number;
}
const worst = new Map<string, Worst>();

/** Record `value` under `check` and assert it is within `tolerance` (≤). */
export function expectWithin(check: string, value: number, tolerance: number, detail = ''): void {
  const w = worst.get(check) ?? { worst: 0, tolerance, n: 0 };
  w.worst = Number.isNaN(value) ? NaN : Math.max(w.worst, value);
  w.n++;
  worst.set(check, w);
  expect(value, `${check}${detail ? ` (${detail})` : ''}`).to.be.at.most(tolerance);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length, 'lengths').to.equal(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a − b| / (1 + max |b|) over two tensors, read asynchronously (webgpu in Node cannot read synchronously). */
export async function relDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  expect(a.shape).to.deep.equal(b.shape);
  const [x, y] = await Promise.all([a.data(), b.data()]);
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num = Math.max(num, Math.abs(x[i] - y[i]));
    den = Math.max(den, Math.abs(y[i]));
  }
  return num / (1 + den);
}

/** A tensor's values as plain numbers, read asynchronously; the tensor is disposed. */
export async function valuesOf(t: tf.Tensor): Promise<number[]> {
  try {
    return Array.from(await t.data());
  } finally {
    t.dispose();
  }
}

export function backendName(): string {
  return currentBackendName();
}

/**
 * Skip the current test or hook's tests unless the active backend is one of `backends`, showing why in the title:
 * a spec about one backend never passes by accident on another.
 */
export function onlyOn(ctx: Mocha.Context, backends: readonly string[], why: string): void {
  const active = backendName();
  if (backends.includes(active)) return;
  const note = ` [skipped on ${active}: ${why}]`;
  const tests = ctx.currentTest ? [ctx.currentTest] : (ctx.test?.parent?.tests ?? []);
  for (const t of tests) if (!t.title.endsWith(']')) t.title += note;
  ctx.skip();
}

export function writeParityReport(file: string): void {
  const info = activeBackend();
  const checks = Object.fromEntries([...worst].sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(file, JSON.stringify({ backend: backendName(), source: info?.source, device: info?.device, checks }, null, 2) + '\n');
}
