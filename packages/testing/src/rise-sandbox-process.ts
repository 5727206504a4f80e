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
