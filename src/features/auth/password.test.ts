import { encodeBase64NoPadding } from '@oslojs/encoding';
import { beforeEach, describe, expect, it, vi } from 'vitest';

interface ScryptOptions {
  N: number;
  r: number;
  p: number;
  maxmem: number;
}
type Scrypt = (
  password: Uint8Array,
  salt: Uint8Array,
  keyLength: number,
  options: ScryptOptions,
  callback: (error: Error | null, key: Uint8Array) => void,
) => void;

// The real scrypt behind a spy, so tests can see which key derivations ran (and that some did not).
const scrypt = vi.hoisted(() => vi.fn<Scrypt>());
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<{ scrypt: Scrypt }>();
  scrypt.mockImplementation(actual.scrypt);
  return { ...actual, scrypt };
});

// The pool loads the worker entry, and with it this module, before this file's mocks exist; a fresh copy
// (and a fresh AppError, so instanceof holds) makes these imports see the spied scrypt.
vi.resetModules();
const {
  assertStrongPassword,
  burnPasswordWork,
  checkPasswordPolicy,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  normalizePassword,
  parsePasswordHash,
  SCRYPT_PARAMS,
  verifyPassword,
} = await import('./password');
const { AppError } = await import('../../lib/errors');

beforeEach(() => {
  scrypt.mockClear();
});

// Each hash is a few hundred ms of CPU and some tests do five; leave room for a loaded CI machine.
vi.setConfig({ testTimeout: 20_000 });

const MiB = 1024 * 1024;
const PASSPHRASE = 'violet otters drift past the quiet lighthouse at 4am';

/** A hash in the stored format made with other parameters, as an older deployment would have stored it. */
async function hashWith(password: string, logN: number, r: number, p: number): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const N = 2 ** logN;
  const key = await new Promise<Uint8Array>((resolve, reject) =>
    scrypt(new TextEncoder().encode(password.normalize('NFKC')), salt, 32, { N, r, p, maxmem: 256 * N * r }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  );
  scrypt.mockClear();
  return `$scrypt$ln=${logN},r=${r},p=${p}$${encodeBase64NoPadding(salt)}$${encodeBase64NoPadding(key)}`;
}

/** A password of exactly `length` code points that is on no list. */
function passwordOfLength(length: number): string {
  return 'xK9#vq2!'.repeat(Math.ceil(length / 8)).slice(0, length);
}

describe('hashPassword', () => {
  it('should produce a self-describing PHC-like string that parses back', async () => {
    const stored = await hashPassword(PASSPHRASE);

    expect(stored).toMatch(/^\$scrypt\$ln=14,r=8,p=5\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parsePasswordHash(stored);
    expect(parsed?.params).toEqual({ logN: 14, r: 8, p: 5 });
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.key).toHaveLength(32);
  });

  it('should salt every hash, so one password never hashes the same twice', async () => {
    const [first, second] = await Promise.all([hashPassword(PASSPHRASE), hashPassword(PASSPHRASE)]);

    expect(first).not.toBe(second);
  });

  it('should stay within what production Workers allow for key derivation', async () => {
    // Production caps PBKDF2 at 100,000 iterations; we use no PBKDF2 at all, only scrypt, whose
    // limit that matters is memory: 128·N·r bytes against the 128 MB isolate.
    const started = performance.now();
    const stored = await hashPassword(PASSPHRASE);
    const elapsed = performance.now() - started;
    console.info(`one scrypt hash took ${elapsed.toFixed(0)} ms`);

    expect(stored.startsWith('$scrypt$')).toBe(true);
    expect(scrypt).toHaveBeenCalledTimes(1);
    const [, salt, keyLength, options] = scrypt.mock.calls[0] ?? [];
    expect(salt).toHaveLength(16);
    expect(keyLength).toBe(32);
    expect(options).toMatchObject({ N: 2 ** 14, r: 8, p: 5 });
    expect(SCRYPT_PARAMS).toEqual({ logN: 14, r: 8, p: 5 });
    const memory = 128 * (options?.N ?? 0) * (options?.r ?? 0);
    expect(memory).toBe(16 * MiB);
    expect(memory).toBeLessThanOrEqual((128 * MiB) / 4);
    expect(options?.maxmem).toBeLessThan(128 * MiB);
  });
});

