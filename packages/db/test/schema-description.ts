import type pg from 'pg';

// Both sides of the schema test describe a schema as the same sorted lines, so a failing comparison
// prints exactly the lines that differ.

interface DmmfField {
  name: string;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isRequired: boolean;
  isList: boolean;
  isUpdatedAt: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}

interface DmmfModel {
  name: string;
  fields: DmmfField[];
}

export interface Datamodel {
  models: DmmfModel[];
  enums: { name: string; values: { name: string }[] }[];
  indexes: { model: string; type: 'id' | 'unique' | 'normal' | 'fulltext'; fields: { name: string }[] }[];
}

const scalarTypes: Record<string, string> = {
  String: 'text',
  Int: 'int4',
  BigInt: 'int8',
  Boolean: 'bool',
  DateTime: 'timestamp(3)',
  Json: 'jsonb',
  Float: 'float8',
};

function expectedType(field: DmmfField): string {
  if (field.kind === 'enum') return field.type;
  if (field.type === 'Decimal') {
    const [p, s] = field.nativeType?.[0] === 'Decimal' ? field.nativeType[1] : ['65', '30'];
    return `numeric(${p},${s})`;
  }
  const type = scalarTypes[field.type];
  if (!type) throw new Error(`no Postgres type known for ${field.type}`);
  return type;
}

/** A default Postgres holds: now(), a literal, autoincrement. cuid()/uuid() are made by the client. */
function hasDatabaseDefault(field: DmmfField): boolean {
  const value = field.default as { name?: string } | string | number | boolean | undefined;
  if (value === undefined) return false;
  if (typeof value === 'object' && value !== null && 'name' in value) {
    return value.name === 'now' || value.name === 'autoincrement' || value.name === 'dbgenerated';
  }
  return true;
}

export function describeDatamodel(dm: Datamodel): string[] {
  const lines: string[] = [];
  for (const e of dm.enums) lines.push(`enum ${e.name}: ${e.values.map((v) => v.name).join(',')}`);
  for (const model of dm.models) {
    lines.push(`table ${model.name}`);
    for (const field of model.fields) {
      if (field.kind === 'object') {
        if (field.relationFromFields?.length) {
          const onDelete = (field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull')).toUpperCase();
          lines.push(
            `fk ${model.name}(${field.relationFromFields.join(',')}) -> ${field.type}(${field.relationToFields?.join(',')}) on delete ${onDelete}`,
          );
        }
        continue;
      }
      const nullability = field.isRequired ? 'not null' : 'null';
      const def = hasDatabaseDefault(field) ? ' default' : '';
      lines.push(`column ${model.name}.${field.name} ${expectedType(field)} ${nullability}${def}`);
    }
  }
  for (const index of dm.indexes) {
    const kind = index.type === 'id' ? 'primary' : index.type === 'unique' ? 'unique' : 'index';
    lines.push(`${kind} ${index.model}(${index.fields.map((f) => f.name).join(',')})`);
  }
  return lines.sort();
}

const onDeleteNames: Record<string, string> = {
  r: 'RESTRICT',
  n: 'SETNULL',
  c: 'CASCADE',
  a: 'NOACTION',
  d: 'SETDEFAULT',
};

export async function describeDatabase(client: pg.Client): Promise<string[]> {
  const lines: string[] = [];
  const enums = await client.query<{ name: string; values: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text[] AS values
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public' GROUP BY t.typname`);
  for (const e of enums.rows) lines.push(`enum ${e.name}: ${e.values.join(',')}`);

  const tables = await client.query<{ name: string }>(`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
  for (const t of tables.rows) lines.push(`table ${t.name}`);

  const columns = await client.query<{
    table: string;
    column: string;
    udt: string;
    nullable: string;
    precision: number | null;
    scale: number | null;
    datetimePrecision: number | null;
    hasDefault: boolean;
  }>(`
    SELECT table_name AS "table", column_name AS "column", udt_name AS "udt", is_nullable AS "nullable",
           numeric_precision AS "precision", numeric_scale AS "scale", datetime_precision AS "datetimePrecision",
           column_default IS NOT NULL AS "hasDefault"
    FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
  for (const c of columns.rows) {
    const type =
      c.udt === 'numeric'
        ? `numeric(${c.precision},${c.scale})`
        : c.udt === 'timestamp'
          ? `timestamp(${c.datetimePrecision})`
          : c.udt;
    const nullability = c.nullable === 'YES' ? 'null' : 'not null';
    lines.push(`column ${c.table}.${c.column} ${type} ${nullability}${c.hasDefault ? ' default' : ''}`);
  }

  const indexes = await client.query<{
    table: string;
    unique: boolean;
    primary: boolean;
    partial: boolean;
    columns: string[];
  }>(`
    SELECT t.relname AS "table", ix.indisunique AS "unique", ix.indisprimary AS "primary",
           ix.indpred IS NOT NULL AS "partial",
           array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "columns"
    FROM pg_index ix
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`);
  for (const i of indexes.rows) {
    const kind = i.primary ? 'primary' : i.unique ? 'unique' : 'index';
    lines.push(`${kind}${i.partial ? ' (partial)' : ''} ${i.table}(${i.columns.join(',')})`);
  }

  const fks = await client.query<{
    table: string;
    columns: string[];
    target: string;
    targetColumns: string[];
    onDelete: string;
  }>(`
    SELECT t.relname AS "table", ft.relname AS "target", c.confdeltype AS "onDelete",
           array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "columns",
           array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS "targetColumns"
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_class ft ON ft.oid = c.confrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE c.contype = 'f' AND n.nspname = 'public'`);
  for (const f of fks.rows) {
    lines.push(
      `fk ${f.table}(${f.columns.join(',')}) -> ${f.target}(${f.targetColumns.join(',')}) on delete ${onDeleteNames[f.onDelete]}`,
    );
  }
  return lines.sort();
}
