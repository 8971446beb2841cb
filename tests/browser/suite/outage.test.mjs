// The 503 and 500 pages as people meet them, on the demo that
// scripts/browser-tests.sh runs on its own PostgreSQL (OUTAGE_URL): one
// hashing thread with slow hashes and no wait allowed (sign-ins at once get
// "busy"), a table the database no longer has (500), then the database
// stopped (503). The last test stops the database: nothing follows it.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as kit from "../lib/kit.mjs";

const BASE = kit.demoUrl("OUTAGE_URL");
const PG_URL = process.env.OUTAGE_PG_URL;
const PG_DIR = process.env.OUTAGE_PG_DIR;
const { PASSWORD } = kit;

let ctx;
let page;
before(async () => {
  ctx = await kit.browser({ bypassCSP: true }); // axe is injected into the pages
  page = await kit.firstPage(ctx);
});

const go = (path) => page.goto(BASE + path);
const sql = (statement) => execFileSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", PG_URL, "-c", statement]);
const name = `pat${Date.now() % 100000}`;

/** Signs in at the outage demo in `p`; the response of the POST. */
const signIn = (p, login, password) => kit.signIn(p, BASE, login, password);

test("sign-ins beyond what the hashing threads can take get the busy page, and a retry works", async () => {
  await kit.signUp(page, BASE, name);
  await page.waitForURL(BASE + "/");
  await go("/logout");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");

  // Five people press "Sign in" at the same moment: one thread hashes,
  // one sign-in may wait, the rest are turned away at once.
  const tabs = [];
  for (let i = 0; i < 5; i++) {
    const p = await ctx.newPage();
    await p.goto(BASE + "/login");
    await p.getByLabel("Username or email").fill(`crowd${i}-${name}`);
    await p.getByLabel("Password").fill("wrong-password-123");
    tabs.push(p);
  }
  const statuses = await Promise.all(
    tabs.map(async (p) => {
      const [res] = await Promise.all([
        p.waitForResponse((r) => new URL(r.url()).pathname === "/login" && r.request().method() === "POST"),
        p.keyboard.press("Enter"), // in the password field
      ]);
      await p.waitForLoadState();
      return { p, status: res.status(), retryAfter: await res.headerValue("retry-after") };
    }),
  );
  const shed = statuses.filter((s) => s.status === 503);
  assert.ok(shed.length >= 1, `no sign-in was shed: ${statuses.map((s) => s.status)}`);
  assert.ok(statuses.every((s) => s.status === 503 || s.status === 200), `${statuses.map((s) => s.status)}`);
  const busy = shed[0].p;
  assert.equal(shed[0].retryAfter, "1");
  const shown = await kit.errorPage(busy);
  assert.equal(shown.status, "503");
  assert.equal(shown.heading, "Temporarily unavailable");
  assert.match(shown.text, /Lots of people are signing in right now/);
  assert.match(await busy.title(), /Temporarily unavailable/);
  await kit.axe(busy, "503 busy");
  await kit.shoot(busy, "503-busy");
  for (const p of tabs) await p.close();

  // A moment later the same person signs in.
  const res = await signIn(page, name, PASSWORD);
  assert.equal(res.status(), 303);
  assert.equal(new URL(page.url()).pathname, "/");
  assert.match(await page.locator(".pc-session").innerText(), new RegExp(`Signed in as ${name}`));
  await go("/logout");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(BASE + "/");
});

test("a database that lost a table gives the 500 page, which names no cause", async () => {
  sql("ALTER TABLE portcullis_users RENAME TO portcullis_users_gone");
  try {
    const res = await signIn(page, name, PASSWORD);
    assert.equal(res.status(), 500);
    const shown = await kit.errorPage(page);
    assert.equal(shown.status, "500");
    assert.equal(shown.heading, "Something went wrong");
    assert.match(shown.text, /Something went wrong on our side/);
    assert.doesNotMatch(await page.content(), /portcullis_users|relation|sqlx|panicked/i);
    await kit.axe(page, "500");
    await kit.shoot(page, "500");
  } finally {
    sql("ALTER TABLE portcullis_users_gone RENAME TO portcullis_users");
  }
  const res = await signIn(page, name, PASSWORD);
  assert.equal(res.status(), 303, "signs in once the table is back");
});

test("with the database stopped, a signed-in page and the login form give the 503 page", async () => {
  await go("/dashboard");
  assert.equal(await page.locator("h1").innerText(), `Hello, ${name}!`);
  execFileSync("bash", ["scripts/pg-server.sh", "stop", PG_DIR], { stdio: ["ignore", "ignore", "inherit"] });

  const res = await go("/dashboard");
  assert.equal(res.status(), 503);
  assert.equal(await res.headerValue("retry-after"), "5");
  const shown = await kit.errorPage(page);
  assert.equal(shown.status, "503");
  assert.equal(shown.heading, "Temporarily unavailable");
  assert.match(shown.text, /temporarily unavailable\. Please try again in a moment/);
  assert.doesNotMatch(await page.content(), /connect|refused|sqlx|panicked/i);
  await kit.axe(page, "503 database down");
  await kit.shoot(page, "503-database");

  await ctx.clearCookies();
  const login = await signIn(page, name, PASSWORD);
  assert.equal(login.status(), 503);
  assert.equal((await kit.errorPage(page)).heading, "Temporarily unavailable");
});
