// Portcullis' pages in a real browser (Debian's Chromium through
// playwright-core), against the demo that scripts/browser-tests.sh starts:
// BASE_URL names it, DEMO_LOG its output (the console mail).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as kit from "../lib/kit.mjs";

const { PASSWORD, DESKTOP } = kit;
const BASE = kit.demoUrl("BASE_URL");
const browser = kit.browser;

let page;
before(async () => {
  const ctx = await browser({ bypassCSP: true }); // axe is injected into the pages
  page = await kit.firstPage(ctx);
});

const go = (path) => page.goto(BASE + path);
const shoot = (name) => kit.shoot(page, name);
const axe = (name) => kit.axe(page, name);

const user = `ann${Date.now() % 100000}`;

test("sign up, reach the dashboard, sign out, sign in with the keyboard only, get a 403", async () => {
  await go("/register");
  await shoot("signup");
  await page.getByLabel("Username").fill(user);
  await page.getByLabel("Email").fill(`${user}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Password (again)").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(BASE + "/");
  assert.match(await page.locator(".pc-session").innerText(), new RegExp(`Signed in as ${user}`));
  await shoot("home");
  await go("/dashboard");
  assert.equal(await page.locator("h1").innerText(), `Hello, ${user}!`);
  await go("/reports");
  assert.match(await page.locator(".pc-status").innerText(), /403/);
  await go("/logout");
  await shoot("logout-confirm");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");
  assert.match(await page.content(), /Not signed in/);

  // Keyboard only: the login field has focus when the page opens.
  await go("/login?next=/dashboard");
  await shoot("login");
  await page.locator("#login:focus").waitFor({ timeout: 5000 }); // autofocus
  await page.keyboard.type(user);
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL(BASE + "/dashboard");
  assert.equal(await page.locator("h1").innerText(), `Hello, ${user}!`);
  await go("/logout");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");
});

test("the error summary links move focus to the field with the problem", async () => {
  await go("/register");
  await page.getByLabel("Username").fill(user); // taken
  await page.getByLabel("Email").fill(`${user}@example.com`); // taken
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Password (again)").fill("something-else-entirely");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForSelector(".pc-error-summary");
  assert.match(await page.title(), /^Error: /);
  await shoot("signup-errors");
  assert.equal(await page.evaluate(() => document.activeElement.id), "username", "focus on the first invalid field");
  for (const id of ["email", "password2", "username"]) {
    await page.locator(`.pc-error-summary a[href="#${id}"]`).click();
    assert.equal(await page.evaluate(() => document.activeElement.id), id);
    assert.equal(await page.locator(`#${id}`).getAttribute("aria-invalid"), "true");
  }
  await axe("signup with errors");
  await go("/login");
  await page.getByLabel("Username or email").fill(user);
  await page.getByLabel("Password").fill("wrong-password-123");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector(".pc-error-summary");
  await page.locator('.pc-error-summary a[href="#login"]').click();
  assert.equal(await page.evaluate(() => document.activeElement.id), "login");
  await axe("login failure");
});

test("no axe violations (WCAG 2 A/AA) on the login, signup, logout, 403, 404 and 429 pages", async () => {
  for (const path of ["/login", "/register", "/logout", "/no/such/page"]) {
    await go(path);
    await axe(path);
  }
  const missing = await go("/no/such/page");
  assert.equal(missing.status(), 404);
  const shown = await kit.errorPage(page);
  assert.equal(shown.status, "404");
  assert.equal(shown.heading, "Page not found");
  assert.match(shown.text, /This page does not exist\./);
  await shoot("404");
  // 429: scripts/browser-tests.sh lowers the per-account failed-login limit.
  const victim = `locked${Date.now() % 100000}`;
  let status = 0;
  for (let i = 0; i < 6 && status !== 429; i++) {
    await go("/login");
    await page.getByLabel("Username or email").fill(victim);
    await page.getByLabel("Password").fill("wrong-password-123");
    const [res] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole("button", { name: "Sign in" }).click(),
    ]);
    status = res.status();
  }
  assert.equal(status, 429);
  assert.equal((await kit.errorPage(page)).heading, "Too many attempts");
  assert.match(await page.locator("main").innerText(), /Too many failed login attempts\. Try again later\./);
  await axe("429");
  await shoot("429");
  // 403, signed in without the permission.
  await go("/login");
  await page.getByLabel("Username or email").fill(user);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(BASE + "/");
  const res = await go("/reports");
  assert.equal(res.status(), 403);
  await axe("403");
  await shoot("403");
  await go("/logout");
  await axe("logout (signed in)");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");
});

const mailedLink = (pathPrefix) => kit.mailedLink(process.env.DEMO_LOG, pathPrefix);

