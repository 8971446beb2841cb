// "Sign in with …" in a real browser: the demo that scripts/browser-tests.sh
// configures for the local OpenID provider (OIDC_URL; provider `demo`,
// "Local IdP", at OIDC_ISSUER, whose development pages take any name and
// any password). axe runs on Portcullis' pages only, never on the provider's.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as kit from "../lib/kit.mjs";

const BASE = kit.demoUrl("OIDC_URL");
const ISSUER = process.env.OIDC_ISSUER;
assert.ok(ISSUER, "OIDC_ISSUER must name the provider");

let page;
before(async () => {
  const ctx = await kit.browser({ bypassCSP: true }); // axe is injected into the pages
  page = await kit.firstPage(ctx);
});

const go = (path) => page.goto(BASE + path);
const atProvider = (p) => p.waitForURL((u) => u.origin === ISSUER);

/** Types `login` and a password at the provider's own sign-in page, then consents. */
async function signInAtProvider(p, login) {
  await atProvider(p);
  await p.getByPlaceholder("Enter any login").fill(login);
  await p.getByPlaceholder("and password").fill("any-password-at-all");
  await p.getByRole("button", { name: "Sign-in" }).click();
  await p.getByRole("button", { name: "Continue" }).click();
}

test("the login page's button, the provider's pages, and back on the demo signed in", async () => {
  await go("/login?next=/dashboard");
  const button = page.getByRole("button", { name: "Sign in with Local IdP" });
  assert.equal(await button.count(), 1);
  await kit.axe(page, "login with a provider");
  await kit.shoot(page, "oidc-login");
  await button.click();
  await signInAtProvider(page, "alice");
  await page.waitForURL(BASE + "/dashboard");
  assert.equal(await page.locator("h1").innerText(), "Hello, alice!");
  // Her groups came from the provider: the Editors page lets her in.
  const editors = await go("/editors");
  assert.equal(editors.status(), 200);

  await go("/account/connections");
  assert.equal(await page.locator("h1").innerText(), "Connected accounts");
  const row = page.locator(".pc-connection");
  assert.equal(await row.count(), 1);
  assert.match(await row.innerText(), /Local IdP\s+Connected \(alice@example\.test\)/);
  await kit.axe(page, "connections");
  await kit.assertNoOverflow(page, "connections");
  await kit.shoot(page, "oidc-connections");
  // Her only way in: disconnecting is refused, and the page says why.
  await row.getByRole("button", { name: "Disconnect" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator(".pc-alert[role=alert]").innerText(), /your only way to sign in/);
  assert.match(await row.innerText(), /Connected/);
  await kit.axe(page, "connections, disconnect refused");
  await kit.shoot(page, "oidc-connections-refused");

  await go("/logout");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");
});

test("a bare GET of the provider's login path shows a one-button confirm page", async () => {
  const res = await go("/oidc/demo/login?next=/dashboard");
  assert.equal(res.status(), 200);
  assert.equal(await page.locator("h1").innerText(), "Sign in with Local IdP");
  assert.match(await page.locator("main").innerText(), /You will be sent to Local IdP to sign in, then brought back here\./);
  assert.equal(await page.locator("main button").count(), 1, "one button");
  await kit.axe(page, "confirm the provider");
  await kit.assertNoOverflow(page, "confirm the provider");
  await kit.shoot(page, "oidc-confirm");
  // Still signed in at the provider from the test before: straight back.
  await page.getByRole("button", { name: "Continue to Local IdP" }).click();
  await page.waitForURL(BASE + "/dashboard");
  assert.equal(await page.locator("h1").innerText(), "Hello, alice!");
  await go("/logout");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");
});

test("cancelling at the provider lands on the branded error page with a way to retry", async () => {
  const fresh = await kit.firstPage(await kit.browser({ bypassCSP: true })); // no provider session
  await fresh.goto(BASE + "/login?next=/dashboard");
  await fresh.getByRole("button", { name: "Sign in with Local IdP" }).click();
  await atProvider(fresh);
  const [res] = await Promise.all([
    fresh.waitForResponse((r) => new URL(r.url()).pathname === "/oidc/demo/callback"),
    fresh.getByRole("link", { name: "[ Cancel ]" }).click(),
  ]);
  await fresh.waitForLoadState();
  assert.equal(res.status(), 400);
  assert.match(res.url(), /[?&]error=access_denied/);
  assert.equal(await fresh.locator("h1").innerText(), "Sign-in did not work");
  assert.match(await fresh.locator("main").innerText(), /Sign-in with Local IdP was cancelled\./);
  await kit.axe(fresh, "OpenID sign-in cancelled");
  await kit.assertNoOverflow(fresh, "OpenID sign-in cancelled");
  await kit.shoot(fresh, "oidc-cancelled");
  // "Try again" goes back to the login page, keeping where the user was going.
  await fresh.getByRole("link", { name: "Try again" }).click();
  await fresh.waitForURL(BASE + "/login?next=%2Fdashboard");
  await fresh.getByRole("button", { name: "Sign in with Local IdP" }).click();
  await signInAtProvider(fresh, "bob");
  await fresh.waitForURL(BASE + "/dashboard");
  assert.equal(await fresh.locator("h1").innerText(), "Hello, bob!");
});

test("a password account connects the provider on its connections page, and disconnects it", async () => {
  const p = await kit.firstPage(await kit.browser({ bypassCSP: true }));
  const name = `cara${Date.now() % 100000}`;
  await p.goto(BASE + "/register");
  await p.getByLabel("Username").fill(name);
  await p.getByLabel("Email").fill(`${name}@example.com`);
  await p.getByLabel("Password", { exact: true }).fill(kit.PASSWORD);
  await p.getByLabel("Password (again)").fill(kit.PASSWORD);
  await p.getByRole("button", { name: "Create account" }).click();
  await p.waitForURL(BASE + "/");
  await p.goto(BASE + "/account/connections");
  const row = p.locator(".pc-connection");
  assert.match(await row.innerText(), /Local IdP\s+Not connected/);
  await kit.axe(p, "connections, not connected");
  await row.getByRole("button", { name: "Connect" }).click();
  await signInAtProvider(p, `${name}-idp`);
  await p.waitForURL(BASE + "/account/connections");
  assert.match(await row.innerText(), new RegExp(`Connected \\(${name}-idp@example\\.test\\)`));
  assert.match(await p.locator(".pc-session").innerText(), new RegExp(`Signed in as ${name}`));
  await row.getByRole("button", { name: "Disconnect" }).click();
  await p.waitForLoadState();
  assert.match(await row.innerText(), /Not connected/);
  assert.equal(await p.locator(".pc-alert").count(), 0);
});
