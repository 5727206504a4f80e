export { type Db, makeDb } from './client.ts';
export * from './generated/prisma/client.ts';
