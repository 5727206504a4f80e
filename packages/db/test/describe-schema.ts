import { normalizeDefault, prismaDefaultName, quoteLiteral } from './schema-lines.ts';

// The parts of Prisma's DMMF (from @prisma/get-dmmf) this test reads.
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'enum' | 'object' | 'unsupported';
  type: string;
  isRequired: boolean;
  isList: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}

interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
}

export interface Datamodel {
  models: DmmfModel[];
  enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
  indexes: DmmfIndex[];
}

// Prisma's default column type for each scalar type on PostgreSQL, as pg_catalog spells it.
const scalarTypes: Record<string, string> = {
  String: 'text',
  Int: 'int4',
  BigInt: 'int8',
  Float: 'float8',
  Boolean: 'bool',
  DateTime: 'timestamp(3)',
  Json: 'jsonb',
  Bytes: 'bytea',
  Decimal: 'numeric(65,30)',
};

// @db.* native types this test knows; one it does not know fails the test rather than pass unchecked.
const nativeTypes: Record<string, (args: string[]) => string> = {
  Decimal: ([p, s]) => `numeric(${p},${s})`,
  Text: () => 'text',
  VarChar: ([n]) => (n ? `varchar(${n})` : 'varchar'),
  Uuid: () => 'uuid',
  Integer: () => 'int4',
  SmallInt: () => 'int2',
  BigInt: () => 'int8',
  DoublePrecision: () => 'float8',
  Timestamp: ([p]) => `timestamp(${p ?? 6})`,
  Timestamptz: ([p]) => `timestamptz(${p ?? 6})`,
  Date: () => 'date',
  JsonB: () => 'jsonb',
};

function columnType(field: DmmfField, enumNames: Map<string, string>): string {
  if (field.isList) throw new Error(`${field.name}: scalar lists are not handled by this test yet`);
  if (field.kind === 'enum') return enumNames.get(field.type) ?? field.type;
  if (field.nativeType) {
    const [name, args] = field.nativeType;
    const render = nativeTypes[name];
    if (!render) throw new Error(`${field.name}: native type @db.${name} is not handled by this test yet`);
    return render(args);
  }
  const type = scalarTypes[field.type];
  if (!type) throw new Error(`${field.name}: no PostgreSQL type known for ${field.type}`);
  return type;
}

/** The default Postgres holds, or undefined when there is none (cuid() and uuid() are made by the client). */
function columnDefault(field: DmmfField): string | undefined {
  const value = field.default;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object' && 'name' in value) {
    const fn = value as { name: string; args?: unknown[] };
    if (fn.name === 'now') return 'CURRENT_TIMESTAMP';
    if (fn.name === 'autoincrement') return 'autoincrement()';
    if (fn.name === 'dbgenerated') return String(fn.args?.[0] ?? '');
    return undefined;
  }
  if (typeof value === 'string') return normalizeDefault(quoteLiteral(value));
  return String(value);
}

/** What a database migrated for this datamodel must contain, as schema-lines.ts describes. */
export function describeSchema(dm: Datamodel): string[] {
  const lines: string[] = [];
  const enumNames = new Map(dm.enums.map((e) => [e.name, e.dbName ?? e.name]));
  for (const e of dm.enums) {
    lines.push(`enum ${e.dbName ?? e.name}: ${e.values.map((v) => v.dbName ?? v.name).join(',')}`);
  }
  const tables = new Map(dm.models.map((m) => [m.name, m.dbName ?? m.name]));
  const columnOf = (model: DmmfModel | undefined, field: string) =>
    model?.fields.find((f) => f.name === field)?.dbName ?? field;

  for (const model of dm.models) {
    const table = tables.get(model.name) ?? model.name;
    lines.push(`table ${table}`);
    for (const field of model.fields) {
      if (field.kind === 'unsupported')
        throw new Error(`${model.name}.${field.name}: Unsupported types are not handled`);
      if (field.kind === 'object') {
        if (!field.relationFromFields?.length) continue;
        const target = dm.models.find((m) => m.name === field.type);
        const columns = field.relationFromFields.map((f) => columnOf(model, f));
        const targetColumns = (field.relationToFields ?? []).map((f) => columnOf(target, f));
        // Prisma's defaults: Restrict for a required relation, SetNull for an optional one; Cascade on update.
        const onDelete = field.relationOnDelete ?? (field.isRequired ? 'Restrict' : 'SetNull');
        const onUpdate = field.relationOnUpdate ?? 'Cascade';
        lines.push(
          `foreign key ${prismaDefaultName(table, columns, 'fkey')} on ${table}(${columns.join(',')}) -> ` +
            `${tables.get(field.type)}(${targetColumns.join(',')}) on delete ${action(onDelete)} on update ${action(onUpdate)}`,
        );
        continue;
      }
      const def = columnDefault(field);
      lines.push(
        `column ${table}.${field.dbName ?? field.name} ${columnType(field, enumNames)} ` +
          `${field.isRequired ? 'not null' : 'null'}${def === undefined ? '' : ` default ${def}`}`,
      );
    }
  }

  for (const index of dm.indexes) {
    const model = dm.models.find((m) => m.name === index.model);
    const table = tables.get(index.model) ?? index.model;
    const columns = index.fields.map((f) => columnOf(model, f.name));
    const rendered = index.fields.map((f, i) => `${columns[i]}${f.sortOrder === 'desc' ? ' desc' : ''}`).join(',');
    const method = index.algorithm && index.algorithm !== 'BTree' ? ` using ${index.algorithm.toLowerCase()}` : '';
    if (index.type === 'fulltext') throw new Error(`${index.model}: fulltext indexes are not handled`);
    const [kind, suffix] =
      index.type === 'id'
        ? (['primary key', 'pkey'] as const)
        : index.type === 'unique'
          ? (['unique', 'key'] as const)
          : (['index', 'idx'] as const);
    const name = index.dbName ?? prismaDefaultName(table, index.type === 'id' ? [] : columns, suffix);
    lines.push(`${kind} ${name} on ${table}(${rendered})${method}`);
  }
  return lines.sort();
}

/** Restrict -> RESTRICT, SetNull -> SET NULL, NoAction -> NO ACTION. */
function action(prismaAction: string): string {
  return prismaAction.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
