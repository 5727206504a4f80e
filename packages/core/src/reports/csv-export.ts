import { pipeline, type Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

/** One CSV column: the row field it shows and its header. */
export interface CsvColumn<Row> {
  key: keyof Row & string;
  header: string;
}

/**
 * Rows (an object stream, e.g. from `db.stream`) as CSV text: a header row, RFC 4180 quoting, CRLF line
 * ends, dates as ISO instants, amounts as the decimal strings they are, empty cells for nulls. Cells that a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or CR) get a leading `'`: these
 * files are opened in spreadsheets, and text such as an error message or an actor comes from outside.
 * Backpressure runs back to the cursor, so memory stays bounded. A failure of the rows ends the text
 * stream with that error (the client sees a cut-off download, never a file that looks complete).
 */
export function csvExport<Row>(rows: Readable, columns: readonly CsvColumn<Row>[]): Readable {
  const csv = stringify({
    header: true,
    columns: columns.map((c) => ({ key: c.key, header: c.header })),
    record_delimiter: 'windows',
    escape_formulas: true,
    cast: {
      date: (value) => value.toISOString(),
      boolean: (value) => (value ? 'true' : 'false'),
      bigint: (value) => value.toString(),
    },
  });
  return pipeline(rows, csv, () => undefined);
}

/** A file name for Content-Disposition: letters, digits, `.`, `-` and `_` only. */
export function csvFileName(...parts: string[]): string {
  return `${parts.join('-').replace(/[^A-Za-z0-9._-]/g, '_')}.csv`;
}
