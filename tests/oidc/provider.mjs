// A real OpenID Connect provider for tests/test_oidc_login.py: the certified `oidc-provider`
// package (npm, 9.x) on Node, with one confidential client (Sitrep, redirect URI /oauth2callback)
// and two static accounts. Its development login form takes any password for a known account id.
//
//   OIDC_PROVIDER_MODULE=.../node_modules/oidc-provider/lib/index.js PORT=9000 \
//   REDIRECT_URI=http://127.0.0.1:8501/oauth2callback node tests/oidc/provider.mjs
import { pathToFileURL } from 'node:url';

const { default: Provider } = await import(pathToFileURL(process.env.OIDC_PROVIDER_MODULE).href);
const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  'ops-lead': { email: 'lead@wjw.cq.gov.cn', name: '指挥部 李领导' },   // Sitrep has this login
  'stranger': { email: 'stranger@example.org', name: 'Stranger' },     // Sitrep does not
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'sitrep',
    client_secret: process.env.CLIENT_SECRET || 'sitrep-test-secret',
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.REDIRECT_URI],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: true, name: account.name };
      },
    };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => false },
  // Put the scopes' claims (e-mail, name) in the ID token, as Keycloak and AD FS do: Streamlit reads st.user from it.
  conformIdTokenClaims: false,
  cookies: { keys: ['sitrep-test-oidc-cookie-key'] },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
});
provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
