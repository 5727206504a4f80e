import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { MetricsLogger } from './registry.ts';

export interface MetricsServer {
  /** http://host:port/metrics, or null when the endpoint is off or its port could not be had. */
  url: string | null;
  /** Stops listening and drops open connections; does nothing for a server that never listened. */
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  host: string;
  /** A port, 0 for any free one, null for no endpoint. */
  port: number | null;
  /** The variable that sets the port, named in the log lines (METRICS_PORT, WORKER_METRICS_PORT). */
  portVariable: string;
  logger: MetricsLogger;
}

const noServer: MetricsServer = { url: null, close: async () => {} };

/**
 * Serves the registry at GET/HEAD /metrics on a small node:http server of its own (never the API's public
 * port; no API key, so keep it on loopback). Monitoring never stops a process: when the port is taken (a
 * second worker on the machine) or cannot be had, it logs a warning naming the port and its variable and
 * resolves without an endpoint. Always logs one line saying which it was.
 */
export async function serveMetrics(registry: Registry, options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port, portVariable, logger } = options;
  if (port === null) {
    logger.info({ variable: portVariable }, `metrics endpoint off (${portVariable}=off)`);
    return noServer;
  }
  const server = createServer((request, response) => void answer(registry, request, response, logger));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE' ? 'is in use (another process on this machine has it)' : `cannot be had (${code})`;
    logger.warn(
      { port, host, variable: portVariable, err: (error as Error).message },
      `metrics port ${port} ${why}: this process runs on without /metrics; set ${portVariable} to a free port, 0 for any, or off`,
    );
    return noServer;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/metrics`;
  logger.info({ url, variable: portVariable }, `metrics listening at ${url}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(registry: Registry, request: IncomingMessage, response: ServerResponse, logger: MetricsLogger) {
  const path = (request.url ?? '').split('?')[0];
  if (path !== '/metrics') return sendText(response, 404, 'Not found: this port serves only /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return sendText(response, 405, 'Method not allowed: GET or HEAD /metrics\n');
  }
  let body: string;
  try {
    body = await registry.metrics();
  } catch (error) {
    logger.warn({ err: (error as Error).message }, 'metrics: could not collect');
    return sendText(response, 500, 'Could not collect the metrics\n');
  }
  response.writeHead(200, {
    'content-type': registry.contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function sendText(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