test("password change, email change and password reset by mail, accessible at every step", async () => {
  const name = `rex${Date.now() % 100000}`;
  await kit.signUp(page, BASE, name);
  await page.waitForURL(BASE + "/");
  await go("/password-change");
  await axe("password change");
  await shoot("password-change");
  const changed = "amber-orchard-51-rivers";
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password", { exact: true }).fill(changed);
  await page.getByLabel("New password (again)").fill(changed);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.waitForLoadState();
  assert.equal(new URL(page.url()).pathname, "/password-change/done", await page.locator("main").innerText());
  await axe("password changed");
  // Email change: a link to the new address, whose page has one button.
  await go("/account/email");
  await axe("email change");
  await shoot("email-change");
  const newAddress = `${name}-new@example.com`;
  await page.getByLabel("New email address").fill(newAddress);
  await page.getByRole("button", { name: "Send a confirmation link" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("main").innerText(), new RegExp(newAddress));
  await go(await mailedLink("/verify-email/"));
  await axe("confirm an address");
  await shoot("confirm-email");
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("main").innerText(), /confirmed/);
  await axe("address confirmed");
  await go("/logout");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");

  await go("/login");
  await page.getByRole("link", { name: "Forgotten your password?" }).click();
  await page.waitForURL(BASE + "/password-reset");
  await axe("password reset request");
  await shoot("password-reset");
  await page.getByLabel("Email").fill(`${name}-new@example.com`);
  await page.getByRole("button", { name: "Email me a link" }).click();
  await page.waitForURL(BASE + "/password-reset/done");
  await axe("password reset sent");
  const link = await mailedLink("/password-reset/confirm/");
  await go(link);
  assert.match(page.url(), /\/set-password$/, "the token leaves the address bar");
  await axe("set a new password");
  await shoot("password-reset-confirm");
  const fresh = "cobalt-willow-83-harbours";
  await page.getByLabel("New password", { exact: true }).fill(fresh);
  await page.getByLabel("New password (again)").fill(fresh);
  await page.getByRole("button", { name: "Set password" }).click();
  await page.waitForURL(BASE + "/password-reset/complete");
  await axe("password reset complete");
  const again = await go(link);
  assert.equal(again.status(), 400);
  await axe("reset link no longer valid");
  await shoot("link-invalid");
  await go("/login?next=/dashboard");
  await page.getByLabel("Username or email").fill(name);
  await page.getByLabel("Password").fill(fresh);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(BASE + "/dashboard");
  await go("/logout");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");
  await go("/verify-email");
  await axe("resend confirmation");
});

test("no horizontal scrolling at 320 and 375 px", async () => {
  for (const width of [320, 375]) {
    await page.setViewportSize({ width, height: 700 });
    for (const path of ["/", "/login", "/register", "/logout", "/no/such/page", "/password-reset", "/password-reset/done", "/verify-email", "/verify-email/sent", "/password-reset/confirm/1/bad-token"]) {
      await go(path);
      const [scroll, client] = await page.evaluate(() => [
        document.documentElement.scrollWidth,
        document.documentElement.clientWidth,
      ]);
      assert.ok(scroll <= client, `${path} at ${width}px: ${scroll}px wide in ${client}px`);
    }
  }
  await page.setViewportSize(DESKTOP);
});

test("keyboard focus is visible on links, inputs and buttons", async () => {
  await go("/login");
  const focusRing = () =>
    page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { tag: document.activeElement.tagName, outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0, shadow: s.boxShadow !== "none" };
    });
  const seen = new Set();
  for (let i = 0; i < 8; i++) {
    await page.keyboard.press("Tab");
    const f = await focusRing();
    if (f.tag === "BODY") continue;
    assert.ok(f.outline || f.shadow, `no visible focus on a ${f.tag}`);
    seen.add(f.tag);
  }
  for (const tag of ["A", "INPUT", "BUTTON"]) assert.ok(seen.has(tag), `never focused a ${tag}: ${[...seen]}`);
});

test("the pages work with JavaScript disabled", async () => {
  const off = await browser({ javaScriptEnabled: false });
  const p = off.pages()[0] ?? (await off.newPage());
  await p.goto(BASE + "/login?next=/dashboard");
  // Autofocus may land just after the load event: typing waits for it.
  await p.locator("#login:focus").waitFor({ timeout: 5000 });
  await p.keyboard.type(user);
  await p.keyboard.press("Tab");
  await p.keyboard.type(PASSWORD);
  await p.keyboard.press("Enter");
  await p.waitForURL(BASE + "/dashboard");
  await p.goto(BASE + "/logout");
  await p.locator("button[type=submit]").click();
  await p.waitForURL(BASE + "/");
  await p.goto(BASE + "/dashboard");
  assert.match(p.url(), /\/login\?next=%2Fdashboard$/);
});
