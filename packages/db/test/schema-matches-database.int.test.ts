import fs from 'node:fs/promises';
import path from 'node:path';
import { makeTestContext, type TestContext } from '@payouts/testing';
import { getDMMF } from '@prisma/get-dmmf';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Datamodel, describeDatabase, describeDatamodel } from './schema-description.ts';

const schemaPath = path.resolve(import.meta.dirname, '../../../prisma/schema.prisma');

// prisma migrate cannot run on these machines, so the migrations are written by hand: this proves
// that a database they build is the one schema.prisma describes.
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
    expected = describeDatamodel(dmmf.datamodel as unknown as Datamodel);
  });

  afterAll(async () => {
    await client?.end();
    await ctx?.cleanup();
  });

  it('has every model, column, type, nullability, default, key, index, foreign key and enum, and nothing else', async () => {
    expect(expected.length).toBeGreaterThan(150);
    expect(await describeDatabase(client)).toEqual(expected);
  });

  it('notices a difference (the comparison itself can fail)', async () => {
    await client.query('ALTER TABLE "Commission" ALTER COLUMN "paidAt" SET NOT NULL');
    await client.query('CREATE INDEX "extra_idx" ON "PaymentBatch"("currency")');
    const actual = await describeDatabase(client);
    expect(actual).toContain('column Commission.paidAt timestamp(3) not null');
    expect(expected).toContain('column Commission.paidAt timestamp(3) null');
    expect(actual).toContain('index PaymentBatch(currency)');
    expect(actual).not.toEqual(expected);
  });
});
