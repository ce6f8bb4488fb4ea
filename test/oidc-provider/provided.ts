/** Where the worker tests find panva's oidc-provider, which test/oidc-provider/global-setup.ts starts. */
export interface PanvaOidc {
  /** `http://127.0.0.1:<port>/`: with the trailing slash, as Auth0-style issuers are named. */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    panvaOidc: PanvaOidc;
  }
}
