import net from 'node:net';

export interface Services {
  /** A server URL whose database part is replaced per test file. */
  databaseUrl: string;
  redisUrl: string;
  /** Stops containers started for this run, if any. */
  stop(): Promise<void>;
}

const localDatabaseUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';
const localRedisUrl = 'redis://127.0.0.1:6379';

/** True when something accepts TCP connections at the URL's host and port within the timeout. */
function answers(url: string, defaultPort: number, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Where the tests' Postgres and Redis are: DATABASE_URL/REDIS_URL when set, else the local defaults
 * when they answer, else containers when a Docker engine is reachable, else a clear failure.
 */
export async function resolveServices(): Promise<Services> {
  const fromEnv = { databaseUrl: process.env.DATABASE_URL, redisUrl: process.env.REDIS_URL };
  const databaseUrl = fromEnv.databaseUrl || ((await answers(localDatabaseUrl, 5432)) ? localDatabaseUrl : undefined);
  const redisUrl = fromEnv.redisUrl || ((await answers(localRedisUrl, 6379)) ? localRedisUrl : undefined);
  if (databaseUrl && redisUrl) return { databaseUrl, redisUrl, stop: async () => {} };

  const containers = await startContainers({ postgres: !databaseUrl, redis: !redisUrl });
  if (containers) {
    return {
      databaseUrl: databaseUrl ?? containers.databaseUrl ?? '',
      redisUrl: redisUrl ?? containers.redisUrl ?? '',
      stop: containers.stop,
    };
  }
  throw new Error(
    [
      `The integration tests need Postgres and Redis; missing: ${[!databaseUrl && 'Postgres', !redisUrl && 'Redis'].filter(Boolean).join(' and ')}.`,
      'Provide them in one of these ways:',
      '  - set DATABASE_URL (a superuser that may CREATE DATABASE) and REDIS_URL;',
      '  - run them locally on 127.0.0.1:5432 (user postgres) and 127.0.0.1:6379;',
      '  - or run a Docker engine, and the tests start containers themselves.',
    ].join('\n'),
  );
}

async function dockerReachable(): Promise<boolean> {
  if (process.env.DOCKER_HOST) return true;
  const fs = await import('node:fs');
  return fs.existsSync('/var/run/docker.sock');
}

interface Containers {
  databaseUrl?: string;
  redisUrl?: string;
  stop(): Promise<void>;
}

// testcontainers 11.14.0 is an optional dependency: 12.x crashes at import on Node 20, and on a machine
// without Docker it is never loaded. The module names are variables so typecheck does not require it.
async function startContainers(wanted: { postgres: boolean; redis: boolean }): Promise<Containers | undefined> {
  if (!(await dockerReachable())) return undefined;
  const moduleName = 'testcontainers';
  // biome-ignore lint/suspicious/noExplicitAny: optional module without types at compile time
  const tc: any = await import(moduleName).catch(() => undefined);
  if (!tc) return undefined;
  const started: { stop(): Promise<unknown> }[] = [];
  const result: Containers = { stop: async () => void (await Promise.all(started.map((c) => c.stop()))) };
  if (wanted.postgres) {
    const pg = await new tc.GenericContainer('postgres:16')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(pg);
    result.databaseUrl = `postgresql://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
  }
  if (wanted.redis) {
    const redis = await new tc.GenericContainer('redis:7')
      .withCommand(['redis-server', '--maxmemory-policy', 'noeviction'])
      .withExposedPorts(6379)
      .start();
    started.push(redis);
    result.redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  }
  return result;
}
