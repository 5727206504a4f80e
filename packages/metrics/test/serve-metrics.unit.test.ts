import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findSample, parsePrometheusText } from '@payouts/testing';
import { Counter } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsLogger, makeRegistry } from '../src/registry.ts';
import { type MetricsServer, serveMetrics } from '../src/serve-metrics.ts';

// Real loopback sockets: the server answers only GET/HEAD /metrics, and a taken port never stops the process.

function recordingLogger() {
  const lines: { level: 'info' | 'warn'; fields: object; message: string }[] = [];
  const logger: MetricsLogger = {
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
  };
  return { logger, lines };
}

function registryWithCounter() {
  const registry = makeRegistry();
  const counter = new Counter({
    name: 'test_things_total',
    help: 'Things',
    labelNames: ['kind'],
    registers: [registry],
  });
  counter.inc({ kind: 'a "quoted"\nkind' }, 3);
  return registry;
}

let servers: MetricsServer[] = [];
let blockers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await Promise.all(blockers.map((blocker) => new Promise((resolve) => blocker.close(resolve))));
  servers = [];
  blockers = [];
});

async function serve(port: number | null, registry = registryWithCounter()) {
  const { logger, lines } = recordingLogger();
  const server = await serveMetrics(registry, { host: '127.0.0.1', port, portVariable: 'WORKER_METRICS_PORT', logger });
  servers.push(server);
  return { server, lines };
}

describe('serveMetrics', () => {
  it('serves the registry at GET /metrics in the text format, process metrics included, and logs its URL', async () => {
    const { server, lines } = await serve(0);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(lines).toEqual([
      { level: 'info', fields: expect.any(Object), message: `metrics listening at ${server.url}` },
    ]);

    const response = await fetch(server.url ?? '');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusText(await response.text());
    expect(findSample(families, 'test_things_total', { kind: 'a "quoted"\nkind' })?.raw).toBe('3');
    expect(families.get('process_resident_memory_bytes')?.type).toBe('gauge');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  it('answers HEAD without a body, 405 with Allow for other methods and 404 for other paths', async () => {
    const { server } = await serve(0);
    const url = server.url ?? '';
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);

    for (const method of ['POST', 'PUT', 'DELETE']) {
      const refused = await fetch(url, { method });
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, HEAD');
    }
    const base = url.replace(/\/metrics$/, '');
    for (const path of ['/', '/metrics/', '/metricsx', '/api/metrics', '/healthz']) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
    expect((await fetch(`${url}?name[]=x`)).status).toBe(200);
  });

  it('when its port is taken, warns naming the port and the variable, and resolves without an endpoint', async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;

    const { server, lines } = await serve(port);
    expect(server.url).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.message).toContain(`metrics port ${port} is in use`);
    expect(lines[0]?.message).toContain('WORKER_METRICS_PORT');
    expect(lines[0]?.fields).toMatchObject({ port, variable: 'WORKER_METRICS_PORT' });
    await server.close();
  });

  it('off: no endpoint, one info line saying so', async () => {
    const { server, lines } = await serve(null);
    expect(server.url).toBeNull();
    expect(lines).toEqual([
      {
        level: 'info',
        fields: { variable: 'WORKER_METRICS_PORT' },
        message: 'metrics endpoint off (WORKER_METRICS_PORT=off)',
      },
    ]);
  });

  it('close() stops listening even with a keep-alive connection open', async () => {
    const { server } = await serve(0);
    const url = server.url ?? '';
    expect((await fetch(url, { keepalive: true })).status).toBe(200);
    await server.close();
    await expect(fetch(url)).rejects.toThrow();
  });

  it('keeps registries apart: two in one process count separately', async () => {
    const first = registryWithCounter();
    const second = makeRegistry();
    const { server: a } = await serve(0, first);
    const { server: b } = await serve(0, second);
    expect(await (await fetch(a.url ?? '')).text()).toContain('test_things_total');
    expect(await (await fetch(b.url ?? '')).text()).not.toContain('test_things_total');
  });
});
