/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../../env';
import { readBoundedText } from '../../lib/body';
import { clientInfo } from '../../lib/client';
import { now } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { signUrl, verifySignedUrl } from '../../lib/signed-url';
import { enforceLimit } from '../../limiter';
import { verifyPassword } from '../auth/password';
import { logDownload } from './access-log.service';
import { serveFile } from './serve';
import { ShareGonePage, SharePage, type SharePageProps } from './share-page';
import {
  assertShareOpen,
  assertShareUnexpired,
  continuesDownload,
  countDownload,
  findShare,
  type ResolvedShare,
  resolveShare,
  returnGuess,
  takeGuess,
} from './shares.service';

// The page is ours, not a user's file: our stylesheet and a form back to us, nothing else.
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** Password attempts per share and address, right ones included; the share-wide lock-out is `SHARE_GUESSES`. */
const PASSWORD_RULE = { limit: 10, windowSeconds: 15 * 60 };
/** How long the download link the page hands out after a right password stays valid. */
const TICKET_SECONDS = 60 * 60;

type PageStatus = 200 | 401 | 403 | 404 | 410 | 429;

/** Our pages are full documents: the doctype keeps browsers out of quirks mode. */
const html = (c: Context<AppEnv>, page: Child, status: PageStatus) => {
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('Cache-Control', 'no-store');
  return c.html(`<!doctype html>${page}`, status);
};

const wantsJson = (c: Context<AppEnv>) => (c.req.header('accept') ?? '').includes('application/json');
const wantsPage = (c: Context<AppEnv>) => !wantsJson(c) && (c.req.header('accept') ?? '').includes('text/html');
const isFormPost = (c: Context<AppEnv>) => c.req.method === 'POST' && !wantsJson(c);

function downloadsLeft(share: ResolvedShare['share']): number | null {
  return share.maxDownloads === null ? null : Math.max(0, share.maxDownloads - share.downloads);
}

/** The visitor's zone as the edge places them, for times on a page that runs no script. */
function visitorTimeZone(c: Context<AppEnv>): string | undefined {
  const zone = (c.req.raw as Request & { cf?: { timezone?: unknown } }).cf?.timezone;
  return typeof zone === 'string' ? zone : undefined;
}

function page(
  c: Context<AppEnv>,
  resolved: ResolvedShare,
  status: 200 | 401 | 429,
  extra: Pick<SharePageProps, 'error' | 'downloadUrl'> = {},
) {
  // Nothing about a protected file is told before its password was given.
  const reveal = resolved.share.passwordHash === null || extra.downloadUrl !== undefined;
  return html(
    c,
    <SharePage
      file={reveal ? { name: resolved.file.name, size: resolved.file.size } : null}
      expiresAt={resolved.share.expiresAt}
      timeZone={visitorTimeZone(c)}
      downloadsLeft={downloadsLeft(resolved.share)}
      passwordRequired={resolved.share.passwordHash !== null}
      token={resolved.share.token}
      {...extra}
    />,
    status,
  );
}

/** The password from a form post or the `X-Share-Password` header; never remembered between requests. */
async function presentedPassword(c: Context<AppEnv>): Promise<string | null> {
  const header = c.req.header('x-share-password');
  if (header) return header;
  if (c.req.method === 'POST' && /^application\/x-www-form-urlencoded/i.test(c.req.header('content-type') ?? '')) {
    return new URLSearchParams(await readBoundedText(c.req.raw.body, 4096)).get('password');
  }
  return null;
}

/**
 * Checked on every request that serves bytes: there is no cookie that stands
 * in for the password once it was entered (only the short-lived download link
 * handed out right after it). Guesses are limited per share and address, and
 * per share across every address, where too many wrong ones lock the link:
 * while it is locked the right password is refused too.
 */
