import type { Prisma } from '@payouts/db';

type Tx = Prisma.TransactionClient;

/** A foreign key or index as the catalog defines it; names are quoted identifiers, ready for SQL. */
interface Definition {
  table: string;
  name: string;
  definition: string;
}

/**
 * Runs `load` with the foreign keys and secondary indexes of `tables` dropped, then adds them back
 * exactly as the catalog defined them, all in the caller's DB transaction. While rows are inserted,
 * Postgres checks a foreign key with a trigger call per row and grows each index entry by entry; adding
 * them afterwards checks each key with one join and builds each index from sorted rows (the manual's
 * "Populating a Database"). For a million commissions that is most of the seed's time.
 *
 * Adding them back checks every row, so data that breaks a key or a unique index still fails, and the
 * rollback restores them. Primary keys stay, as do indexes that some constraint depends on. The tables
 * are locked (ACCESS EXCLUSIVE) until the transaction ends: other sessions wait for them meanwhile.
 */
export async function withConstraintsSetAside<T>(
  tx: Tx,
  tables: readonly string[],
  load: () => Promise<T>,
): Promise<T> {
  const foreignKeys = await tx.$queryRaw<Definition[]>`
    SELECT format('%I.%I', n.nspname, t.relname) AS "table", format('%I', c.conname) AS "name",
           pg_get_constraintdef(c.oid) AS "definition"
    FROM pg_constraint c
    JOIN pg_class t ON t.oid = c.conrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY(${[...tables]}::text[])
    ORDER BY 1, 2`;
  const indexes = await tx.$queryRaw<Definition[]>`
    SELECT format('%I.%I', n.nspname, t.relname) AS "table", format('%I.%I', n.nspname, i.relname) AS "name",
           pg_get_indexdef(i.oid) AS "definition"
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_class t ON t.oid = x.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema() AND t.relname = ANY(${[...tables]}::text[])
      AND NOT x.indisprimary
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
    ORDER BY 1, 2`;

  for (const key of foreignKeys) await tx.$executeRawUnsafe(`ALTER TABLE ${key.table} DROP CONSTRAINT ${key.name}`);
  if (indexes.length > 0) await tx.$executeRawUnsafe(`DROP INDEX ${indexes.map((i) => i.name).join(', ')}`);
  const result = await load();
  for (const index of indexes) await tx.$executeRawUnsafe(index.definition);
  for (const key of foreignKeys) {
    await tx.$executeRawUnsafe(`ALTER TABLE ${key.table} ADD CONSTRAINT ${key.name} ${key.definition}`);
  }
  return result;
}
