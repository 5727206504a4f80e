import type { CommissionStatus, RiseWorksKycStatus } from '@payouts/db';
import { centsToDecimal, decimalToCents } from './money.ts';
import { emptyRows, type PaidCommission, paymentHistoryChunks } from './payment-history.generator.ts';
import { makeRng, type Rng } from './prng.ts';
import { riseUserNanoid } from './rise-user-nanoid.ts';
import type { AffiliateCodeRow, CommissionRow, RiseAccountRow, SeedOptions, SeedRows } from './seed-data.types.ts';
import { affiliateIdOf, commissionIdOf, commissionKeyOf, payoutAccountIdOf } from './seed-ids.ts';
import { addToSeedSummary, emptySeedSummary } from './seed-summary.ts';

export type * from './seed-data.types.ts';

/** The situations an affiliate can be in; the first affiliates take each in turn, so every one is present. */
export const SEED_ARCHETYPES = [
  'payable', // KYC approved, approved total above the minimum
  'payable-at-minimum', // KYC approved, approved total exactly the minimum
  'below-minimum', // KYC approved, approved total under the minimum
  'kyc-pending',
  'kyc-rejected',
  'kyc-submitted',
  'kyc-expired',
  'no-account', // no payout account at all
  'nothing-approved', // KYC approved, only pending / paid / cancelled commissions
] as const;
export type SeedArchetype = (typeof SEED_ARCHETYPES)[number];

const ARCHETYPE_WEIGHTS: Record<SeedArchetype, number> = {
  payable: 50,
  'payable-at-minimum': 3,
  'below-minimum': 15,
  'kyc-pending': 8,
  'kyc-rejected': 6,
  'kyc-submitted': 4,
  'kyc-expired': 4,
  'no-account': 10,
  'nothing-approved': 10,
};

const KYC_BY_ARCHETYPE: Record<SeedArchetype, RiseWorksKycStatus | null> = {
  payable: 'APPROVED',
  'payable-at-minimum': 'APPROVED',
  'below-minimum': 'APPROVED',
  'kyc-pending': 'PENDING',
  'kyc-rejected': 'REJECTED',
  'kyc-submitted': 'SUBMITTED',
  'kyc-expired': 'EXPIRED',
  'no-account': null,
  'nothing-approved': 'APPROVED',
};

export type { SeedOptions } from './seed-data.types.ts';

export const DEFAULT_SEED_OPTIONS = { affiliates: 24, commissionsPerAffiliate: 4, seed: 42 } as const;

// Every date is relative to this fixed instant, so that the data depends on the seed only.
const BASE_TIME = Date.UTC(2026, 5, 1);
const DAY_MS = 86_400_000;

const FIRST_NAMES = ['Ada', 'Bruno', 'Chen', 'Dara', 'Elif', 'Farah', 'Gus', 'Hana', 'Ivan', 'Jade', 'Kofi', 'Lena'];
const LAST_NAMES = ['Okafor', 'Silva', 'Novak', 'Tanaka', 'Moreau', 'Schmidt', 'Haddad', 'Kowalski', 'Reyes', 'Lind'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'ES', 'BR', 'CA', 'IN', 'NL', 'AU', 'MX', 'NG'];

/** About this many commissions per chunk: a chunk holds whole affiliates, at least one. */
const COMMISSIONS_PER_CHUNK = 10_000;
/** Past payments come in chunks of this many batches (of at most 500 payments each). */
const HISTORY_BATCHES_PER_CHUNK = 20;

export interface SeedAffiliate {
  profileId: string;
  archetype: SeedArchetype;
  kycStatus: RiseWorksKycStatus | null;
  /** Sum of APPROVED commissions. */
  approvedTotal: string;
  /** KYC approved and approved total >= minimum (nothing seeded is in a live transaction). */
  payable: boolean;
}

/** Some of the seed's rows: whole affiliates with their commissions, or some of the past payments. */
export interface SeedChunk extends SeedRows {
  /** The affiliates whose rows this chunk holds; none in a chunk of past payments. */
  affiliates: SeedAffiliate[];
}

/** All of the seed's rows at once (small seeds and tests; `generateSeedChunks` for large ones). */
export interface SeedData extends SeedChunk {
  options: Required<SeedOptions>;
  payableAffiliates: number;
  payableTotal: string;
}

/** The options with their defaults, checked: RangeError for impossible ones. */
export function seedOptions(input: SeedOptions): Required<SeedOptions> {
  const options: Required<SeedOptions> = { minimumPayout: '50.00', ...input };
  assertCount('affiliates', options.affiliates, 1);
  assertCount('commissionsPerAffiliate', options.commissionsPerAffiliate, 1);
  if (!Number.isSafeInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new RangeError('seed must be an integer in 0..4294967295');
  }
  decimalToCents(options.minimumPayout); // throws for an amount that is not one
  return options;
}

function assertCount(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
}

