import type { TestProject } from 'vitest/node';
import type {} from './provided.js';
import { CLIENT, startOidcProvider } from './server.js';

/**
 * vitest globalSetup: starts panva's oidc-provider in Node, beside (not in) workerd, for the whole run.
 * The worker under test reaches it over http://127.0.0.1 through the fake provider's pass-through.
 */
export default async function setup(project: TestProject) {
  // vitest.config.ts sets APP_URL to this; the provider only redirects back to registered URIs.
  const appUrl = 'http://localhost:8787';
  const provider = await startOidcProvider([`${appUrl}/api/auth/oauth/panva/callback`]);
  project.provide('panvaOidc', { issuer: provider.issuer, clientId: CLIENT.id, clientSecret: CLIENT.secret });
  return () => provider.close();
}
