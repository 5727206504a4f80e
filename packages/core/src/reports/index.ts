export { type AffiliatePayout, type AffiliatePayoutHistory, listAffiliatePayouts } from './affiliate-payouts.ts';
export { exportAuditLogs } from './audit-export.ts';
export { type BatchReport, exportBatchPayouts, getBatchReport } from './batch-report.ts';
export { type CsvColumn, csvExport, csvFileName } from './csv-export.ts';
export { type PayoutFilter, type PayoutRow, type PayoutStatus, payoutColumns } from './payout-rows.ts';
export {
  exportPayouts,
  getPayoutsReport,
  type PayoutGroup,
  type PayoutGrouping,
  type PayoutsReport,
} from './payouts-report.ts';
