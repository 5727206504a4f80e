import type { SandboxMember } from '../seed/sandbox-members.ts';
import { reachableBaseUrl } from './http-wait.ts';

// `payouts dev --provider rise`: the Rise v2 sandbox's team, and the same values for the API and the
// worker, so that the worker signs in and pays through the sandbox.

/**
 * The dev wallet: account #0 of the usual local development chains. Its private key is published
 * everywhere, so anyone can sign with it: it is for the sandbox only, never for a real Rise team.
 */
export const DEV_WALLET_PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
/** The address of DEV_WALLET_PRIVATE_KEY, the only wallet the sandbox lets sign for the dev team. */
export const DEV_WALLET_ADDRESS = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

export const SANDBOX_TEAM_NANOID = 'te-sandboxteam1';
export const SANDBOX_RISE_ID = '0x5a4db0c0ba5e5a4db0c0ba5e5a4db0c0ba5e0001';
/** The secret the sandbox signs its webhooks with and the API checks them with (RISE_WEBHOOK_SECRET): dev only. */
export const SANDBOX_WEBHOOK_SECRET = 'dev-rise-sandbox-webhook-secret';

/** The API's webhook route, where the sandbox POSTs its signed events (payment.sent, payment.removed). */
export const RISE_WEBHOOK_PATH = '/api/webhooks/riseworks';

export interface SandboxAddress {
  host: string;
  port: number;
  /** The base URL the worker calls (RISE_API_URL). */
  url: string;
}

/** Where the sandbox listens: RISE_SANDBOX_HOST (127.0.0.1) and RISE_SANDBOX_PORT (4100), as the sandbox reads them. */
export function sandboxAddress(source: Record<string, string | undefined>): SandboxAddress {
  const host = source.RISE_SANDBOX_HOST || '127.0.0.1';
  const rawPort = source.RISE_SANDBOX_PORT || '4100';
  const port = /^\d+$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) {
    throw new Error(`RISE_SANDBOX_PORT must be a port from 1 to 65535 (dev needs a fixed one), got '${rawPort}'`);
  }
  return { host, port, url: reachableBaseUrl(host, port) };
}

/**
 * The sandbox's environment: the dev team, our database (its own schema), members registered after start,
 * and its webhooks sent to the API (`apiBaseUrl`) signed with the secret the API checks them with.
 */
export function sandboxEnv(databaseUrl: string, address: SandboxAddress, apiBaseUrl: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    RISE_SANDBOX_HOST: address.host,
    RISE_SANDBOX_PORT: String(address.port),
    RISE_SANDBOX_TEAM_NANOID: SANDBOX_TEAM_NANOID,
    RISE_SANDBOX_RISE_ID: SANDBOX_RISE_ID,
    RISE_SANDBOX_WALLET_ADDRESS: DEV_WALLET_ADDRESS,
    // None of the sandbox's own demo members: it knows exactly our payees, registered through its controls.
    RISE_SANDBOX_MEMBERS: '[]',
    RISE_SANDBOX_CONTROLS: 'true',
    RISE_SANDBOX_WEBHOOK_URL: `${apiBaseUrl}${RISE_WEBHOOK_PATH}`,
    RISE_SANDBOX_WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET,
  };
}

/** What the API and the worker need to pay through the sandbox. */
export function payThroughSandboxEnv(address: SandboxAddress): Record<string, string> {
  return {
    PAYOUT_PROVIDER: 'RISE',
    RISE_API_URL: address.url,
    RISE_TEAM_NANOID: SANDBOX_TEAM_NANOID,
    RISE_RISE_ID: SANDBOX_RISE_ID,
    // The well-known public development key (see DEV_WALLET_PRIVATE_KEY): sandbox only.
    RISE_WALLET_PRIVATE_KEY: DEV_WALLET_PRIVATE_KEY,
    RISE_WEBHOOK_SECRET: SANDBOX_WEBHOOK_SECRET,
  };
}

const MEMBERS_PER_REQUEST = 500;

/** Registers (or updates) the members through POST /sandbox/members, a few hundred per request. */
export async function registerSandboxMembers(url: string, members: readonly SandboxMember[]): Promise<void> {
  for (let start = 0; start < members.length; start += MEMBERS_PER_REQUEST) {
    const response = await fetch(`${url}/sandbox/members`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ team: SANDBOX_TEAM_NANOID, members: members.slice(start, start + MEMBERS_PER_REQUEST) }),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 200) {
      throw new Error(`the Rise sandbox refused the members (${response.status}): ${await response.text()}`);
    }
    await response.body?.cancel();
  }
}
