/**
 * A one-line progress bar for TTYs. On a non-TTY (CI, pipes) it prints nothing per tick, so logs stay clean;
 * callers that want a trace on non-TTYs log their own milestones.
 */
import { platform, type TextSink } from '../platform/index.js';

export interface ProgressOptions {
  total: number;
  label: string;
  /** Where to draw; default the platform's stderr (process.stderr in Node). */
  stream?: TextSink;
  /** Force on/off; default: on when the stream is a TTY. */
  enabled?: boolean;
  /** Unit shown after counts, e.g. 'B' formats as bytes. */
  unit?: 'B' | 'pairs' | 'texts' | 'steps';
}

/** Byte counts as the hub's messages and the download bar show them: decimal units, "12.3 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(r).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class ProgressBar {
  private current = 0;
  private readonly start = Date.now();
  private lastDraw = 0;
  private readonly stream: TextSink;
  readonly enabled: boolean;
  private extra = '';

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? platform().stderr;
    this.enabled = opts.enabled ?? Boolean(this.stream.isTTY);
  }

  /** Advance by n and optionally replace the trailing status text (loss, lr, ...). */
  tick(n = 1, extra?: string): void {
    this.current += n;
    if (extra !== undefined) this.extra = extra;
    this.draw(false);
  }

  update(current: number, extra?: string): void {
    this.current = current;
    if (extra !== undefined) this.extra = extra;
    this.draw(false);
  }

  done(): void {
    this.draw(true);
    if (this.enabled) this.stream.write('\n');
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const { total, label, unit } = this.opts;
    const frac = total > 0 ? Math.min(1, this.current / total) : 0;
    const width = 24;
    const filled = Math.round(frac * width);
    const elapsed = (now - this.start) / 1000;
    const rate = elapsed > 0 ? this.current / elapsed : 0;
    const eta = rate > 0 ? (total - this.current) / rate : NaN;
    const count = unit === 'B' ? `${formatBytes(this.current)}/${formatBytes(total)}` : `${this.current}/${total}`;
    const rateText = unit === 'B' ? `${formatBytes(rate)}/s` : `${rate.toFixed(1)} ${unit ?? 'it'}/s`;
    const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0)}% ${count} ${rateText} ETA ${formatDuration(eta)}${this.extra ? ` ${this.extra}` : ''}`;
    this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 200) - 1)}\x1b[K`);
  }
}
