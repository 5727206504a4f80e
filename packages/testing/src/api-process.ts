import { metricsUrlIn } from './metrics-url.ts';
import { type OutputOptions, type ServerProcess, spawnServer } from './server-process.ts';

export interface ApiProcess extends ServerProcess {
  /** Where its /metrics answers, from the line it logs; null when METRICS_PORT is off or was taken. */
  metricsUrl: string | null;
}

/**
 * Starts the API (apps/api/src/server.ts) and resolves once it listens. HOST defaults to 127.0.0.1, PORT
 * and METRICS_PORT to 0 (free ports) here; LOG_LEVEL must let Fastify's "Server listening at" line and the
 * metrics line through (info).
 */
export async function spawnApi(env: Record<string, string>, output: OutputOptions = {}): Promise<ApiProcess> {
  const server = await spawnServer({
    ...output,
    app: 'api',
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
    listening: /Server listening at (http:\/\/[^"\s]+)/,
  });
  // The metrics line comes before the listening line (server.ts serves /metrics first).
  return { ...server, metricsUrl: metricsUrlIn(server.output()) };
}
