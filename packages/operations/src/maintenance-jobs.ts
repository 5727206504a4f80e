import type { Actor } from '@payouts/core';
import { accountSyncJobId, MaintenanceJob } from '@payouts/queue';
import type { OperationsDeps } from './deps.ts';
import { startRecordedJob } from './job-requests.ts';

/** Starts a refresh of every payout account's KYC at the provider, recorded with who asked. */
export async function startAccountSync(deps: OperationsDeps, who: Actor) {
  return startRecordedJob(deps, MaintenanceJob.accountSync, accountSyncJobId(), {}, who);
}
