// Mandatory email verification in a real browser, on the demo that
// scripts/browser-tests.sh runs with `auth.email_verification = "mandatory"`
// (VERIFY_URL; its console mail in VERIFY_LOG): no sign-in before the
// emailed link is followed and its one button pressed.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as kit from "../lib/kit.mjs";

const BASE = kit.demoUrl("VERIFY_URL");
const { PASSWORD } = kit;

let page;
before(async () => {
  const ctx = await kit.browser({ bypassCSP: true }); // axe is injected into the pages
  page = await kit.firstPage(ctx);
});

const go = (path) => page.goto(BASE + path);
const name = `vera${Date.now() % 100000}`;

const signIn = () => kit.signIn(page, BASE, name, PASSWORD, "/login?next=/dashboard");

test("sign up, told to check the mail, refused until the link is confirmed, then signed in", async () => {
  await kit.signUp(page, BASE, name);
  await page.waitForURL(BASE + "/verify-email/sent");
  assert.equal(await page.locator("h1").innerText(), "Check your email");
  assert.match(await page.locator("main").innerText(), /We have sent a confirmation link/);
  await kit.axe(page, "check your email");
  await kit.shoot(page, "verify-sent");
  await go("/");
  assert.match(await page.content(), /Not signed in/, "signing up signs nobody in");

  // The right password, but the address is not confirmed yet: a 403 that says why.
  const refused = await signIn();
  assert.equal(refused.status(), 403);
  assert.equal(new URL(page.url()).pathname, "/login");
  assert.equal(await page.locator("h1").innerText(), "Confirm your email address");
  assert.match(await page.locator("main").innerText(), /Please confirm your email address before you sign in/);
  await kit.axe(page, "verification required");
  await kit.shoot(page, "verify-required");
  await page.getByRole("link", { name: "Send the confirmation link again" }).click();
  await page.waitForURL(BASE + "/verify-email");
  await go("/dashboard");
  assert.match(page.url(), /\/login\?next=%2Fdashboard$/, "still signed out");

  // The printed mail's link: a page with one button, which confirms.
  await go(await kit.mailedLink(process.env.VERIFY_LOG, "/verify-email/"));
  assert.equal(await page.locator("h1").innerText(), "Confirm your email address");
  assert.match(await page.locator("main").innerText(), new RegExp(`Is ${name}@example.com your email address\\?`));
  assert.equal(await page.locator("main button, main input[type=submit]").count(), 1, "one button");
  await kit.axe(page, "confirm the address (mandatory)");
  await kit.shoot(page, "verify-confirm");
  await page.getByRole("button", { name: "Confirm" }).click();
  await page.waitForLoadState();
  assert.match(await page.locator("main").innerText(), /confirmed/);
  await kit.axe(page, "address confirmed (mandatory)");
  await kit.shoot(page, "verify-confirmed");

  const res = await signIn();
  assert.equal(res.status(), 303);
  await page.waitForURL(BASE + "/dashboard");
  assert.equal(await page.locator("h1").innerText(), `Hello, ${name}!`);
});