async function checkSharePassword(c: Context<AppEnv>, resolved: ResolvedShare): Promise<void> {
  const hash = resolved.share.passwordHash;
  if (!hash) return;
  const password = await presentedPassword(c);
  if (!password) throw new AppError('unauthorized', 'This link needs a password.');
  const lockedFor = (until: Date) => Math.max(1, Math.ceil((until.getTime() - now().getTime()) / 1000));
  if (resolved.share.lockedUntil && resolved.share.lockedUntil > now())
    throw locked(lockedFor(resolved.share.lockedUntil));
  const ip = clientInfo(c.req.raw).ip ?? 'unknown';
  await enforceLimit(c.env, `share:password:${resolved.share.id}:${ip}`, PASSWORD_RULE, 'password attempts');
  const guess = await takeGuess(c.var.db, resolved.share.id);
  if (!guess.ok) throw locked(lockedFor(guess.lockedUntil));
  if (!(await verifyPassword(password, hash)).ok) throw new AppError('unauthorized', 'That password is not right.');
  await returnGuess(c.var.db, resolved.share.id, guess.since);
}

function locked(seconds: number): AppError {
  const minutes = Math.ceil(seconds / 60);
  return new AppError(
    'rate_limited',
    `Too many wrong passwords: this link is locked for ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    { headers: { 'Retry-After': String(seconds) } },
  );
}

/** The download link a page hands out after a right password: signed, bound to the share, valid for an hour. */
function ticketQuery(c: Context<AppEnv>, resolved: ResolvedShare): string {
  const cap = now().getTime() + TICKET_SECONDS * 1000;
  const expiresAt = new Date(Math.min(cap, resolved.share.expiresAt?.getTime() ?? cap));
  const signed = signUrl(c.var.config.appUrl, c.var.config.secrets.URL_SIGNING_KEYS, {
    method: 'GET',
    path: `/s/${resolved.share.token}/download`,
    expiresAt,
    shareId: resolved.share.id,
  });
  return new URL(signed).search;
}

/** Whether the request carries a download link of this share; a broken or stale one is refused. */
function hasTicket(c: Context<AppEnv>, resolved: ResolvedShare): boolean {
  const url = new URL(c.req.url);
  if (!url.searchParams.has('sig')) return false;
  url.pathname = `/s/${resolved.share.token}/download`;
  const check = verifySignedUrl(url, 'GET', c.var.config.secrets.URL_SIGNING_KEYS, now());
  if (check.ok && check.shareId === resolved.share.id) return true;
  if (!check.ok && check.reason === 'expired') {
    throw new AppError('gone', 'This download link has expired. Open the share link again to download the file.');
  }
  throw new AppError('forbidden', 'This download link is not valid.');
}

async function show(c: Context<AppEnv>) {
  const asPage = !wantsJson(c);
  try {
    return await showShare(c);
  } catch (error) {
    return refusalPage(c, error, asPage);
  }
}

async function showShare(c: Context<AppEnv>) {
  const token = c.req.param('token') ?? '';
  if (new URL(c.req.url).searchParams.has('sig') && !wantsJson(c)) {
    // Right after a right password: the file's page, whose download is already counted.
    const resolved = await findShare(c.var.db, token);
    if (hasTicket(c, resolved)) {
      assertShareUnexpired(resolved.share);
      return page(c, resolved, 200, { downloadUrl: `/s/${token}/download${new URL(c.req.url).search}` });
    }
  }
  const resolved = await resolveShare(c.var.db, token);
  if (wantsJson(c)) {
    const protectedFile = resolved.share.passwordHash !== null;
    return c.json({
      ...(protectedFile
        ? {}
        : { name: resolved.file.name, size: resolved.file.size, contentType: resolved.file.contentType }),
      expiresAt: resolved.share.expiresAt?.toISOString() ?? null,
      downloadsLeft: downloadsLeft(resolved.share),
      passwordRequired: protectedFile,
      downloadUrl: `${c.var.config.appUrl}/s/${resolved.share.token}/download`,
    });
  }
  return page(c, resolved, 200);
}

/** A browser gets the "link not found / no longer available" page; API clients get the problem. */
function refusalPage(c: Context<AppEnv>, error: unknown, asPage: boolean): Response | Promise<Response> {
  if (asPage && error instanceof AppError && (error.status === 403 || error.status === 404 || error.status === 410)) {
    const status = error.status as 403 | 404 | 410;
    return html(c, <ShareGonePage status={status} message={error.message} />, status);
  }
  throw error;
}

async function download(c: Context<AppEnv>) {
  // A form post, or a browser opening (or reloading) the download address, gets pages, not JSON.
  const asPage = isFormPost(c) || wantsPage(c);
  try {
    return await serveShare(c, asPage);
  } catch (error) {
    // The form of a page opened earlier may post after the link ran out.
    return refusalPage(c, error, asPage);
  }
}

async function serveShare(c: Context<AppEnv>, asPage: boolean) {
  const resolved = await findShare(c.var.db, c.req.param('token') ?? '');
  if (hasTicket(c, resolved)) {
    assertShareUnexpired(resolved.share);
    return send(c, resolved, { counted: true, attachment: true });
  }
  // A Range request may continue a download counted earlier, so only the expiry is checked before it.
  if (c.req.method === 'GET' && c.req.header('range')) assertShareUnexpired(resolved.share);
  else assertShareOpen(resolved.share);
  try {
    await checkSharePassword(c, resolved);
  } catch (error) {
    if (asPage && error instanceof AppError && (error.status === 401 || error.status === 429)) {
      return page(c, resolved, error.status as 401 | 429, { error: error.message });
    }
    throw error;
  }
  if (isFormPost(c)) {
    // Counted now, then the page of the file (with the fresh count) starts the download by its signed link:
    // the page the visitor sees is never the one of an earlier wrong password.
    if (!(await countDownload(c.var.db, resolved.share.id))) {
      throw new AppError('gone', 'This link has reached its download limit or expired.');
    }
    return c.redirect(`/s/${resolved.share.token}${ticketQuery(c, resolved)}`, 303);
  }
  return send(c, resolved, { counted: false, attachment: false });
}

/**
 * Streams the file. A download is counted once per client download: a request
 * for the whole file or from byte 0 counts; a Range request that starts later
 * is a continuation, not counted, when the same address was sent bytes of this
 * share in the last day (else it counts). Not-modified and unsatisfiable
 * answers send nothing and count nothing.
 */
async function send(c: Context<AppEnv>, resolved: ResolvedShare, options: { counted: boolean; attachment: boolean }) {
  const { db } = c.var;
  const { share, file } = resolved;
  const ip = clientInfo(c.req.raw).ip;
  const served = await serveFile(c.req.raw, c.env.FILES, file, {
    admit: options.counted
      ? undefined
      : async (range) => {
          if (range && range.offset > 0 && (await continuesDownload(db, share, ip))) return;
          if (!(await countDownload(db, share.id))) {
            throw new AppError('gone', 'This link has reached its download limit or expired.');
          }
        },
  });
  if (c.req.method !== 'HEAD') {
    await logDownload(db, c.req.raw, {
      fileId: file.id,
      ownerId: file.ownerId,
      shareId: share.id,
      bytes: served.bytes,
      status: served.response.status,
    });
  }
  // The page's download link answers with the file itself, so the browser saves it as an attachment.
  if (options.attachment) {
    const disposition = served.response.headers.get('Content-Disposition') ?? '';
    served.response.headers.set('Content-Disposition', disposition.replace(/^inline/, 'attachment'));
  }
  return served.response;
}

/** `/s/<token>`: the public share page (HTML, or JSON with `Accept: application/json`) and its download. */
export const publicShareRoutes = new Hono<AppEnv>()
  .get('/s/:token', show)
  .on(['GET', 'HEAD', 'POST'], '/s/:token/download', download);
