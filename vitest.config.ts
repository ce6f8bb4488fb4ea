import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { build } from 'esbuild';
import { defineConfig } from 'vitest/config';

// The fake OpenID Connect provider the OAuth tests sign in at (test/fake-oidc).
const FAKE_OIDC = { ISSUER: 'https://oidc.test', CLIENT_ID: 'hearth-test', CLIENT_SECRET: 'fake-oidc-client-secret' };

/** Auxiliary workers are not transformed by Vite, so the fake provider is bundled to one module here. */
async function bundleFake(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [path.join(import.meta.dirname, entry)],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    write: false,
  });
  return result.outputFiles[0]?.text ?? '';
}

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
            OIDC_PROVIDERS: JSON.stringify([
              { id: 'linkedin', name: 'LinkedIn', issuer: FAKE_OIDC.ISSUER, clientId: FAKE_OIDC.CLIENT_ID },
            ]),
            OIDC_LINKEDIN_CLIENT_SECRET: FAKE_OIDC.CLIENT_SECRET,
            // The assistant answers from the fake provider (test/fake-ai), so every route, the
            // fuzzed ones included, runs as in a configured deployment.
            AI_API_URL: 'https://fake-ai.test/v1',
            AI_MODELS: 'fake-model,fake-large',
          },
          // Every outbound fetch of the worker under test reaches the fake providers (the model provider,
          // then the OIDC one), each answering for its own origin and passing anything else on, so
          // production code keeps calling plain fetch.
          outboundService: 'fake-ai',
          workers: [
            {
              name: 'fake-ai',
              modules: true,
              script: await bundleFake('test/fake-ai/index.ts'),
              compatibilityDate: '2026-11-01',
              serviceBindings: { NEXT: 'fake-oidc' },
            },
            {
              name: 'fake-oidc',
              modules: true,
              script: await bundleFake('test/fake-oidc/index.ts'),
              compatibilityDate: '2026-11-01',
              bindings: FAKE_OIDC,
              // What the OIDC fake passes on reaches the fakes of Twilio, Sentry and alert webhooks next.
              outboundService: 'fake-outside',
            },
            {
              name: 'fake-outside',
              modules: true,
              script: await bundleFake('test/fake-outside/index.ts'),
              compatibilityDate: '2026-11-01',
              bindings: { TWILIO_ACCOUNT_SID: 'ACfake', TWILIO_AUTH_TOKEN: 'fake-twilio-auth-token' },
            },
          ],
          // A second, never-migrated database: health must report it as failing.
          d1Databases: { DB: 'hearth-test', UNMIGRATED_DB: 'hearth-unmigrated' },
        },
      }),
    ],
    test: {
      include: ['src/**/*.test.ts', 'test/worker/**/*.test.ts'],
      setupFiles: ['./test/worker/setup.ts'],
      // panva's oidc-provider (Node, Koa) on 127.0.0.1 for the OAuth tests; the fake provider passes it through.
      globalSetup: ['./test/oidc-provider/global-setup.ts'],
      // Request logs are noise when a test passes and evidence when it fails.
      silent: 'passed-only' as const,
      // scrypt at production cost (about 16 MiB and tens of ms per hash) makes auth tests slower than most.
      testTimeout: 30_000,
    },
  };
});
