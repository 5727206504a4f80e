import fs from 'node:fs';
import { parseEnv } from '@payouts/config';
import { createApiKey, createBatches } from '@payouts/core';
import { insertAffiliate, makeTestContext, type TestContext } from '@payouts/testing';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeApiDeps, makeApiDeps } from '../src/api-deps.ts';
import { buildApp } from '../src/app.ts';

// Debian's Chromium, driven by playwright-core. CI installs it (.ci/run); elsewhere the test runs when it
// is there and says how to get it when it is not.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = fs.existsSync(chromiumPath);
if (!haveChromium && process.env.CI) throw new Error(`CI needs Chromium at ${chromiumPath}: apt-get install chromium`);
if (!haveChromium) console.warn(`browser test skipped: no Chromium at ${chromiumPath} (apt-get install chromium)`);

describe.skipIf(!haveChromium)('an operator in a browser', () => {
  let ctx: TestContext;
  let app: FastifyInstance;
  let deps: ReturnType<typeof makeApiDeps>;
  let browser: Browser;
  let baseUrl: string;
  let operatorKey: string;

  beforeAll(async () => {
    ctx = await makeTestContext();
    deps = makeApiDeps(
      parseEnv({ DATABASE_URL: ctx.databaseUrl, REDIS_URL: ctx.redisUrl, QUEUE_PREFIX: ctx.queuePrefix }),
    );
    app = await buildApp(deps);
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    operatorKey = (await createApiKey({ db: ctx.db }, { role: 'operator', name: 'ops' })).key;
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (deps) await closeApiDeps(deps);
    await ctx?.cleanup();
  });

  // Content-Security-Policy violations each page reports, from its console and its own event.
  const cspViolations = new Map<Page, string[]>();
  const pageWithKey = async (key: string | undefined) => {
    const context = await browser.newContext(key ? { httpCredentials: { username: 'operator', password: key } } : {});
    const page = await context.newPage();
    const violations: string[] = [];
    cspViolations.set(page, violations);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.exposeFunction('reportCspViolation', (text: string) => violations.push(text));
    // Page code, as text: this file is compiled without the DOM's types.
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) => {
        window.reportCspViolation(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') +
          ' (' + event.sourceFile + ':' + event.lineNumber + ')');
      });`,
    });
    return page;
  };
  const expectNoCspViolations = async (page: Page) => {
    // Reports are queued as tasks: let the page settle before reading them.
    await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
    expect(cspViolations.get(page)).toEqual([]);
  };

  it('logs in to Bull Board with the key as password and sees the pay-transaction queue', async () => {
    const page = await pageWithKey(operatorKey);
    const response = await page.goto(`${baseUrl}/admin/queues`);
    expect(response?.status()).toBe(200);
    await page.getByText('pay-transaction').first().waitFor({ timeout: 15_000 });
    await page.getByText('dead-letter').first().waitFor({ timeout: 15_000 });
    await expectNoCspViolations(page);
    // A queue's own page loads more of the board (its job lists and their components).
    await page.getByText('pay-transaction').first().click();
    await page.waitForURL(/\/queue\/pay-transaction/, { timeout: 15_000 });
    await expectNoCspViolations(page);
  });

  it('reads the API documentation', async () => {
    const page = await pageWithKey(operatorKey);
    await page.goto(`${baseUrl}/docs`);
    await page.getByText('Payouts admin API').first().waitFor({ timeout: 15_000 });
    await page.getByText('/api/disbursement/batches/{batchId}/execute').first().waitFor({ timeout: 15_000 });
    await expectNoCspViolations(page);
  });

  it("shows the report routes in /docs and downloads a batch's CSV from a link", async () => {
    await insertAffiliate(ctx.db, { commissions: ['60.00', '0.10', '0.20'] });
    const created = await createBatches(
      { db: ctx.db },
      { provider: 'MOCK', minPayout: deps.env.MIN_PAYOUT_USD, maxBatchSize: 100 },
      { actor: 'browser-test' },
    );
    const batchId = created.batches[0]?.id ?? '';
    const page = await pageWithKey(operatorKey);
    await page.goto(`${baseUrl}/docs`);
    for (const route of [
      '/api/disbursement/reports/batches/{batchId}',
      '/api/disbursement/reports/batches/{batchId}/transactions.csv',
      '/api/disbursement/reports/payouts',
      '/api/disbursement/reports/payouts.csv',
      '/api/disbursement/affiliates/{affiliateId}/payouts',
      '/api/disbursement/audit-logs.csv',
    ]) {
      await page.getByText(route, { exact: true }).first().waitFor({ timeout: 15_000 });
    }
    await expectNoCspViolations(page);
    // A link as a finance page would have it; the browser logs in with the key (Basic) and saves the file.
    const href = `/api/disbursement/reports/batches/${batchId}/transactions.csv`;
    await page.evaluate(`(() => {
      const link = document.createElement('a');
      link.href = ${JSON.stringify(href)};
      link.textContent = 'Download the batch as CSV';
      document.body.prepend(link);
    })()`);
    const download = page.waitForEvent('download');
    await page.getByText('Download the batch as CSV').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`batch-${batchId}-transactions.csv`);
    const rows: Record<string, string>[] = parse(fs.readFileSync(await file.path(), 'utf8'), { columns: true });
    expect(rows.map((r) => r.amount).sort()).toEqual(['0.10', '0.20', '60.00']);
    expect(new Set(rows.map((r) => r.batch_id))).toEqual(new Set([batchId]));
  });

  it('is asked for a login without a key, and refused with a wrong one', async () => {
    const anonymous = await pageWithKey(undefined);
    const challenge = await anonymous.request.get(`${baseUrl}/admin/queues`);
    expect(challenge.status()).toBe(401);
    expect(challenge.headers()['www-authenticate']).toMatch(/^Basic/);
    const wrong = await pageWithKey('pyk_not-a-key');
    expect((await wrong.goto(`${baseUrl}/admin/queues`))?.status()).toBe(401);
  });
});
