/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { AppEnv } from '../../env';
import { readBoundedText } from '../../lib/body';
import { clientInfo } from '../../lib/client';
import { AppError } from '../../lib/errors';
import { enforceLimit } from '../../limiter';
import { verifyPassword } from '../auth/password';
import { logDownload } from './access-log.service';
import { serveFile } from './serve';
import { ShareGonePage, SharePage } from './share-page';
import { countDownload, type ResolvedShare, resolveShare } from './shares.service';

// The page is ours, not a user's file: our stylesheet and a form back to us, nothing else.
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const PASSWORD_RULE = { limit: 10, windowSeconds: 15 * 60 };

/** Our pages are full documents: the doctype keeps browsers out of quirks mode. */
const html = (c: Context<AppEnv>, page: Child, status: 200 | 401 | 404 | 410 | 429) =>
  c.html(`<!doctype html>${page}`, status);

const wantsJson = (c: Context<AppEnv>) => (c.req.header('accept') ?? '').includes('application/json');

function downloadsLeft(share: ResolvedShare['share']): number | null {
  return share.maxDownloads === null ? null : Math.max(0, share.maxDownloads - share.downloads);
}

function page(c: Context<AppEnv>, resolved: ResolvedShare, status: 200 | 401 | 429, error?: string) {
  c.header('Content-Security-Policy', PAGE_CSP);
  c.header('Cache-Control', 'no-store');
  return html(
    c,
    <SharePage
      name={resolved.file.name}
      size={resolved.file.size}
      expiresAt={resolved.share.expiresAt}
      downloadsLeft={downloadsLeft(resolved.share)}
      passwordRequired={resolved.share.passwordHash !== null}
      token={resolved.share.token}
      error={error}
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
 * Checked on every request that serves bytes: there is no cookie or token
 * that stands in for the password once it was entered. Guesses are throttled
 * per share and address.
 */
async function checkSharePassword(c: Context<AppEnv>, resolved: ResolvedShare): Promise<void> {
  const hash = resolved.share.passwordHash;
  if (!hash) return;
  const password = await presentedPassword(c);
  if (!password) throw new AppError('unauthorized', 'This link needs a password.');
  const ip = clientInfo(c.req.raw).ip ?? 'unknown';
  await enforceLimit(c.env, `share:password:${resolved.share.id}:${ip}`, PASSWORD_RULE, 'password attempts');
  if (!(await verifyPassword(password, hash)).ok) throw new AppError('unauthorized', 'That password is not right.');
}

async function show(c: Context<AppEnv>) {
  let resolved: ResolvedShare;
  try {
    resolved = await resolveShare(c.var.db, c.req.param('token') ?? '');
  } catch (error) {
    return gonePage(c, error, !wantsJson(c));
  }
  if (wantsJson(c)) {
    return c.json({
      name: resolved.file.name,
      size: resolved.file.size,
      contentType: resolved.file.contentType,
      expiresAt: resolved.share.expiresAt?.toISOString() ?? null,
      downloadsLeft: downloadsLeft(resolved.share),
      passwordRequired: resolved.share.passwordHash !== null,
      downloadUrl: `${c.var.config.appUrl}/s/${resolved.share.token}/download`,
    });
  }
  return page(c, resolved, 200);
}

/** A browser gets the "link not found / no longer available" page; API clients get the problem. */
function gonePage(c: Context<AppEnv>, error: unknown, asPage: boolean): Response | Promise<Response> {
  if (asPage && error instanceof AppError && (error.status === 404 || error.status === 410)) {
    c.header('Content-Security-Policy', PAGE_CSP);
    const status = error.status as 404 | 410;
    return html(c, <ShareGonePage status={status} message={error.message} />, status);
  }
  throw error;
}

async function download(c: Context<AppEnv>) {
  const fromForm = c.req.method === 'POST' && !wantsJson(c);
  try {
    return await serveShare(c, fromForm);
  } catch (error) {
    // The form of a page opened earlier may post after the link ran out.
    return gonePage(c, error, fromForm);
  }
}

async function serveShare(c: Context<AppEnv>, fromForm: boolean) {
  const resolved = await resolveShare(c.var.db, c.req.param('token') ?? '');
  try {
    await checkSharePassword(c, resolved);
  } catch (error) {
    if (fromForm && error instanceof AppError && (error.status === 401 || error.status === 429)) {
      return page(c, resolved, error.status as 401 | 429, error.message);
    }
    throw error;
  }
  if (c.req.method !== 'HEAD' && !(await countDownload(c.var.db, resolved.share.id))) {
    throw new AppError('gone', 'This link has reached its download limit or expired.');
  }
  const served = await serveFile(c.req.raw, c.env.FILES, resolved.file);
  if (c.req.method !== 'HEAD') {
    await logDownload(c.var.db, c.req.raw, {
      fileId: resolved.file.id,
      ownerId: resolved.file.ownerId,
      shareId: resolved.share.id,
      bytes: served.bytes,
      status: served.response.status,
    });
  }
  // A form post answers with the file itself, so the browser saves it as an attachment.
  if (fromForm) {
    const disposition = served.response.headers.get('Content-Disposition') ?? '';
    served.response.headers.set('Content-Disposition', disposition.replace(/^inline/, 'attachment'));
  }
  return served.response;
}

/** `/s/<token>`: the public share page (HTML, or JSON with `Accept: application/json`) and its download. */
export const publicShareRoutes = new Hono<AppEnv>()
  .get('/s/:token', show)
  .on(['GET', 'HEAD', 'POST'], '/s/:token/download', download);
