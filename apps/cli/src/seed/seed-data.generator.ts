import type { CommissionStatus, RiseWorksKycStatus } from '@payouts/db';
import { centsToDecimal, decimalToCents } from './money.ts';
import { addPaymentHistory, type PaidCommission } from './payment-history.generator.ts';
import { makeRng, type Rng } from './prng.ts';
import { riseUserNanoid } from './rise-user-nanoid.ts';
import type {
  AffiliateCodeRow,
  AffiliateProfileRow,
  AuditLogRow,
  CommissionRow,
  MockProviderPaymentRow,
  PaymentBatchRow,
  RiseAccountRow,
  TransactionRow,
  UserRow,
} from './seed-data.types.ts';

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

export interface SeedOptions {
  affiliates: number;
  commissionsPerAffiliate: number;
  seed: number;
  /** The minimum payout the archetypes are built around; default "50.00". */
  minimumPayout?: string;
}

export const DEFAULT_SEED_OPTIONS = { affiliates: 24, commissionsPerAffiliate: 4, seed: 42 } as const;

// Every date is relative to this fixed instant, so that the data depends on the seed only.
const BASE_TIME = Date.UTC(2026, 5, 1);
const DAY_MS = 86_400_000;

const FIRST_NAMES = ['Ada', 'Bruno', 'Chen', 'Dara', 'Elif', 'Farah', 'Gus', 'Hana', 'Ivan', 'Jade', 'Kofi', 'Lena'];
const LAST_NAMES = ['Okafor', 'Silva', 'Novak', 'Tanaka', 'Moreau', 'Schmidt', 'Haddad', 'Kowalski', 'Reyes', 'Lind'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'ES', 'BR', 'CA', 'IN', 'NL', 'AU', 'MX', 'NG'];

export interface SeedAffiliate {
  profileId: string;
  archetype: SeedArchetype;
  kycStatus: RiseWorksKycStatus | null;
  /** Sum of APPROVED commissions. */
  approvedTotal: string;
  /** KYC approved and approved total >= minimum (nothing seeded is in a live transaction). */
  payable: boolean;
}

export interface SeedData {
  options: Required<SeedOptions>;
  users: UserRow[];
  affiliateProfiles: AffiliateProfileRow[];
  affiliateCodes: AffiliateCodeRow[];
  riseAccounts: RiseAccountRow[];
  commissions: CommissionRow[];
  /** Past payments of the PAID commissions, so that PAID <=> one COMPLETED transaction and the mock ledger agree. */
  paymentBatches: PaymentBatchRow[];
  transactions: TransactionRow[];
  mockProviderPayments: MockProviderPaymentRow[];
  auditLogs: AuditLogRow[];
  affiliates: SeedAffiliate[];
  payableAffiliates: number;
  payableTotal: string;
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

/** Deterministic demo data: the same options always give identical rows, ids included. */
export function generateSeedData(input: SeedOptions): SeedData {
  const options: Required<SeedOptions> = { minimumPayout: '50.00', ...input };
  const { affiliates: affiliateCount, commissionsPerAffiliate: slots, seed } = options;
  assertCount('affiliates', affiliateCount, 1);
  assertCount('commissionsPerAffiliate', slots, 1);
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError('seed must be an integer in 0..4294967295');
  }
  const minCents = decimalToCents(options.minimumPayout);
  const rng = makeRng(seed);
  const data: SeedData = {
    options,
    users: [],
    affiliateProfiles: [],
    affiliateCodes: [],
    riseAccounts: [],
    commissions: [],
    paymentBatches: [],
    transactions: [],
    mockProviderPayments: [],
    auditLogs: [],
    affiliates: [],
    payableAffiliates: 0,
    payableTotal: '0.00',
  };
  const paid: PaidCommission[] = [];
  let payableCents = 0;

  for (let n = 1; n <= affiliateCount; n++) {
    const archetype = n <= SEED_ARCHETYPES.length ? (SEED_ARCHETYPES[n - 1] ?? 'payable') : pickWeighted(rng);
    const kycStatus = KYC_BY_ARCHETYPE[archetype];
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const email = `${first.toLowerCase()}.${last.toLowerCase()}.${seed}.${n}@affiliates.example.com`;
    const joinedAt = new Date(BASE_TIME - (200 + rng.int(0, 165)) * DAY_MS);
    const userId = `usr_${seed}_${n}`;
    const profileId = `aff_${seed}_${n}`;
    data.users.push({ id: userId, email, name: `${first} ${last}`, createdAt: joinedAt });

    const codes: AffiliateCodeRow[] = [];
    const codeCount = rng.chance(0.3) ? 2 : 1;
    for (let k = 1; k <= codeCount; k++) {
      const code = `${first.toUpperCase()}${seed}X${n}${k === 1 ? '' : `-${k}`}`;
      codes.push({ id: `code_${seed}_${n}_${k}`, affiliateProfileId: profileId, code, createdAt: joinedAt });
    }
    data.affiliateCodes.push(...codes);

    let account: RiseAccountRow | null = null;
    if (kycStatus) {
      const createdAt = new Date(joinedAt.getTime() + rng.int(1, 10) * DAY_MS);
      const decided = kycStatus === 'APPROVED' || kycStatus === 'REJECTED' || kycStatus === 'EXPIRED';
      account = {
        id: `rise_acct_${seed}_${n}`,
        affiliateProfileId: profileId,
        riseId: riseUserNanoid(seed, n),
        email,
        kycStatus,
        kycCompletedAt: decided ? new Date(createdAt.getTime() + rng.int(1, 5) * DAY_MS) : null,
        metadata: { source: 'seed', seed },
        createdAt,
      };
      data.riseAccounts.push(account);
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
        status === 'PAID'
          ? new Date(Math.min(createdAt.getTime() + rng.int(7, 30) * DAY_MS, BASE_TIME - DAY_MS))
          : null;
      const commission: CommissionRow = {
        id: `com_${seed}_${n}_${j}`,
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
      data.commissions.push(commission);
      if (status === 'PAID') {
        paidCents += cents;
        if (!account) throw new Error('a paid commission needs an account');
        paid.push({ commission, account, key: `${seed}_${n}_${j}` });
      } else if (status === 'APPROVED') {
        approvedCents += cents;
        pendingCents += cents;
      } else if (status === 'PENDING') {
        pendingCents += cents;
      }
    }

    data.affiliateProfiles.push({
      id: profileId,
      userId,
      fullName: `${first} ${last}`,
      country: rng.pick(COUNTRIES),
      paidCommissions: centsToDecimal(paidCents),
      pendingCommissions: centsToDecimal(pendingCents),
      createdAt: joinedAt,
    });
    const payable = kycStatus === 'APPROVED' && approvedCents > 0 && approvedCents >= minCents;
    if (payable) {
      data.payableAffiliates++;
      payableCents += approvedCents;
    }
    data.affiliates.push({ profileId, archetype, kycStatus, approvedTotal: centsToDecimal(approvedCents), payable });
  }
  data.payableTotal = centsToDecimal(payableCents);
  addPaymentHistory(data, paid);
  return data;
}
