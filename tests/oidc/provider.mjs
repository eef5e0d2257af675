// A real OpenID Connect provider (npm oidc-provider) for Varde's login tests.
//
//   node provider.mjs <port> <config.json>
//
// The config names the clients (client_id, client_secret, redirect_uris). Logins need no
// form: the test says who logs in next, and at which acr, with
// POST /test/next-login {"account": "<e-mail>", "acr": "idporten-loa-high"}.
import http from "node:http";
import fs from "node:fs";
import Provider from "oidc-provider";

const [port, configPath] = process.argv.slice(2);
const config = JSON.parse(fs.readFileSync(configPath, "utf8"));
const issuer = `http://127.0.0.1:${port}`;
let next = { account: "nobody@example.test", acr: "idporten-loa-substantial" };

const provider = new Provider(issuer, {
  clients: config.clients.map((c) => ({
    ...c,
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  })),
  jwks: config.jwks,
  pkce: { required: () => true },
  acrValues: ["idporten-loa-substantial", "idporten-loa-high"],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ["varde-test-only-cookie-key"] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: id.split("@")[0] };
      },
    };
  },
  async loadExistingGrant(ctx) {
    // Every test client is first-party: consent is implied.
    const grantId =
      ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
  ttl: { Session: 600, Interaction: 600, Grant: 600, IdToken: 600, AccessToken: 600 },
});

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === "POST" && req.url === "/test/next-login") {
      let body = "";
      for await (const chunk of req) body += chunk;
      next = JSON.parse(body);
      res.writeHead(204).end();
      return;
    }
    if (req.method === "GET" && req.url.startsWith("/interaction/")) {
      // The login "form" is filled in at once with the account the test chose.
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: next.account, acr: next.acr } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    provider.callback()(req, res);
  } catch (err) {
    res.writeHead(500, { "content-type": "text/plain" }).end(String(err));
  }
});
server.listen(Number(port), "127.0.0.1", () => console.log(`ready ${issuer}`));
