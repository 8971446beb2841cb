// A real OpenID provider (npm `oidc-provider` 9) on 127.0.0.1 for
// Portcullis' tests and demo. Started by scripts/oidc-server.sh.
//
//   node provider.mjs PORT [APP_ORIGIN]
//
// Prints `issuer=http://127.0.0.1:PORT` once it listens. Nothing here is for
// production: the development interactions accept any password, and the
// signing key is made at start-up.
//
// Clients (redirect URIs under APP_ORIGIN, default http://127.0.0.1:8000,
// and under http(s)://app.portcullis.test for request-derived callbacks):
//   portcullis-confidential  secret portcullis-test-secret, provider id `local`
//   portcullis-public        no secret (PKCE only),        provider id `public`
//
// Accounts: log in with any name and any password. The name is the subject
// (`sub`); the claims are those below, else `{name}@example.test`, verified,
// no groups. The account `tampered` gets an ID token whose payload is
// altered after signing (its signature no longer holds); the account
// `unpublished` gets one signed with a key the provider never publishes.
//
// Key rotation (for tests, from 127.0.0.1 only): `POST /__test/rotate-key`
// makes a new signing key and swaps in a new provider instance (same issuer,
// port, clients, and the same store: sign-ins, sessions and grants under way
// go on) that signs with it and publishes it first, the earlier keys after
// it. It answers `{"kid": …}`.
import { generateKeyPairSync, sign } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
// The package's own in-memory store, made once: each instance would
// otherwise make its own, and a rotation would lose every interaction under way.
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';

const port = Number(process.argv[2] || 0);
const appOrigin = (process.argv[3] || 'http://127.0.0.1:8000').replace(/\/$/, '');
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  alice: { email: 'alice@example.test', email_verified: true, groups: ['Editors', 'Staffers'], name: 'Alice Example' },
  unverified: { email: 'victim@example.test', email_verified: false, groups: [] },
  verified: { email: 'victim@example.test', email_verified: true, groups: [] },
  noemail: { groups: [] },
};

function claimsOf(sub) {
  const known = ACCOUNTS[sub];
  const base = known ?? { email: `${sub}@example.test`, email_verified: true, groups: [] };
  return { preferred_username: sub, ...base, sub };
}

// Origins an app with `auth.site_origin` unset is reached at in the tests:
// its callback URL then comes from the request (Host, or a trusted proxy's
// X-Forwarded-Proto/-Host).
const REQUEST_ORIGINS = ['http://app.portcullis.test', 'https://app.portcullis.test'];

const callbacks = (ids) =>
  [appOrigin, ...REQUEST_ORIGINS].flatMap((origin) => ids.map((id) => `${origin}/oidc/${id}/callback`));

const signingKey = (kid) => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
};

// Never in any JWKS: the ID token of `unpublished` is re-signed with it.
const { privateKey: unpublishedKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

const adapter = createMemoryAdapter();

function makeProvider(keys) {
  const provider = new Provider(issuer, {
    adapter,
    clients: [
      {
        client_id: 'portcullis-confidential',
        client_secret: 'portcullis-test-secret',
        redirect_uris: callbacks(['local', 'demo']),
        post_logout_redirect_uris: [appOrigin, ...REQUEST_ORIGINS].map((origin) => `${origin}/`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: 'portcullis-public',
        token_endpoint_auth_method: 'none',
        redirect_uris: callbacks(['public']),
        post_logout_redirect_uris: [appOrigin, ...REQUEST_ORIGINS].map((origin) => `${origin}/`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys },
    cookies: { keys: ['portcullis-test-cookie-key'] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: ['groups'],
    },
    // Scope claims in the ID token itself, as most providers do.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(ctx, sub) {
      return { accountId: sub, async claims() { return claimsOf(sub); } };
    },
  });

  // The ID token of `tampered`: payload changed after signing; of
  // `unpublished`: signed again with the unpublished key.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== '/token' || !ctx.body || typeof ctx.body.id_token !== 'string') return;
    const [header, payload, signature] = ctx.body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    if (claims.sub === 'tampered') {
      claims.email = 'admin@example.test';
      const forged = Buffer.from(JSON.stringify(claims)).toString('base64url');
      ctx.body = { ...ctx.body, id_token: `${header}.${forged}.${signature}` };
    } else if (claims.sub === 'unpublished') {
      const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'never-published' })).toString('base64url');
      const signed = sign('sha256', Buffer.from(`${head}.${payload}`), unpublishedKey).toString('base64url');
      ctx.body = { ...ctx.body, id_token: `${head}.${payload}.${signed}` };
    }
  });
  return provider;
}

let keys = [signingKey('portcullis-test-key')];
let handle = makeProvider(keys).callback();

const loopback = (addr) => addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';

const server = http.createServer((req, res) => {
  if (req.url === '/__test/rotate-key') {
    if (req.method !== 'POST' || !loopback(req.socket.remoteAddress)) {
      res.writeHead(403).end();
      return;
    }
    const key = signingKey(`portcullis-test-key-${keys.length + 1}`);
    keys = [key, ...keys];
    handle = makeProvider(keys).callback();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kid: key.kid }));
    return;
  }
  handle(req, res);
});
server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  if (actual !== port) {
    console.error(`listening on ${actual}, but the issuer says ${port}: pass a fixed free port`);
    process.exit(1);
  }
  console.log(`issuer=${issuer}`);
});
