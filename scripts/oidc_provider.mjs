// A real OpenID provider (the npm package oidc-provider) on loopback, for the identity app's
// tests and for trying single sign-on in the demo (docs/identity.md).
//
//   node scripts/oidc_provider.mjs CONFIG.json
//
// CONFIG names: issuer (http://127.0.0.1:PORT), port, jwks ({keys: [private JWKs]}), clients
// (oidc-provider client metadata), accounts ({login: claims}), and optionally idTokenTtl
// (seconds). The sign-in page is oidc-provider's development one: any login named in accounts,
// any password. Prints "ready <issuer>" once listening; stops on SIGTERM.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const accounts = config.accounts || {};

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: [config.cookieKey || 'concord-loopback-provider'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  // Claims in the ID token itself, as Microsoft Entra ID sends them.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: { IdToken: config.idTokenTtl || 3600 },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  async loadExistingGrant(ctx) {
    // First-party clients: consent is implied, as in a council's own directory.
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile groups');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'given_name', 'family_name', 'groups']);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${config.issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
