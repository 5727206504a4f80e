import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvExport, csvFileName } from '../src/reports/csv-export.ts';

interface Row {
  name: string | null;
  amount: string;
  at: Date | null;
  count: number;
}

const columns = [
  { key: 'name', header: 'name' },
  { key: 'amount', header: 'amount' },
  { key: 'at', header: 'at' },
  { key: 'count', header: 'count' },
] as const;

async function text(stream: Readable): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('csvExport', () => {
  it('writes a header, quotes what needs it, keeps amounts as written and dates as ISO instants', async () => {
    const rows: Row[] = [
      { name: 'plain', amount: '0.10', at: new Date('2026-11-30T12:00:00.000Z'), count: 3 },
      { name: 'comma, "quote"\nnew line', amount: '12345678.91', at: null, count: 0 },
      { name: null, amount: '1000000000000000.00', at: new Date('0001-01-01T00:00:00.000Z'), count: 1 },
    ];
    const csv = await text(csvExport<Row>(Readable.from(rows), columns));
    expect(csv.startsWith('name,amount,at,count\r\n')).toBe(true);
    expect(csv).toContain('"comma, ""quote""\nnew line",12345678.91,,0\r\n');
    expect(parse(csv, { columns: true })).toEqual([
      { name: 'plain', amount: '0.10', at: '2026-11-30T12:00:00.000Z', count: '3' },
      { name: 'comma, "quote"\nnew line', amount: '12345678.91', at: '', count: '0' },
      { name: '', amount: '1000000000000000.00', at: '0001-01-01T00:00:00.000Z', count: '1' },
    ]);
  });

  it('defuses cells a spreadsheet would run as formulas', async () => {
    const names = ['=1+1', '+SUM(A1)', '-2', '@cmd', '\tTAB', 'safe'];
    const rows = names.map((name) => ({ name, amount: '1.00', at: null, count: 1 }));
    const parsed: { name: string }[] = parse(await text(csvExport<Row>(Readable.from(rows), columns)), {
      columns: true,
    });
    expect(parsed.map((r) => r.name)).toEqual(["'=1+1", "'+SUM(A1)", "'-2", "'@cmd", "'\tTAB", 'safe']);
  });

  it('writes only the header for no rows, and ends with the error of rows that fail', async () => {
    expect(await text(csvExport<Row>(Readable.from([]), columns))).toBe('name,amount,at,count\r\n');
    const failing = new Readable({
      objectMode: true,
      read() {
        this.destroy(new Error('cursor lost'));
      },
    });
    await expect(text(csvExport<Row>(failing, columns))).rejects.toThrow('cursor lost');
  });

  it('makes file names safe for Content-Disposition', () => {
    expect(csvFileName('payouts', '2026-11-01', 'day')).toBe('payouts-2026-11-01-day.csv');
    expect(csvFileName('batch', 'a"b;c\r\n')).toBe('batch-a_b_c__.csv');
  });
});
