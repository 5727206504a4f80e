// Both sides of the schema test describe a schema as the same sorted lines, so a failing comparison
// prints exactly the lines that differ:
//   enum <name>: <values in order>
//   table <table>
//   column <table>.<column> <type> <null|not null>[ default <expression>]
//   primary key <name> on <table>(<columns>)
//   unique <name> on <table>(<columns>)
//   index <name> on <table>(<columns>)[ using <method>]
//   foreign key <name> on <table>(<columns>) -> <table>(<columns>) on delete <action> on update <action>

/** Postgres truncates identifiers to 63 bytes; Prisma truncates its default names to fit the same way. */
const maxIdentifierLength = 63;

/** The name Prisma gives a constraint or index it is not told the name of: `<base>_<suffix>`. */
export function prismaDefaultName(table: string, columns: string[], suffix: 'pkey' | 'key' | 'idx' | 'fkey'): string {
  const base = columns.length > 0 ? `${table}_${columns.join('_')}` : table;
  const room = maxIdentifierLength - suffix.length - 1;
  return `${base.length >= room ? base.slice(0, room) : base}_${suffix}`;
}

/**
 * One spelling for a default from either side: Postgres reports `'USD'::text`, `'-1'::integer`,
 * `nextval('"T_id_seq"'::regclass)`; the schema says "USD", -1, autoincrement().
 */
export function normalizeDefault(expression: string): string {
  if (/^nextval\(/i.test(expression)) return 'autoincrement()';
  const literal = /^('(?:[^']|'')*')::[\w". ]+(\[\])?$/.exec(expression)?.[1] ?? expression;
  return /^'-?\d+(\.\d+)?'$/.test(literal) ? literal.slice(1, -1) : literal;
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface LineDiff {
  /** In schema.prisma, not in the database. */
  missingFromDatabase: string[];
  /** In the database, not in schema.prisma. */
  notInSchema: string[];
}

export function diffLines(expected: string[], actual: string[]): LineDiff {
  const inActual = new Set(actual);
  const inExpected = new Set(expected);
  return {
    missingFromDatabase: expected.filter((line) => !inActual.has(line)),
    notInSchema: actual.filter((line) => !inExpected.has(line)),
  };
}
