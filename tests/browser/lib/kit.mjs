// What every file of the browser suite shares: a fresh Chromium profile
// (Debian's /usr/bin/chromium through playwright-core), screenshots at
// desktop and mobile widths into SCREENSHOTS, axe-core injected into the page
// (zero WCAG 2 A/AA violations asked), and the links the demo prints for its
// console mail.
import { after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const SHOTS = process.env.SCREENSHOTS;

export const PASSWORD = "violet-harbour-42-kites";
export const DESKTOP = { width: 1280, height: 800 };
export const MOBILE = { width: 375, height: 740 };

/** A demo's address from the environment variable `name`, which the script sets. */
export function demoUrl(name) {
  const url = process.env[name];
  assert.ok(url, `${name} must name a running demo (scripts/browser-tests.sh sets it)`);
  return url;
}

const opened = [];
after(async () => {
  for (const o of opened.reverse()) {
    if (typeof o === "string") rmSync(o, { recursive: true, force: true });
    else await o.close();
  }
});

/** A browser with a fresh profile, closed and removed when the file's tests end. */
export async function browser(options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "portcullis-chromium-"));
  opened.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
    viewport: DESKTOP,
    ...options,
  });
  opened.push(context);
  return context;
}

/** The first tab of `context`. */
export async function firstPage(context) {
  return context.pages()[0] ?? (await context.newPage());
}

/** Screenshots of `page` at desktop and mobile widths, `NAME-desktop.png` and `NAME-mobile.png`. */
export async function shoot(page, name) {
  if (!SHOTS) return;
  for (const [label, size] of [["desktop", DESKTOP], ["mobile", MOBILE]]) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(SHOTS, `${name}-${label}.png`), fullPage: true });
  }
  await page.setViewportSize(DESKTOP);
}

/** axe-core on `page` at desktop and 375 px: no WCAG 2 A/AA violation at all. */
export async function axe(page, name) {
  for (const size of [DESKTOP, MOBILE]) {
    await page.setViewportSize(size);
    await page.evaluate(AXE);
    const result = await page.evaluate(() =>
      globalThis.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
    );
    const found = result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    assert.deepEqual(found, [], `${name} at ${size.width}px: axe violations`);
  }
  await page.setViewportSize(DESKTOP);
}

/**
 * The path of the newest link under `pathPrefix` in `log`: a demo with
 * `email.backend = "console"` prints every mail to its output, which
 * scripts/browser-tests.sh keeps in a file.
 */
export async function mailedLink(log, pathPrefix) {
  assert.ok(log, "the demo's log must be named");
  for (let i = 0; i < 100; i++) {
    const found = [...readFileSync(log, "utf8").matchAll(/^http:\/\/\S+$/gm)]
      .map((m) => m[0])
      .filter((l) => new URL(l).pathname.startsWith(pathPrefix));
    if (found.length) return new URL(found.at(-1)).pathname;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`no mailed link to ${pathPrefix} in ${log}`);
}

/** What the error page in `page` says: its status line, heading and message. */
export async function errorPage(page) {
  return {
    status: await page.locator(".pc-status").innerText(),
    heading: await page.locator("h1").innerText(),
    text: await page.locator("main").innerText(),
  };
}

/** No horizontal scrolling of the page in `page` at 320 and 375 px. */
export async function assertNoOverflow(page, name) {
  for (const width of [320, 375]) {
    await page.setViewportSize({ width, height: 700 });
    const [scroll, client] = await page.evaluate(() => [
      document.documentElement.scrollWidth,
      document.documentElement.clientWidth,
    ]);
    assert.ok(scroll <= client, `${name} at ${width}px: ${scroll}px wide in ${client}px`);
  }
  await page.setViewportSize(DESKTOP);
}

/** Fills and submits the signup form of the demo at `base` in `page`, as a person types it. */
export async function signUp(page, base, name, password = PASSWORD) {
  await page.goto(base + "/register");
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Email").fill(`${name}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password (again)").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Signs in at `base + path` in `page`; the response to the form's POST, once the next page has loaded. */
export async function signIn(page, base, login, password = PASSWORD, path = "/login") {
  await page.goto(base + path);
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password").fill(password);
  const [res] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/login" && r.request().method() === "POST"),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  await page.waitForLoadState();
  return res;
}
