import { defineConfig } from 'vitest/config';
import { projects } from './vitest.workspace.ts';

export default defineConfig({
  test: {
    projects,
    // 2 cores: more forks only fight over them and over Postgres.
    maxWorkers: 2,
  },
});
