import { type OutputOptions, type ServerProcess, spawnServer } from './server-process.ts';

export type RiseSandboxProcess = ServerProcess;

/**
 * Starts the Rise sandbox (apps/rise-sandbox/src/server.ts) and resolves once it listens.
 * Needs DATABASE_URL; RISE_SANDBOX_PORT defaults to 0 here (a free port).
 */
export function spawnRiseSandbox(env: Record<string, string>, output: OutputOptions = {}): Promise<RiseSandboxProcess> {
  return spawnServer({
    ...output,
    app: 'rise-sandbox',
    env: { ...process.env, RISE_SANDBOX_PORT: '0', ...env },
    listening: /rise-sandbox listening on (\S+)/,
  });
}

/** A payment in the Rise sandbox's ledger (`GET /sandbox/ledger`). */
export interface SandboxPayment {
  nanoid: string;
  recipient: string;
  amount_cents: number;
  invoice_description: string;
  state: string;
}

/** The Rise sandbox's ledger: every payment it holds, live totals and team balances. */
export interface SandboxLedger {
  payments: SandboxPayment[];
  totals: { live_amount_cents: number; count: number };
  balances: { team: string; balance_cents: number }[];
}
