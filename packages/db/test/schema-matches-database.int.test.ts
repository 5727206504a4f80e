import fs from 'node:fs/promises';
import path from 'node:path';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { getDMMF } from '@prisma/get-dmmf';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDatabase } from './describe-database.ts';
import { type Datamodel, describeSchema } from './describe-schema.ts';
import { diffLines } from './schema-lines.ts';

const schemaPath = path.resolve(import.meta.dirname, '../../../prisma/schema.prisma');

// prisma migrate cannot run on these machines, so the migrations are written by hand: this proves that
// a database they build is the one schema.prisma describes, down to the names Prisma would give.
describe('the migrated database matches schema.prisma', () => {
  let ctx: TestContext;
  let client: pg.Client;
  let expected: string[];

  beforeAll(async () => {
    ctx = await makeTestContext();
    client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    const dmmf = await getDMMF({ datamodel: await fs.readFile(schemaPath, 'utf8') });
    if ('error' in dmmf) throw dmmf.error;
    expected = describeSchema(dmmf.datamodel as unknown as Datamodel);
  });

  afterAll(async () => {
    await client?.end();
    await ctx?.cleanup();
  });

  it('has every enum, table, column, type, nullability, default, key, index and foreign key, and nothing else', async () => {
    // Guards against a description that lost a kind of line and so passes by comparing nothing.
    for (const kind of ['enum', 'table', 'column', 'primary key', 'unique', 'index', 'foreign key']) {
      expect(
        expected.some((line) => line.startsWith(`${kind} `)),
        `no "${kind}" line`,
      ).toBe(true);
    }
    const diff = diffLines(expected, await describeDatabase(client));
    expect(diff, 'the migrated database and schema.prisma differ').toEqual({
      missingFromDatabase: [],
      notInSchema: [],
    });
  });

  // Last: it changes this file's database.
  it('reports each difference as the lines that differ', async () => {
    await client.query(`
      ALTER TABLE "Commission" ALTER COLUMN "paidAt" SET NOT NULL;
      ALTER TABLE "PaymentBatch" ALTER COLUMN "currency" SET DEFAULT 'EUR';
      CREATE INDEX "extra_idx" ON "PaymentBatch"("currency");
      ALTER INDEX "ApiKey_keyHash_key" RENAME TO "ApiKey_hash_key";
      ALTER TABLE "AffiliateCode" DROP CONSTRAINT "AffiliateCode_affiliateProfileId_fkey";
      ALTER TYPE "ApiKeyRole" ADD VALUE 'auditor'`);
    const diff = diffLines(expected, await describeDatabase(client));
    expect(diff).toEqual({
      missingFromDatabase: [
        'column Commission.paidAt timestamp(3) null',
        "column PaymentBatch.currency text not null default 'USD'",
        'enum ApiKeyRole: admin,operator,scheduler',
        'foreign key AffiliateCode_affiliateProfileId_fkey on AffiliateCode(affiliateProfileId) -> ' +
          'AffiliateProfile(id) on delete RESTRICT on update CASCADE',
        'unique ApiKey_keyHash_key on ApiKey(keyHash)',
      ].sort(),
      notInSchema: [
        'column Commission.paidAt timestamp(3) not null',
        "column PaymentBatch.currency text not null default 'EUR'",
        'enum ApiKeyRole: admin,operator,scheduler,auditor',
        'index extra_idx on PaymentBatch(currency)',
        'unique ApiKey_hash_key on ApiKey(keyHash)',
      ].sort(),
    });
  });
});
