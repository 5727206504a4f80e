import path from 'node:path';
import { defineConfig } from 'prisma/config';

// The schema and migrations live at the repository's top level, beside apps/ and packages/.
const root = path.resolve(import.meta.dirname, '../..');

export default defineConfig({
  schema: path.join(root, 'prisma/schema.prisma'),
  migrations: { path: path.join(root, 'prisma/migrations') },
  // Read lazily: `prisma generate` needs no database, and env() would throw when the variable is unset.
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/payouts' },
});
