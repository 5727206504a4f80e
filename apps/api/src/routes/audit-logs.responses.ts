import { AuditLogStatus } from '@payouts/db';
import { z } from 'zod';
import { dateTime, nextCursor, storedJson } from './response-fields.ts';

// Success body of audit-logs.routes.ts.

export const auditLog = z.object({
  id: z.string(),
  action: z.string().describe('e.g. batch.created, payment.replayed'),
  status: z.enum(AuditLogStatus),
  details: storedJson.nullable(),
  transactionId: z.string().nullable(),
  batchId: z.string().nullable(),
  commissionId: z.string().nullable(),
  fromStatus: z.string().nullable(),
  toStatus: z.string().nullable(),
  actor: z.string().nullable(),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: dateTime,
});

export const auditLogsAnswer = z
  .object({ auditLogs: z.array(auditLog), nextCursor })
  .describe('A page of the audit trail, newest first');
