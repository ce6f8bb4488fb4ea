import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: './wrangler.toml' },
        miniflare: {
          bindings: {
            ENVIRONMENT: 'development',
            APP_URL: 'http://localhost:8787',
            TEST_MIGRATIONS: migrations,
          },
          // A second, never-migrated database: health must report it as failing.
          d1Databases: { DB: 'hearth-test', UNMIGRATED_DB: 'hearth-unmigrated' },
        },
      }),
    ],
    test: {
      include: ['src/**/*.test.ts', 'test/worker/**/*.test.ts'],
      setupFiles: ['./test/worker/setup.ts'],
      // Request logs are noise when a test passes and evidence when it fails.
      silent: 'passed-only' as const,
      // scrypt at production cost (about 16 MiB and tens of ms per hash) makes auth tests slower than most.
      testTimeout: 30_000,
    },
  };
});
