import { expect } from 'chai';

/**
 * The CSV as ST writes it: same header, line ends (\r\n), epoch/steps and row count, numbers ≤ 1e-9. Not byte for
 * byte: sklearn's discount takes numpy's log (glibc), ours V8's Math.log, and log(3) differs in its last bit between
 * them, so an nDCG may print one digit further down (0.5610192365842289 vs ...229).
 */
export function expectCsv(got: string, want: string, eol: '\r\n' | '\n' = '\r\n'): void {
  expect(got.endsWith(eol) && want.endsWith(eol), 'line ends').to.equal(true);
  const [gh, ...gRows] = got.slice(0, -eol.length).split(eol);
  const [wh, ...wRows] = want.slice(0, -eol.length).split(eol);
  expect(gh, 'header').to.equal(wh);
  expect(gRows.length, 'rows').to.equal(wRows.length);
  gRows.forEach((row, r) => {
    const g = row.split(',');
    const w = wRows[r].split(',');
    expect(g.slice(0, 2), `row ${r}: epoch, steps`).to.deep.equal(w.slice(0, 2));
    expect(g.length).to.equal(w.length);
    for (let i = 2; i < w.length; i++) expect(Math.abs(Number(g[i]) - Number(w[i])), `row ${r}, ${wh.split(',')[i]}: ${g[i]} vs ${w[i]}`).to.be.at.most(1e-9);
  });
}
