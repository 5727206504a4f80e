import path from 'node:path';

/** The repository root (pnpm runs the CLI with cwd = apps/cli, so never rely on the cwd). */
export const repoRoot = path.resolve(import.meta.dirname, '../../..');
