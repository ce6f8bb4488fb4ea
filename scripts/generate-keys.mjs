// `npm run keys`: prints fresh production secrets, ready for `wrangler secret put`.
// Nothing is written to disk; pipe each value straight into wrangler.
import { generateKeyPairSync, randomBytes } from 'node:crypto';

const kid = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`;
const { privateKey } = generateKeyPairSync('ed25519');
const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'EdDSA', use: 'sig' };

console.log('JWT_PRIVATE_JWKS (to rotate: put the new key first and keep the old one after it for 15 minutes)');
console.log(JSON.stringify([jwk]));
console.log();
console.log('URL_SIGNING_KEYS (to rotate: put the new pair first, keep the old one while links it signed may live)');
console.log(`${kid}:${randomBytes(32).toString('base64url')}`);