function pickWeighted(rng: Rng): SeedArchetype {
  const total = SEED_ARCHETYPES.reduce((sum, a) => sum + ARCHETYPE_WEIGHTS[a], 0);
  let roll = rng.int(1, total);
  for (const archetype of SEED_ARCHETYPES) {
    roll -= ARCHETYPE_WEIGHTS[archetype];
    if (roll <= 0) return archetype;
  }
  return 'payable';
}

/** Integer cents of the APPROVED commissions, shaped by the archetype. */
function approvedAmounts(rng: Rng, archetype: SeedArchetype, slots: number, minCents: number): number[] {
  if (archetype === 'nothing-approved') return [];
  let count = slots === 1 ? 1 : rng.int(1, Math.ceil(slots / 2));
  if (archetype === 'payable-at-minimum') {
    const target = Math.max(minCents, 1);
    count = Math.min(count, target);
    const parts = Array.from({ length: count - 1 }, () => rng.int(1, Math.floor(target / count)));
    return [...parts, target - parts.reduce((a, b) => a + b, 0)];
  }
  if (archetype === 'below-minimum') {
    count = Math.min(count, minCents - 1);
    if (count <= 0) return [];
    const cap = Math.floor((minCents - 1) / count);
    return Array.from({ length: count }, () => rng.int(Math.min(100, cap), cap));
  }
  const amounts = Array.from({ length: count }, () => rng.int(1_500, 15_000));
  const sum = amounts.reduce((a, b) => a + b, 0);
  // Above the minimum for the payable kind; the KYC kinds also have enough, so only KYC blocks them.
  if (sum <= minCents) amounts[count - 1] = (amounts[count - 1] ?? 0) + minCents - sum + rng.int(1, 2_000);
  return amounts;
}

function otherStatus(rng: Rng, canHavePaid: boolean): CommissionStatus {
  const roll = rng.int(1, 100);
  if (!canHavePaid) return roll <= 85 ? 'PENDING' : 'CANCELLED';
  return roll <= 45 ? 'PAID' : roll <= 90 ? 'PENDING' : 'CANCELLED';
}

/** What generating the affiliates carries from one to the next. */
interface Generation {
  options: Required<SeedOptions>;
  minCents: number;
  rng: Rng;
  /** Every PAID commission so far, for the payment history written after the affiliates. */
  paid: PaidCommission[];
}

/**
 * Affiliate number `n` with its user, codes, payout account and commissions, into `chunk`. Draws from
 * the random sequence in a fixed order: affiliates must be generated 1, 2, 3...
 */
