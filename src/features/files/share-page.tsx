/** @jsxImportSource hono/jsx */
import type { FC, PropsWithChildren } from 'hono/jsx';

export interface SharePageProps {
  name: string;
  size: number;
  expiresAt: Date | null;
  downloadsLeft: number | null;
  passwordRequired: boolean;
  token: string;
  error?: string;
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

const Layout: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
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
  <Layout title={`${props.name} · Hearth`}>
    <section class="card share-card" data-testid="share-card">
      <h1 class="share-name" data-testid="share-name">
        {props.name}
      </h1>
      <dl class="share-facts">
        <dt>Size</dt>
        <dd data-testid="share-size">{formatBytes(props.size)}</dd>
        <dt>Expires</dt>
        <dd data-testid="share-expires">
          {props.expiresAt ? (
            <time datetime={props.expiresAt.toISOString()}>{props.expiresAt.toUTCString()}</time>
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
    </section>
  </Layout>
);

export const ShareGonePage: FC<{ status: 404 | 410; message: string }> = ({ status, message }) => (
  <Layout title="Link unavailable · Hearth">
    <section class="card share-card" data-testid="share-gone">
      <h1>{status === 404 ? 'Link not found' : 'Link no longer available'}</h1>
      <p>{message}</p>
    </section>
  </Layout>
);
