import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/api-harness.ts';

const run = promisify(execFile);

/** The repo's own compiler (TypeScript 7), not the TypeScript 5 that openapi-typescript prints with. */
async function repoCompiler(): Promise<{ tsc: string; version: string }> {
  const manifestPath = createRequire(import.meta.url).resolve('typescript/package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { version: string; bin: { tsc: string } };
  return { tsc: join(dirname(manifestPath), manifest.bin.tsc), version: manifest.version };
}

const tsconfig = {
  compilerOptions: {
    strict: true,
    types: [],
    target: 'es2023',
    lib: ['es2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    noEmit: true,
    allowImportingTsExtensions: true,
    noUnusedLocals: false,
  },
  include: ['*.ts'],
};

/**
 * A client written against the generated types, as an API consumer would. Each `@ts-expect-error` line
 * must be an error: if a body were typed `any`, the directive would be unused, and that is an error too.
 */
const client = `import type { paths } from './api.ts';

/** The JSON body of a GET's 200 answer. */
type Ok<P extends keyof paths> = paths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer Body } } } };
}
  ? Body
  : never;

/** Sends a request (fetch, in a real client) and answers the parsed JSON body. */
type Send = (method: 'GET' | 'POST', url: string) => Promise<unknown>;

async function get<P extends keyof paths>(send: Send, _route: P, url: string): Promise<Ok<P>> {
  return (await send('GET', url)) as Ok<P>;
}

type TotalAmount =
  paths['/api/disbursement/batches/{batchId}']['get']['responses'][200]['content']['application/json']['batch']['totalAmount'];
export const total: TotalAmount = '1234.50';

export async function batchTotal(send: Send, batchId: string): Promise<string> {
  const { batch } = await get(send, '/api/disbursement/batches/{batchId}', \`/api/disbursement/batches/\${batchId}\`);
  const amounts: string[] = batch.transactions.map((transaction) => transaction.amount);
  const createdAt: string = batch.createdAt;
  const completed: number = batch.counts.COMPLETED;
  // @ts-expect-error an amount is a decimal string, never a number
  const totalAsNumber: number = batch.totalAmount;
  // @ts-expect-error a date-time arrives as a string, not a Date
  const createdAsDate: Date = batch.createdAt;
  // @ts-expect-error a batch status is one of the documented states
  const status: typeof batch.status = 'DONE';
  return batch.totalAmount;
}

export async function jobFinished(send: Send, jobId: string): Promise<boolean> {
  const { job } = await get(send, '/api/disbursement/jobs/{jobId}', \`/api/disbursement/jobs/\${jobId}\`);
  const result: { [key: string]: unknown } | null = job.result;
  // @ts-expect-error a job state is one of BullMQ's, not any string
  const state: typeof job.state = 'finished';
  return job.state === 'completed' || job.state === 'failed';
}

export async function readyToPay(send: Send): Promise<string[]> {
  const page = await get(send, '/api/disbursement/affiliates/payable', '/api/disbursement/affiliates/payable?limit=50');
  const cursor: string | null = page.nextCursor;
  const pending: string = page.summary.totalPendingAmount;
  // @ts-expect-error a pending amount is a decimal string, never a number
  const pendingAsNumbers: number[] = page.affiliates.map((affiliate) => affiliate.pendingAmount);
  // @ts-expect-error the reason is one of the documented codes
  const reason: (typeof page.affiliates)[number]['reason'] = 'NOT_A_REASON';
  return page.affiliates.filter((affiliate) => affiliate.readyForPayout).map((affiliate) => affiliate.id);
}

type Query = NonNullable<paths['/api/disbursement/affiliates/payable']['get']['parameters']['query']>;
export const firstPage: Query = { limit: 50 };
`;

describe('TypeScript types generated from /docs/json', () => {
  let ctx: TestContext;
  let api: TestApi;
  let dir: string | undefined;

  beforeAll(async () => {
    ctx = await makeTestContext();
    api = await startTestApi(ctx);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    await api?.close();
    await ctx?.cleanup();
  });

  it('type-checks a client that reads amounts as strings and states as their enum values, and rejects misuse', async () => {
    const baseUrl = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${baseUrl}/docs/json`, { headers: { authorization: `Bearer ${api.keys.operator}` } });
    expect(response.status).toBe(200);
    const types = astToString(await openapiTS((await response.json()) as OpenAPI3));
    expect(types).toContain('"/api/disbursement/batches/{batchId}"');

    dir = await mkdtemp(join(tmpdir(), 'payouts-openapi-types-'));
    await writeFile(join(dir, 'api.ts'), types);
    await writeFile(join(dir, 'client.ts'), client);
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));

    const { tsc, version } = await repoCompiler();
    expect(version).toMatch(/^7\./);
    const checked = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).then(
      () => ({ code: 0, output: '' }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: error.code ?? -1,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
    expect(checked.output).toBe('');
    expect(checked.code).toBe(0);
  });

  it('sends what those types promise: amounts as 2-decimal strings, Prisma dates as ISO 8601 strings', async () => {
    const isoInstant = (value: unknown) => typeof value === 'string' && new Date(value).toISOString() === value;
    const { affiliateId } = await insertAffiliate(ctx.db, { commissions: ['60.00', '12.34'] });
    const payout = await api.call('POST', `/affiliates/${affiliateId}/payout`, 'admin', {});
    expect(payout.status).toBe(201);
    expect(payout.body.batch).toEqual(payout.body.batches[0]);
    expect(payout.body.batch.totalAmount).toBe('72.34');

    const { status, body } = await api.call('GET', `/batches/${payout.body.batch.id}`, 'operator');
    expect(status).toBe(200);
    expect(body.batch.totalAmount).toBe('72.34');
    expect(body.batch.transactions.map((t: { amount: unknown }) => t.amount).sort()).toEqual(['12.34', '60.00']);
    expect(isoInstant(body.batch.createdAt)).toBe(true);
    expect(body.batch.executedAt).toBeNull();
    for (const transaction of body.batch.transactions) expect(isoInstant(transaction.createdAt)).toBe(true);

    const affiliate = await api.call('GET', `/affiliates/${affiliateId}`, 'operator');
    expect(affiliate.body.affiliate.totalPending).toBe('0.00');
    expect(isoInstant(affiliate.body.affiliate.riseAccount.createdAt)).toBe(true);
  });
});
