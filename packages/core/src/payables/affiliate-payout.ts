import { type CreateBatchesInput, type CreateBatchesResult, createBatches } from '../batches/create-batches.ts';
import type { Actor, CoreDeps } from '../deps.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { listPayableAffiliates } from './payable-affiliates.ts';

/**
 * A batch for one affiliate, on demand. An unknown affiliate is NOT_FOUND; one that is not payable
 * now answers NO_PAYABLE_AFFILIATES with the reason, and nothing is written.
 */
export async function createAffiliatePayout(
  deps: CoreDeps,
  affiliateId: string,
  input: Omit<CreateBatchesInput, 'affiliateIds'>,
  who: Actor,
): Promise<CreateBatchesResult & { status: 'CREATED' }> {
  const exists = await deps.db.affiliateProfile.count({ where: { id: affiliateId } });
  if (exists === 0) throw new NotFoundError('affiliate', affiliateId);

  const [report] = await listPayableAffiliates(deps, { minPayout: input.minPayout, affiliateIds: [affiliateId] });
  const reason = report ? report.reason : 'NO_APPROVED_COMMISSIONS';
  if (reason) {
    throw new DomainError('NO_PAYABLE_AFFILIATES', `affiliate ${affiliateId} is not payable now: ${reason}`, {
      affiliateId,
      reason,
    });
  }
  const result = await createBatches(deps, { ...input, affiliateIds: [affiliateId] }, who);
  // Payable a moment ago, but a concurrent batch took the commissions meanwhile.
  if (result.status !== 'CREATED') {
    throw new DomainError('NO_PAYABLE_AFFILIATES', `affiliate ${affiliateId} is not payable now`, {
      affiliateId,
      reason: 'ALREADY_IN_A_BATCH',
    });
  }
  return result;
}
