import { csvCell, csvLine } from './usage-csv';

describe('CSV cells', () => {
  it('quotes text, doubles quotes, and keeps commas and line breaks inside the cell', () => {
    expect(csvLine(['a,b', 'say "hi"', 'two\nlines', 42, null, true])).toBe('"a,b","say ""hi""","two\nlines",42,,true\r\n');
  });

  it.each(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx'])('defuses a cell starting like a formula: %j', (text) => {
    expect(csvCell(text)).toBe(`"'${text}"`);
  });

  it('writes numbers bare, negative ones too, and drops non-finite ones', () => {
    expect([csvCell(-3), csvCell(0.25), csvCell(Number.NaN)]).toEqual(['-3', '0.25', '']);
  });
});
