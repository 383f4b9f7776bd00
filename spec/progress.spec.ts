import { expect } from 'chai';
import { formatDuration, ProgressBar } from '../lib/util/progress.js';

function fakeTty(isTTY: boolean): NodeJS.WriteStream & { out: string } {
  const s = { isTTY, columns: 160, out: '', write(chunk: string) {
    s.out += chunk;
    return true;
  } };
  return s as unknown as NodeJS.WriteStream & { out: string };
}

describe('progress bar', () => {
  it('draws counts, percentage, rate, ETA and status text on a TTY', () => {
    const stream = fakeTty(true);
    const bar = new ProgressBar({ total: 10, label: 'train', unit: 'steps', stream });
    bar.update(5, 'loss 0.6931 lr 2.00e-5 12.5 pairs/s');
    bar.done();
    expect(stream.out).to.match(/\rtrain \[#+\.+\] \d+% \d+\/10 .*steps\/s ETA [\d:-]+ loss 0\.6931 lr 2\.00e-5 12\.5 pairs\/s/);
    expect(stream.out.endsWith('\n')).to.equal(true);
  });

  it('formats bytes for downloads', () => {
    const stream = fakeTty(true);
    const bar = new ProgressBar({ total: 2_500_000, label: 'model.safetensors', unit: 'B', stream });
    bar.done();
    expect(stream.out).to.match(/ 0 B\/2\.5 MB /);
  });

  it('prints nothing when the stream is not a TTY (CI logs stay clean)', () => {
    const stream = fakeTty(false);
    const bar = new ProgressBar({ total: 3, label: 'x', stream });
    bar.tick();
    bar.done();
    expect(stream.out).to.equal('');
  });

  it('formats durations', () => {
    expect(formatDuration(65)).to.equal('01:05');
    expect(formatDuration(3725)).to.equal('1:02:05');
    expect(formatDuration(NaN)).to.equal('--:--');
  });
});
