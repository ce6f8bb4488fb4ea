import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { makeAdmin, ORIGIN, registerUser } from '../../../test/worker/helpers';
import { createApp } from '../../app';

const app = createApp();

/**
 * The real D1 binding, with every statement it is asked to run counted: a
 * `prepare` is one statement sent, a `batch` one round trip however many it holds.
 */
function countingDb(db: D1Database) {
  const sent: string[] = [];
  const counted = new Proxy(db, {
    get(target, key) {
      if (key === 'prepare') {
        return (query: string) => {
          sent.push(query);
          return target.prepare(query);
        };
      }
      if (key === 'batch') {
        return (statements: D1PreparedStatement[]) => {
          sent.push(`batch of ${statements.length}`);
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: counted, sent };
}

async function getCounting(path: string, token: string) {
  const { db, sent } = countingDb(env.DB);
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`${ORIGIN}${path}`, { headers: { authorization: `Bearer ${token}` } }),
    { ...env, DB: db },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { res, sent };
}

describe('the authenticated read', () => {
  it('should answer GET /api/users/me with one D1 query for the account, its roles and permissions', async () => {
    const user = await registerUser({ name: 'Una' });
    await makeAdmin(user.id);
    const { res, sent } = await getCounting('/api/users/me', user.accessToken);
    expect(res.status).toBe(200);
    const me = (await res.json()) as { id: string; roles: string[]; permissions: string[] };
    expect(me).toMatchObject({ id: user.id, name: 'Una', roles: ['admin', 'user'] });
    // What the account may do comes with it, so screens follow permissions rather than role names.
    expect(me.permissions).toEqual(
      expect.arrayContaining(['users.read', 'roles.manage', 'audit.read', 'rooms.moderate']),
    );
    expect(sent).toHaveLength(1);

    const plain = await registerUser();
    const own = await getCounting('/api/users/me', plain.accessToken);
    expect(await own.res.json()).toMatchObject({ roles: ['user'], permissions: [] });
  });

  it('should read another account with users.read in two queries, and keep it a 404 without', async () => {
    const admin = await registerUser();
    await makeAdmin(admin.id);
    const other = await registerUser({ name: 'Otto' });

    const allowed = await getCounting(`/api/users/${other.id}`, admin.accessToken);
    expect(allowed.res.status).toBe(200);
    expect(await allowed.res.json()).toMatchObject({ id: other.id, name: 'Otto', roles: ['user'] });
    expect(allowed.sent).toHaveLength(2);

    const refused = await getCounting(`/api/users/${admin.id}`, other.accessToken);
    expect(refused.res.status).toBe(404);
    const own = await getCounting(`/api/users/${other.id}`, other.accessToken);
    expect(own.res.status).toBe(200);
    expect(own.sent).toHaveLength(1);
  });
});
