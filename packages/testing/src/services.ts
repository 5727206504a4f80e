import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface Services {
  /** A server URL whose database part is replaced per test file. */
  databaseUrl: string;
  redisUrl: string;
  /** Stops containers started for this run, if any. */
  stop(): Promise<void>;
}

const localDatabaseUrl = 'postgresql://postgres@127.0.0.1:5432/postgres';
const localRedisUrl = 'redis://127.0.0.1:6379';
const probeTimeoutMs = 1000;

/** True when something accepts connections at the TCP address or Unix socket within the timeout. */
function answers(target: net.NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(target);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(probeTimeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function answersAt(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return answers({ host: hostname, port: Number(port || defaultPort) });
}

/**
 * Where the tests' Postgres and Redis are: DATABASE_URL/REDIS_URL when set, else the local defaults
 * when they answer, else containers when a Docker engine is reachable, else a clear failure.
 */
export async function resolveServices(): Promise<Services> {
  const [localPostgres, localRedis] = await Promise.all([
    process.env.DATABASE_URL ? false : answersAt(localDatabaseUrl, 5432),
    process.env.REDIS_URL ? false : answersAt(localRedisUrl, 6379),
  ]);
  const databaseUrl = process.env.DATABASE_URL || (localPostgres ? localDatabaseUrl : undefined);
  const redisUrl = process.env.REDIS_URL || (localRedis ? localRedisUrl : undefined);
  if (databaseUrl && redisUrl) return { databaseUrl, redisUrl, stop: async () => {} };

  const missing = [!databaseUrl && 'Postgres', !redisUrl && 'Redis'].filter(Boolean).join(' and ');
  let containers: Containers | undefined;
  try {
    containers = await startContainers({ postgres: !databaseUrl, redis: !redisUrl });
  } catch (error) {
    throw new Error(howToProvide(missing, `starting containers failed: ${(error as Error).message}`), {
      cause: error,
    });
  }
  if (!containers) throw new Error(howToProvide(missing, 'no Docker engine is reachable'));
  return {
    databaseUrl: databaseUrl ?? containers.databaseUrl ?? '',
    redisUrl: redisUrl ?? containers.redisUrl ?? '',
    stop: containers.stop,
  };
}

function howToProvide(missing: string, why: string): string {
  return [
    `The integration tests need Postgres and Redis; ${missing} not found (${why}).`,
    'Provide them in one of these ways:',
    '  - set DATABASE_URL (a role that may CREATE DATABASE) and REDIS_URL;',
    '  - run them locally on 127.0.0.1:5432 (user postgres, trust auth) and 127.0.0.1:6379;',
    '  - or run a Docker engine, and the tests start containers themselves (testcontainers).',
  ].join('\n');
}

/** True when DOCKER_HOST is set (testcontainers reads it) or a usual Docker socket answers. */
async function dockerReachable(): Promise<boolean> {
  if (process.env.DOCKER_HOST) return true;
  const sockets = [
    '/var/run/docker.sock',
    path.join(os.homedir(), '.docker/run/docker.sock'),
    process.env.XDG_RUNTIME_DIR && path.join(process.env.XDG_RUNTIME_DIR, 'docker.sock'),
  ].filter((p): p is string => Boolean(p) && fs.existsSync(p as string));
  const results = await Promise.all(sockets.map((socketPath) => answers({ path: socketPath })));
  return results.includes(true);
}

interface Containers {
  databaseUrl?: string;
  redisUrl?: string;
  stop(): Promise<void>;
}

// testcontainers 11.14.0 is an optional dependency (12.x crashes at import on Node 20), loaded only
// here, when a Docker engine is reachable. The module name is a variable so typecheck does not need it.
async function startContainers(wanted: { postgres: boolean; redis: boolean }): Promise<Containers | undefined> {
  if (!(await dockerReachable())) return undefined;
  const moduleName = 'testcontainers';
  // biome-ignore lint/suspicious/noExplicitAny: optional module without types at compile time
  let tc: any;
  try {
    tc = await import(moduleName);
  } catch (error) {
    throw new Error(`a Docker engine is reachable but testcontainers@11.14.0 is not installed`, { cause: error });
  }
  const started: { stop(): Promise<unknown> }[] = [];
  const result: Containers = { stop: async () => void (await Promise.all(started.map((c) => c.stop()))) };
  try {
    if (wanted.postgres) {
      const pg = await new tc.GenericContainer('postgres:15')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      started.push(pg);
      result.databaseUrl = `postgresql://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
    }
    if (wanted.redis) {
      const redis = await new tc.GenericContainer('redis:7')
        .withCommand(['redis-server', '--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no'])
        .withExposedPorts(6379)
        .start();
      started.push(redis);
      result.redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
    }
  } catch (error) {
    await result.stop().catch(() => {});
    throw error;
  }
  return result;
}
