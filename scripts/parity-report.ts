#!/usr/bin/env node
/**
 * One Markdown table from the parity suite's per-backend reports (XENC_PARITY_REPORT files, see
 * spec/helpers/parity.ts): the worst difference of every check on every backend, beside its tolerance.
 *
 *   npx tsx scripts/parity-report.ts report-wasm.json report-cpu.json ...
 */
import { readFileSync } from 'node:fs';

interface Report {
  backend: string;
  device?: string;
  checks: Record<string, { worst: number; tolerance: number; n: number }>;
}

const reports: Report[] = [];
for (const file of process.argv.slice(2)) {
  try {
    reports.push(JSON.parse(readFileSync(file, 'utf8')) as Report);
  } catch (e) {
    process.stderr.write(`parity-report: cannot read ${file}: ${(e as Error).message}\n`);
  }
}
if (!reports.length) {
  process.stdout.write('(no parity reports)\n');
  process.exit(0);
}
const checks = [...new Set(reports.flatMap((r) => Object.keys(r.checks)))].sort();
const fmt = (v: number | undefined) => (v === undefined ? '–' : v === 0 ? '0' : v.toExponential(1));
const lines = [
  `| check | tolerance | ${reports.map((r) => r.backend).join(' | ')} |`,
  `|---|---|${reports.map(() => '---').join('|')}|`,
  ...checks.map((c) => {
    const tol = reports.find((r) => r.checks[c])?.checks[c].tolerance;
    return `| ${c} | ${fmt(tol)} | ${reports.map((r) => fmt(r.checks[c]?.worst)).join(' | ')} |`;
  }),
  '',
  ...reports.map((r) => `- ${r.backend}: ${r.device ?? 'no device named'}`),
];
process.stdout.write(lines.join('\n') + '\n');
