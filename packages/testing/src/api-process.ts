import { type ServerProcess, spawnServer } from './server-process.ts';

export type ApiProcess = ServerProcess;

/**
 * Starts the API (apps/api/src/server.ts) and resolves once it listens. HOST defaults to 127.0.0.1 and
 * PORT to 0 (a free port) here; LOG_LEVEL must let Fastify's "Server listening at" line through (info).
 */
export function spawnApi(env: Record<string, string>): Promise<ApiProcess> {
  return spawnServer({
    app: 'api',
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    listening: /Server listening at (http:\/\/[^"\s]+)/,
  });
}
