/** @jsxImportSource hono/jsx */
import type { FC, PropsWithChildren } from 'hono/jsx';

export interface SharePageProps {
  /** Null while a password is needed: nothing about the file is told before it. */
  file: { name: string; size: number } | null;
  expiresAt: Date | null;
  /** The visitor's IANA zone, when the edge knows it; else times are in UTC. */
  timeZone?: string;
  downloadsLeft: number | null;
  passwordRequired: boolean;
  token: string;
  error?: string;
  /** Set right after a right password: the download was counted and this link fetches it. */
  downloadUrl?: string;
}

/** "9 Dec 2026, 14:05 CET": in the visitor's zone when known (no script runs on this page), else UTC. */
export function formatExpiry(at: Date, timeZone?: string): string {
  const format = (zone: string) =>
    new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZone: zone,
      timeZoneName: 'short',
    }).format(at);
  try {
    return format(timeZone ?? 'UTC');
  } catch {
    return format('UTC');
  }
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

const Layout: FC<PropsWithChildren<{ title: string; refresh?: string }>> = ({ title, refresh, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      {refresh ? <meta http-equiv="refresh" content={`0;url=${refresh}`} /> : null}
      <title>{title}</title>
      <link rel="stylesheet" href="/assets/app.css" />
      <link rel="icon" href="/favicon.svg" />
    </head>
    <body>
      <main class="share-page">
        <p class="share-brand">
          <a href="/">Hearth</a>
        </p>
        {children}
      </main>
    </body>
  </html>
);

/** The public page of a share link: what it is, how long it lasts, and the way to get it. */
export const SharePage: FC<SharePageProps> = (props) => (
  <Layout title={`${props.file ? props.file.name : 'A protected file'} · Hearth`} refresh={props.downloadUrl}>
    <section class="card share-card" data-testid="share-card">
      <h1 class="share-name" data-testid="share-name">
        {props.file ? props.file.name : 'This file is protected by a password'}
      </h1>
      <dl class="share-facts">
        {props.file ? (
          <>
            <dt>Size</dt>
            <dd data-testid="share-size">{formatBytes(props.file.size)}</dd>
          </>
        ) : null}
        <dt>Expires</dt>
        <dd data-testid="share-expires">
          {props.expiresAt ? (
            <time datetime={props.expiresAt.toISOString()}>{formatExpiry(props.expiresAt, props.timeZone)}</time>
          ) : (
            'Never'
          )}
        </dd>
        <dt>Downloads left</dt>
        <dd data-testid="share-left">{props.downloadsLeft === null ? 'Unlimited' : props.downloadsLeft}</dd>
      </dl>
      {props.error ? (
        <p class="form-error" role="alert" data-testid="share-error">
          {props.error}
        </p>
      ) : null}
      {props.downloadUrl ? (
        <>
          <p class="notice notice-ok" role="status" data-testid="share-started">
            Your download has started.
          </p>
          <p>
            <a class="button" href={props.downloadUrl} data-testid="share-again">
              Download again
            </a>
          </p>
          <p class="muted">
            If it did not start, this button fetches it: it works for an hour and is not counted again.
          </p>
        </>
      ) : (
        <form method="post" action={`/s/${props.token}/download`} class="share-form">
          {props.passwordRequired ? (
            <label>
              Password
              <input type="password" name="password" required autocomplete="off" data-testid="share-password" />
            </label>
          ) : null}
          <button type="submit" class="button primary" data-testid="share-download">
            Download
          </button>
        </form>
      )}
    </section>
  </Layout>
);

export const ShareGonePage: FC<{ status: 403 | 404 | 410; message: string }> = ({ status, message }) => (
  <Layout title="Link unavailable · Hearth">
    <section class="card share-card" data-testid="share-gone">
      <h1>{status === 404 ? 'Link not found' : status === 403 ? 'Link not valid' : 'Link no longer available'}</h1>
      <p>{message}</p>
    </section>
  </Layout>
);
