import type pg from 'pg';
import { normalizeDefault } from './schema-lines.ts';

const actions: Record<string, string> = {
  a: 'NO ACTION',
  r: 'RESTRICT',
  c: 'CASCADE',
  n: 'SET NULL',
  d: 'SET DEFAULT',
};

// Everything in the public schema except Prisma's own bookkeeping table.
const ignoredTable = '_prisma_migrations';

/** What the database holds, as schema-lines.ts describes; CHECK constraints are left out (see their own test). */
export async function describeDatabase(client: pg.Client): Promise<string[]> {
  const lines: string[] = [];

  const enums = await client.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text[] AS values
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' GROUP BY t.typname`);
  for (const e of enums.rows) lines.push(`enum ${e.name}: ${e.values.join(',')}`);

  const tables = await client.query<{ name: string; type: string }>(
    `SELECT table_name AS name, table_type AS type FROM information_schema.tables
     WHERE table_schema = 'public' AND table_name <> $1`,
    [ignoredTable],
  );
  for (const t of tables.rows) lines.push(`${t.type === 'BASE TABLE' ? 'table' : 'view'} ${t.name}`);

  const columns = await client.query<{
    table: string;
    column: string;
    udt: string;
    nullable: string;
    length: number | null;
    precision: number | null;
    scale: number | null;
    datetimePrecision: number | null;
    default: string | null;
  }>(
    `SELECT table_name AS "table", column_name AS "column", udt_name AS "udt", is_nullable AS "nullable",
            character_maximum_length AS "length", numeric_precision AS "precision", numeric_scale AS "scale",
            datetime_precision AS "datetimePrecision", column_default AS "default"
     FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> $1`,
    [ignoredTable],
  );
  for (const c of columns.rows) {
    const type =
      c.udt === 'numeric'
        ? `numeric(${c.precision},${c.scale})`
        : c.udt === 'timestamp' || c.udt === 'timestamptz'
          ? `${c.udt}(${c.datetimePrecision})`
          : c.udt === 'varchar' && c.length !== null
            ? `varchar(${c.length})`
            : c.udt;
    const def = c.default === null ? '' : ` default ${normalizeDefault(c.default)}`;
    lines.push(`column ${c.table}.${c.column} ${type} ${c.nullable === 'YES' ? 'null' : 'not null'}${def}`);
  }

  const indexes = await client.query<{
    table: string;
    name: string;
    unique: boolean;
    primary: boolean;
    method: string;
    partial: boolean;
    expression: boolean;
    columns: string[];
  }>(
    `SELECT t.relname AS "table", i.relname AS "name", ix.indisunique AS "unique", ix.indisprimary AS "primary",
            am.amname AS "method", ix.indpred IS NOT NULL AS "partial", ix.indexprs IS NOT NULL AS "expression",
            array(SELECT a.attname || CASE WHEN ix.indoption[k.ord - 1] & 1 = 1 THEN ' desc' ELSE '' END
                  FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                  ORDER BY k.ord)::text[] AS "columns"
     FROM pg_index ix
     JOIN pg_class t ON t.oid = ix.indrelid
     JOIN pg_class i ON i.oid = ix.indexrelid
     JOIN pg_am am ON am.oid = i.relam
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = 'public' AND t.relname <> $1`,
    [ignoredTable],
  );
  for (const i of indexes.rows) {
    const kind = i.primary ? 'primary key' : i.unique ? 'unique' : 'index';
    const method = i.method === 'btree' ? '' : ` using ${i.method}`;
    const oddities = [i.partial && ' (partial)', i.expression && ' (on an expression)'].filter(Boolean).join('');
    lines.push(`${kind} ${i.name} on ${i.table}(${i.columns.join(',')})${method}${oddities}`);
  }

  const foreignKeys = await client.query<{
    name: string;
    table: string;
    columns: string[];
    target: string;
    targetColumns: string[];
    onDelete: string;
    onUpdate: string;
  }>(`
    SELECT c.conname AS "name", t.relname AS "table", ft.relname AS "target",
           c.confdeltype AS "onDelete", c.confupdtype AS "onUpdate",
           array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "columns",
           array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "targetColumns"
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_class ft ON ft.oid = c.confrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE c.contype = 'f' AND n.nspname = 'public'`);
  for (const f of foreignKeys.rows) {
    lines.push(
      `foreign key ${f.name} on ${f.table}(${f.columns.join(',')}) -> ${f.target}(${f.targetColumns.join(',')}) ` +
        `on delete ${actions[f.onDelete]} on update ${actions[f.onUpdate]}`,
    );
  }
  return lines.sort();
}
