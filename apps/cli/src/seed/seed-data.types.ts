import type { CommissionStatus, Prisma, RiseWorksKycStatus } from '@payouts/db';

// Rows exactly as they are inserted. Amounts are decimal strings with 2 places.

export interface UserRow {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
}

export interface AffiliateProfileRow {
  id: string;
  userId: string;
  fullName: string;
  country: string;
  paidCommissions: string;
  pendingCommissions: string;
  createdAt: Date;
}

export interface AffiliateCodeRow {
  id: string;
  affiliateProfileId: string;
  code: string;
  createdAt: Date;
}

export interface RiseAccountRow {
  id: string;
  affiliateProfileId: string;
  riseId: string;
  email: string;
  kycStatus: RiseWorksKycStatus;
  kycCompletedAt: Date | null;
  metadata: Prisma.InputJsonObject;
  createdAt: Date;
}

export interface CommissionRow {
  id: string;
  affiliateProfileId: string;
  affiliateCodeId: string;
  userId: string;
  subscriptionId: string | null;
  grossRevenue: string;
  discountAmount: string;
  netRevenue: string;
  commissionAmount: string;
  status: CommissionStatus;
  paidAt: Date | null;
  createdAt: Date;
}

export interface PaymentBatchRow {
  id: string;
  batchNumber: string;
  paymentCount: number;
  totalAmount: string;
  currency: 'USD';
  provider: 'MOCK';
  status: 'COMPLETED';
  createdBy: string;
  executedAt: Date;
  completedAt: Date;
  metadata: Prisma.InputJsonObject;
  createdAt: Date;
}

export interface TransactionRow {
  id: string;
  batchId: string;
  commissionId: string;
  liveCommissionId: string;
  affiliateProfileId: string;
  transactionId: string;
  idempotencyKey: string;
  providerTxId: string;
  provider: 'MOCK';
  affiliateRiseAccountId: string;
  payeeRiseId: string;
  amount: string;
  currency: 'USD';
  status: 'COMPLETED';
  metadata: Prisma.InputJsonObject;
  createdAt: Date;
  completedAt: Date;
}

export interface MockProviderPaymentRow {
  id: string;
  idempotencyKey: string;
  providerTxId: string;
  payeeId: string;
  amount: string;
  currency: 'USD';
  sendCalls: number;
  createdAt: Date;
}

export interface AuditLogRow {
  id: string;
  action: string;
  status: 'SUCCESS';
  details: Prisma.InputJsonObject;
  batchId: string;
  transactionId: string | null;
  commissionId: string | null;
  fromStatus: string | null;
  toStatus: string;
  actor: string;
  createdAt: Date;
}

/** Rows of every table the seed writes: all of them, or one chunk of them. */
export interface SeedRows {
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
}

export interface SeedOptions {
  affiliates: number;
  commissionsPerAffiliate: number;
  seed: number;
  /** The minimum payout the archetypes are built around; default "50.00". */
  minimumPayout?: string;
}

/** What the summary counts of a chunk of rows: the rows, and whether each of its affiliates is payable. */
export interface CountedRows extends SeedRows {
  affiliates: readonly { payable: boolean; approvedTotal: string }[];
}
