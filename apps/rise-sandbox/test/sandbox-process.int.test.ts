import { makeTestContext, type RiseSandboxProcess, spawnRiseSandbox, type TestContext } from '@payouts/testing';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { riseClient } from './support.ts';

let ctx: TestContext;
let sandbox: RiseSandboxProcess | undefined;
const wallet = privateKeyToAccount(generatePrivateKey());

beforeAll(async () => {
  ctx = await makeTestContext();
  sandbox = await spawnRiseSandbox({
    DATABASE_URL: ctx.databaseUrl,
    RISE_SANDBOX_TEAM_NANOID: 'te-processteam',
    RISE_SANDBOX_RISE_ID: 'te-processteam',
    RISE_SANDBOX_WALLET_ADDRESS: wallet.address,
    RISE_SANDBOX_BALANCE_CENTS: '5000',
    // Webhook settings at start (no URL here, so nothing is sent either way).
    RISE_SANDBOX_WEBHOOK_DUPLICATES: 'true',
    RISE_SANDBOX_WEBHOOK_LOSE_FIRST_ANSWER: '1',
  });
});

afterAll(async () => {
  expect(await sandbox?.stop()).toBe(0);
  await ctx?.cleanup();
});

it('runs as a process from env and stops cleanly on SIGTERM', async () => {
  const client = riseClient(sandbox?.url ?? '');
  const jwt = await client.signIn(wallet, 'te-processteam');
  const balance = await client.call('GET', '/v2/balance?nanoid=te-processteam', { jwt });
  expect(balance.body).toEqual({ success: true, data: { balance_cents: 5000 } });
  const users = await client.call('GET', '/v2/teams/te-processteam/users', { jwt });
  expect((users.body.data as { users: { nanoid: string }[] }).users.map((u) => u.nanoid)).toContain('us-sandboxuser1');
  expect((await client.call('GET', '/sandbox/ledger')).status).toBe(200);
  // No RISE_SANDBOX_WEBHOOK_URL: no webhooks.
  expect((await client.call('GET', '/sandbox/webhooks')).body).toEqual({ success: true, data: { deliveries: [] } });
});

it('starts with the webhook settings of its env, and a reset restores those', async () => {
  const client = riseClient(sandbox?.url ?? '');
  const fromEnv = { enabled: true, duplicates: true, loseFirstAnswer: true };
  expect((await client.call('GET', '/sandbox/webhooks/settings')).body.data).toEqual(fromEnv);
  const changed = await client.call('POST', '/sandbox/webhooks/settings', {
    body: { enabled: false, duplicates: false },
  });
  expect(changed.body.data).toEqual({ enabled: false, duplicates: false, loseFirstAnswer: true });
  expect((await client.call('POST', '/sandbox/reset')).status).toBe(200);
  expect((await client.call('GET', '/sandbox/webhooks/settings')).body.data).toEqual(fromEnv);
});
