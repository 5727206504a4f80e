/** Every BullMQ queue of the system; one processor file per queue in apps/worker. */
export const QueueName = {
  createBatch: 'create-batch',
  executeBatch: 'execute-batch',
  payTransaction: 'pay-transaction',
  finalizeBatch: 'finalize-batch',
  deadLetter: 'dead-letter',
  providerEvents: 'provider-events',
  maintenance: 'maintenance',
} as const;

export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const allQueueNames: readonly QueueName[] = Object.values(QueueName);