describe('verifyPassword', () => {
  it('should accept the password a hash was made from', async () => {
    const stored = await hashPassword(PASSPHRASE);

    await expect(verifyPassword(PASSPHRASE, stored)).resolves.toEqual({ ok: true, needsRehash: false });
  });

  it('should refuse a wrong password', async () => {
    const stored = await hashPassword(PASSPHRASE);

    await expect(verifyPassword(`${PASSPHRASE}.`, stored)).resolves.toEqual({ ok: false, needsRehash: false });
    await expect(verifyPassword(PASSPHRASE.toUpperCase(), stored)).resolves.toEqual({ ok: false, needsRehash: false });
  });

  it.each([
    { logN: 12, r: 8, p: 5 },
    { logN: 14, r: 8, p: 1 },
    { logN: 15, r: 8, p: 1 },
  ])('should verify a hash made with ln=$logN,r=$r,p=$p and ask for a rehash', async ({ logN, r, p }) => {
    const stored = await hashWith(PASSPHRASE, logN, r, p);

    await expect(verifyPassword(PASSPHRASE, stored)).resolves.toEqual({ ok: true, needsRehash: true });
    await expect(verifyPassword('not the passphrase', stored)).resolves.toEqual({ ok: false, needsRehash: false });
    expect(scrypt).toHaveBeenLastCalledWith(
      expect.anything(),
      expect.anything(),
      32,
      expect.objectContaining({ N: 2 ** logN, r, p }),
      expect.any(Function),
    );
  });

  it('should refuse a tampered hash without throwing', async () => {
    const stored = await hashPassword(PASSPHRASE);
    const flipped = stored.slice(0, -1) + (stored.endsWith('A') ? 'B' : 'A');
    const otherSalt = stored.replace(
      /\$([^$]+)\$([^$]+)$/,
      (_, salt: string, key: string) => `$${salt.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}$${key}`,
    );

    for (const tampered of [flipped, otherSalt, stored.replace('p=5', 'p=4'), stored.replace('ln=14', 'ln=13')]) {
      await expect(verifyPassword(PASSPHRASE, tampered)).resolves.toEqual({ ok: false, needsRehash: false });
    }
  });

  it.each([
    '',
    'hunter2',
    '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
    '$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    '$scrypt$ln=14,r=8,p=5$$',
    '$scrypt$ln=14,r=8,p=5$AAAAAAAAAAAAAAAAAAAAAA$',
    '$scrypt$ln=14,r=8,p=5$A$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '$scrypt$ln=14,r=8,p=5$AAAAAAAAAAAAAAAAAAAAAA$AAAA',
    '$scrypt$ln=14,r=8,p=5$AAAA-AAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '$scrypt$ln=14,r=8,p=5$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA$extra',
    '$scrypt$ln=x,r=8,p=5$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    `$scrypt$ln=14,r=8,p=5$${'A'.repeat(10_000)}$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
  ])('should refuse the garbage hash %j without throwing or computing', async (stored) => {
    expect(parsePasswordHash(stored)).toBeNull();
    await expect(verifyPassword(PASSPHRASE, stored)).resolves.toEqual({ ok: false, needsRehash: false });
    expect(scrypt).not.toHaveBeenCalled();
  });

  it.each([
    ['a huge N', 'ln=40,r=8,p=5'],
    ['N = 2^20 (1 GiB)', 'ln=20,r=8,p=1'],
    ['a huge r', 'ln=14,r=999,p=1'],
    ['a huge p', 'ln=14,r=8,p=999'],
    ['256 MiB of memory', 'ln=16,r=32,p=1'],
    ['too much work', 'ln=15,r=8,p=16'],
    ['too little work to be ours', 'ln=4,r=8,p=5'],
    ['a zero r', 'ln=14,r=0,p=5'],
    ['a zero p', 'ln=14,r=8,p=0'],
  ])('should refuse %s without computing', async (_, params) => {
    const stored = `$scrypt$${params}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

    expect(parsePasswordHash(stored)).toBeNull();
    await expect(verifyPassword(PASSPHRASE, stored)).resolves.toEqual({ ok: false, needsRehash: false });
    expect(scrypt).not.toHaveBeenCalled();
  });

  it('should refuse a password longer than any accepted one without computing', async () => {
    const stored = await hashPassword(PASSPHRASE);
    scrypt.mockClear();

    await expect(verifyPassword(passwordOfLength(129), stored)).resolves.toEqual({ ok: false, needsRehash: false });
    await expect(verifyPassword('x'.repeat(1_000_000), stored)).resolves.toEqual({ ok: false, needsRehash: false });
    expect(scrypt).not.toHaveBeenCalled();
  });

  it('should accept a composed or a decomposed accent, whichever was typed first', async () => {
    const composed = 'Crème brûlée à l’orange';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);

    await expect(verifyPassword(decomposed, await hashPassword(composed))).resolves.toMatchObject({ ok: true });
    await expect(verifyPassword(composed, await hashPassword(decomposed))).resolves.toMatchObject({ ok: true });
  });

  it('should accept fullwidth letters for their plain form', async () => {
    const stored = await hashPassword('Hearth-by-the-fire-9');

    await expect(verifyPassword('Ｈｅａｒｔｈ－ｂｙ－ｔｈｅ－ｆｉｒｅ－９', stored)).resolves.toMatchObject({
      ok: true,
    });
  });
});

describe('burnPasswordWork', () => {
  it('should do the same key derivation as verifying a real hash', async () => {
    const stored = await hashPassword(PASSPHRASE);
    scrypt.mockClear();
    await verifyPassword('someone guessing', stored);
    const [, realSalt, realKeyLength, realOptions] = scrypt.mock.calls[0] ?? [];

    await expect(burnPasswordWork('someone guessing')).resolves.toBeUndefined();

    expect(scrypt).toHaveBeenCalledTimes(2);
    const [, burnSalt, burnKeyLength, burnOptions] = scrypt.mock.calls[1] ?? [];
    expect(burnSalt).toHaveLength(realSalt?.length ?? -1);
    expect(burnKeyLength).toBe(realKeyLength);
    expect(burnOptions).toEqual(realOptions);
  });
});

describe('normalizePassword', () => {
  it('should apply NFKC', () => {
    expect(normalizePassword('ｐａｓｓｗｏｒｄ')).toBe('password');
    expect(normalizePassword('e\u0301')).toBe('é');
    expect(normalizePassword('ﬃ')).toBe('ffi');
  });
});

describe('checkPasswordPolicy', () => {
  it.each([
    [7, 'too_short'],
    [8, 'ok'],
    [128, 'ok'],
    [129, 'too_long'],
  ])('should judge %i characters as %s', (length, verdict) => {
    const expected = verdict === 'ok' ? { ok: true } : { ok: false, reason: verdict, message: expect.any(String) };
    expect(checkPasswordPolicy(passwordOfLength(length))).toEqual(expected);
  });

  it('should count code points, not UTF-16 units', () => {
    // Each emoji is two UTF-16 units.
    expect(checkPasswordPolicy('🔥'.repeat(7))).toMatchObject({ ok: false, reason: 'too_short' });
    expect(checkPasswordPolicy('🔥'.repeat(8))).toEqual({ ok: true });
    expect(checkPasswordPolicy('🔥'.repeat(128))).toEqual({ ok: true });
    expect(checkPasswordPolicy('🔥'.repeat(129))).toMatchObject({ ok: false, reason: 'too_long' });
  });

  it('should count after normalisation', () => {
    // 16 code points typed, 8 once each e + combining acute composes to é.
    expect(checkPasswordPolicy('e\u0301'.repeat(MIN_PASSWORD_LENGTH))).toEqual({ ok: true });
    expect(checkPasswordPolicy('e\u0301'.repeat(MAX_PASSWORD_LENGTH))).toEqual({ ok: true });
    expect(checkPasswordPolicy('e\u0301'.repeat(MAX_PASSWORD_LENGTH + 1))).toMatchObject({ reason: 'too_long' });
    // 3 code points typed, 9 once each ﬃ ligature expands to ffi.
    expect(checkPasswordPolicy('ﬃ'.repeat(3))).toEqual({ ok: true });
  });

  it.each(['Password123', 'qwertyuiop', 'QWERTYUIOP', 'iloveyou', 'Pa$$w0rd', 'ｐａｓｓｗｏｒｄ１２３'])(
    'should refuse the common password %s',
    (password) => {
      expect(checkPasswordPolicy(password)).toMatchObject({ ok: false, reason: 'common' });
    },
  );

  it('should refuse the email, its local part or the name', () => {
    const context = { email: 'Ada.Lovelace@example.com', name: 'Ada Lovelace' };

    for (const password of ['ada.lovelace@example.com', 'ADA.LOVELACE', 'Ada Lovelace', 'adalovelace']) {
      expect(checkPasswordPolicy(password, context)).toMatchObject({ ok: false, reason: 'personal' });
    }
    expect(checkPasswordPolicy('ada lovelace wrote the first program', context)).toEqual({ ok: true });
  });

  it('should accept a long random passphrase', () => {
    expect(checkPasswordPolicy(PASSPHRASE, { email: 'ada@example.com', name: 'Ada' })).toEqual({ ok: true });
    expect(checkPasswordPolicy('tangerine-galaxy-oboe-41')).toEqual({ ok: true });
  });
});

describe('assertStrongPassword', () => {
  it('should throw weak_password with a clear reason for the field', () => {
    const error = (() => {
      try {
        assertStrongPassword('Password123');
      } catch (thrown) {
        return thrown;
      }
    })();

    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'weak_password',
      status: 400,
      message: expect.stringContaining('commonly used'),
      errors: [{ path: 'body.password', code: 'common', message: expect.stringContaining('commonly used') }],
    });
  });

  it('should name the field it was given', () => {
    expect(() => assertStrongPassword('short', {}, 'body.newPassword')).toThrow(
      expect.objectContaining({ errors: [expect.objectContaining({ path: 'body.newPassword', code: 'too_short' })] }),
    );
  });

  it('should let a strong password through', () => {
    expect(() => assertStrongPassword(PASSPHRASE, { email: 'ada@example.com' })).not.toThrow();
  });
});
