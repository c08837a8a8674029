// A real OpenID provider for the SSO tests: the certified `oidc-provider` package, set up
// from a JSON file the test fixture writes (tests/oidc.py). Started as
//   node provider.mjs CONFIG.json
// it prints "ready <issuer>" once it listens on 127.0.0.1.
//
// What the config gives:
//   port, clients (oidc-provider client metadata), users ({id: {name, preferred_username,
//   groups}}), idTokenTtl (seconds), clockOffsetSeconds (this provider's clock is that far
//   off: a provider whose clock is wrong), idTokenAudience ({client_id: audience}: ID tokens
//   for that client name another audience, the one test hook inside the provider).
// Test-only routes, beside the provider's own:
//   POST /test/users/ID {json}  replace a user (change groups, or "disabled": true: a leaver)
//   GET  /.well-known/openid-configuration?keys=other  discovery whose jwks_uri serves
//        another key under the same key id (a relying party pointed at the wrong keys)
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider, { interactionPolicy } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const offsetMs = (config.clockOffsetSeconds || 0) * 1000;
if (offsetMs) {
  const realNow = Date.now;
  Date.now = () => realNow() + offsetMs;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
}
const key = signingKey();
const otherKey = signingKey();
const publicPart = ({ kty, n, e, kid, use, alg }) => ({ kty, n, e, kid, use, alg });

const users = config.users;
const issuer = `http://127.0.0.1:${config.port}`;

// A person disabled at the provider (a leaver) is asked to sign in again, even with a
// session here: so prompt=none answers login_required, as Microsoft Entra ID does.
const policy = interactionPolicy.base();
policy.get('login').checks.add(new interactionPolicy.Check(
  'account_disabled',
  'the account has been disabled',
  'login_required',
  (ctx) => {
    const id = ctx.oidc.session.accountId;
    return Boolean(id && (!users[id] || users[id].disabled));
  },
));

const provider = new Provider(issuer, {
  interactions: { policy },
  clients: config.clients,
  jwks: { keys: [key] },
  cookies: { keys: ['test-provider-cookie-key-not-secret'] },
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  // Claims in the ID token itself, as Microsoft Entra ID sends roles and groups.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  ttl: { IdToken: config.idTokenTtl || 3600 },
  features: {
    devInteractions: { enabled: true }, // the provider's own login page
    rpInitiatedLogout: { enabled: true },
  },
  async findAccount(ctx, id) {
    const user = users[id];
    if (!user || user.disabled) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: user.name,
          preferred_username: user.preferred_username,
          groups: user.groups,
        };
      },
    };
  },
  // First-party clients: no consent page (the force's own app registration).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamScopes].join(' '));
    await grant.save();
    return grant;
  },
});
provider.proxy = false;
provider.on('server_error', (ctx, error) => process.stderr.write(`server_error ${error.stack}\n`));

const audiences = config.idTokenAudience || {};
const issue = provider.IdToken.prototype.issue;
provider.IdToken.prototype.issue = async function issueFor(options) {
  const audience = this.client && audiences[this.client.clientId];
  if (!audience) return issue.call(this, options);
  const real = this.client;
  this.client = Object.create(real, { clientId: { value: audience } });
  try {
    return await issue.call(this, options);
  } finally {
    this.client = real;
  }
};

async function readJson(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path.startsWith('/test/users/')) {
    users[decodeURIComponent(ctx.path.slice('/test/users/'.length))] = await readJson(ctx);
    ctx.status = 204;
    return;
  }
  if (ctx.path === '/test/jwks-other') {
    ctx.body = { keys: [publicPart(otherKey)] };
    return;
  }
  await next();
  if (ctx.path === '/.well-known/openid-configuration' && ctx.query.keys === 'other') {
    ctx.body = { ...ctx.body, jwks_uri: `${issuer}/test/jwks-other` };
  }
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
