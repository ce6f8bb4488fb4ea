import { defineConfig } from 'vitest/config';

// Browser tests against the real app: a plain Node project (not the workers pool).
// globalSetup starts `scripts/dev.mjs` once; each test file drives Chromium with playwright-core.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['./test/e2e/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One dev server and one browser per file; running files in turn keeps the machine calm.
    fileParallelism: false,
  },
});