function addAffiliate(generation: Generation, n: number, chunk: SeedChunk): void {
  const { options, minCents, rng, paid } = generation;
  const { commissionsPerAffiliate: slots, seed } = options;
  const archetype = n <= SEED_ARCHETYPES.length ? (SEED_ARCHETYPES[n - 1] ?? 'payable') : pickWeighted(rng);
  const kycStatus = KYC_BY_ARCHETYPE[archetype];
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const email = `${first.toLowerCase()}.${last.toLowerCase()}.${seed}.${n}@affiliates.example.com`;
  const joinedAt = new Date(BASE_TIME - (200 + rng.int(0, 165)) * DAY_MS);
  const userId = `usr_${seed}_${n}`;
  const profileId = affiliateIdOf(seed, n);
  chunk.users.push({ id: userId, email, name: `${first} ${last}`, createdAt: joinedAt });

  const codes: AffiliateCodeRow[] = [];
  const codeCount = rng.chance(0.3) ? 2 : 1;
  for (let k = 1; k <= codeCount; k++) {
    const code = `${first.toUpperCase()}${seed}X${n}${k === 1 ? '' : `-${k}`}`;
    codes.push({ id: `code_${seed}_${n}_${k}`, affiliateProfileId: profileId, code, createdAt: joinedAt });
  }
  chunk.affiliateCodes.push(...codes);

  let account: RiseAccountRow | null = null;
  if (kycStatus) {
    const createdAt = new Date(joinedAt.getTime() + rng.int(1, 10) * DAY_MS);
    const decided = kycStatus === 'APPROVED' || kycStatus === 'REJECTED' || kycStatus === 'EXPIRED';
    account = {
      id: payoutAccountIdOf(seed, n),
      affiliateProfileId: profileId,
      riseId: riseUserNanoid(seed, n),
      email,
      kycStatus,
      kycCompletedAt: decided ? new Date(createdAt.getTime() + rng.int(1, 5) * DAY_MS) : null,
      metadata: { source: 'seed', seed },
      createdAt,
    };
    chunk.riseAccounts.push(account);
  }

  // An affiliate can have been paid only through an account that was approved at the time.
  const canHavePaid = kycStatus === 'APPROVED' || kycStatus === 'EXPIRED';
  const approved = approvedAmounts(rng, archetype, slots, minCents);
  let paidCents = 0;
  let pendingCents = 0;
  let approvedCents = 0;
  for (let j = 1; j <= slots; j++) {
    const approvedAmount = approved[j - 1];
    let status: CommissionStatus;
    if (approvedAmount !== undefined) status = 'APPROVED';
    else if (archetype === 'nothing-approved' && j <= 2) status = j === 1 ? 'PENDING' : 'PAID';
    else status = otherStatus(rng, canHavePaid);
    const cents = approvedAmount ?? rng.int(500, 12_000);
    const rateMultiplier = rng.pick([2, 4, 5]); // commission of 50%, 25% or 20% of net revenue
    const netCents = cents * rateMultiplier;
    const discountCents = rng.chance(0.3) ? rng.int(100, 2_000) : 0;
    const createdAt = new Date(BASE_TIME - rng.int(1, 180) * DAY_MS - rng.int(0, 86_399) * 1000);
    const paidAt =
      status === 'PAID' ? new Date(Math.min(createdAt.getTime() + rng.int(7, 30) * DAY_MS, BASE_TIME - DAY_MS)) : null;
    const key = commissionKeyOf(seed, n, j);
    const commission: CommissionRow = {
      id: commissionIdOf(key),
      affiliateProfileId: profileId,
      affiliateCodeId: rng.pick(codes).id,
      userId: `cus_${seed}_${n}_${j}`,
      subscriptionId: rng.chance(0.7) ? `sub_${seed}_${n}_${j}` : null,
      grossRevenue: centsToDecimal(netCents + discountCents),
      discountAmount: centsToDecimal(discountCents),
      netRevenue: centsToDecimal(netCents),
      commissionAmount: centsToDecimal(cents),
      status,
      paidAt,
      createdAt,
    };
    chunk.commissions.push(commission);
    if (paidAt) {
      paidCents += cents;
      if (!account) throw new Error('a paid commission needs an account');
      paid.push({ n, cents, paidAt: paidAt.getTime(), key });
    } else if (status === 'APPROVED') {
      approvedCents += cents;
      pendingCents += cents;
    } else if (status === 'PENDING') {
      pendingCents += cents;
    }
  }

  chunk.affiliateProfiles.push({
    id: profileId,
    userId,
    fullName: `${first} ${last}`,
    country: rng.pick(COUNTRIES),
    paidCommissions: centsToDecimal(paidCents),
    pendingCommissions: centsToDecimal(pendingCents),
    createdAt: joinedAt,
  });
  const payable = kycStatus === 'APPROVED' && approvedCents > 0 && approvedCents >= minCents;
  chunk.affiliates.push({ profileId, archetype, kycStatus, approvedTotal: centsToDecimal(approvedCents), payable });
}

function emptyChunk(): SeedChunk {
  return { ...emptyRows(), affiliates: [] };
}

/**
 * Deterministic demo data, a chunk at a time: the affiliates in order, then their past payments. Only
 * one chunk and a few fields per PAID commission are held at once, so memory stays small at any size;
 * the same options always give identical rows, ids included, whatever the chunking.
 */
export function generateSeedChunks(input: SeedOptions): Generator<SeedChunk> {
  return chunksOf(seedOptions(input));
}

function* chunksOf(options: Required<SeedOptions>): Generator<SeedChunk> {
  const generation: Generation = {
    options,
    minCents: decimalToCents(options.minimumPayout),
    rng: makeRng(options.seed),
    paid: [],
  };
  const affiliatesPerChunk = Math.max(1, Math.floor(COMMISSIONS_PER_CHUNK / options.commissionsPerAffiliate));
  let chunk = emptyChunk();
  for (let n = 1; n <= options.affiliates; n++) {
    addAffiliate(generation, n, chunk);
    if (chunk.affiliates.length === affiliatesPerChunk) {
      yield chunk;
      chunk = emptyChunk();
    }
  }
  if (chunk.affiliates.length > 0) yield chunk;
  for (const rows of paymentHistoryChunks(options.seed, generation.paid, HISTORY_BATCHES_PER_CHUNK)) {
    yield { ...rows, affiliates: [] };
  }
}

/** Deterministic demo data, all at once: the chunks of `generateSeedChunks`, put together. */
export function generateSeedData(input: SeedOptions): SeedData {
  const options = seedOptions(input);
  const data: SeedData = { ...emptyChunk(), options, payableAffiliates: 0, payableTotal: '0.00' };
  const summary = emptySeedSummary(options);
  for (const chunk of chunksOf(options)) {
    for (const key of Object.keys(chunk) as Array<keyof SeedChunk>) {
      const into: unknown[] = data[key];
      for (const row of chunk[key]) into.push(row);
    }
    addToSeedSummary(summary, chunk);
  }
  data.payableAffiliates = summary.payableAffiliates;
  data.payableTotal = centsToDecimal(summary.payableCents);
  return data;
}
