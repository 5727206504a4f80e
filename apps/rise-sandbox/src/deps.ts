import type pg from 'pg';
import { defaults, type SandboxOptions, type SandboxTeam } from './config.ts';
import { type FaultScript, makeFaultScript } from './faults.ts';
import { type IssuedNonce, type PaymentRequest, randomSecret } from './signatures.ts';
import { makeWebhooks, type Webhooks } from './webhooks.ts';

export interface SandboxDeps {
  pool: pg.Pool;
  /** Milliseconds since the epoch; tests may move it. */
  now?: () => number;
}

/** Everything the routes share: the deps, resolved options and the in-memory state (nonces, prepared requests, faults). */
export interface SandboxContext {
  pool: pg.Pool;
  now: () => number;
  team: SandboxTeam;
  jwtTtlMs: number;
  nonceTtlMs: number;
  typedDataTtlSeconds: number;
  jwtSecret: string;
  siweDomain: string;
  nonces: Map<string, IssuedNonce>;
  /** Prepared, not yet executed requests by salt [ours: lost on restart; executing one then answers EXPIRED_TYPED_DATA]. */
  prepared: Map<string, { team: string; request: PaymentRequest }>;
  faults: FaultScript;
  /** Responses held open by a timeoutAfterPay fault; released (socket destroyed) on close. */
  holds: Set<() => void>;
  webhooks: Webhooks;
}

export function makeContext(deps: SandboxDeps, options: SandboxOptions): SandboxContext {
  const now = deps.now ?? Date.now;
  if (options.webhookUrl && !options.webhookSecret) throw new Error('webhookUrl needs a webhookSecret');
  const delayScale = options.webhookDelayScale ?? 1;
  if (!(Number.isFinite(delayScale) && delayScale >= 0)) throw new Error('webhookDelayScale must be >= 0');
  return {
    pool: deps.pool,
    now,
    team: options.team,
    jwtTtlMs: options.jwtTtlMs ?? defaults.jwtTtlMs,
    nonceTtlMs: options.nonceTtlMs ?? defaults.nonceTtlMs,
    typedDataTtlSeconds: options.typedDataTtlSeconds ?? defaults.typedDataTtlSeconds,
    jwtSecret: options.jwtSecret ?? randomSecret(),
    siweDomain: options.siweDomain ?? defaults.siweDomain,
    nonces: new Map(),
    prepared: new Map(),
    faults: makeFaultScript(),
    holds: new Set(),
    webhooks: makeWebhooks({
      url: options.webhookUrl,
      secret: options.webhookSecret ?? '',
      delayScale,
      now,
      settings: options.webhookSettings,
    }),
  };
}
