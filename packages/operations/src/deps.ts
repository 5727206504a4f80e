import type { Env } from '@payouts/config';
import type { CoreDeps } from '@payouts/core';
import type { DisbursementProvider } from '@payouts/db';
import type { Queues } from '@payouts/queue';
import type { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** The payout rules, read from the environment once at start and passed to every operation. */
export interface PayoutRules {
  provider: DisbursementProvider;
  minPayout: string;
  maxBatchSize: number;
  /** Attempts of one payment before it is given up (FAILED, dead letter). */
  payAttempts: number;
  /** How long a PROCESSING claim protects its holder; an older one is taken over. */
  claimLeaseMs: number;
}

export function payoutRulesFromEnv(env: Env): PayoutRules {
  return {
    provider: env.PAYOUT_PROVIDER,
    minPayout: env.MIN_PAYOUT_USD,
    maxBatchSize: env.MAX_BATCH_SIZE,
    payAttempts: env.PAY_ATTEMPTS,
    claimLeaseMs: env.PAY_CLAIM_LEASE_MS,
  };
}

/** What every operation needs: the system of record, the queues, the rules and a logger. */
export interface OperationsDeps extends CoreDeps {
  queues: Queues;
  /** The connection the queues share, for the few keys operations keep beside them. */
  redis: Redis;
  flowProducer: FlowProducer;
  rules: PayoutRules;
  logger: Logger;
}
