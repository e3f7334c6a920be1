// The developer portal in headless Chromium (Debian's /usr/bin/chromium) through
// playwright-core: catalogue → sign up for Basic → read the revealed key → try-it on the
// Weather API (200) → My subscription shows the call in the chart. A screenshot per step.
//
//   PORTAL_BASE=http://127.0.0.1:PORT SCREENSHOTS=dir node tests/browser/portal.test.mjs
//
// scripts/browser-test.sh starts the test host (both components + the sample backend) and
// runs this.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const base = process.env.PORTAL_BASE;
const shots = process.env.SCREENSHOTS;
if (!base || !shots) {
  throw new Error("set PORTAL_BASE (the test host's URL) and SCREENSHOTS (a directory)");
}

// Chromium must not reach for the network beyond the test host.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

test("the portal from catalogue to usage chart", async (t) => {
  const profile = await mkdtemp(path.join(tmpdir(), "tollgate-portal-chromium-"));
  // A persistent context on a fresh directory: that is Chromium's --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1100, height: 900 },
  });
  t.after(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  const requested = [];
  page.on("request", (request) => requested.push(request.url()));
  const shot = (name) => page.screenshot({ path: path.join(shots, name), fullPage: true });

  let key;

  await t.test("1. the catalogue lists the products", async () => {
    await page.goto(`${base}/portal/`);
    await page.getByRole("heading", { level: 1, name: "APIs and products" }).waitFor();
    await page.getByRole("heading", { level: 3, name: "Basic" }).waitFor();
    assert.equal(await page.title(), "APIs and products · DroneFly developers");
    assert.match(await page.locator(".intro").innerText(), /sign up/);
    const basic = page.locator("#product-basic");
    assert.match(await basic.innerText(), /Rate limit: 10 calls per minute/);
    assert.match(await basic.innerText(), /Quota: 1000 calls per day/);
    await shot("1-catalogue.png");
  });

  await t.test("2. sign up for basic", async () => {
    await page.getByRole("link", { name: "Subscribe to Basic" }).click();
    await page.getByRole("heading", { level: 1, name: "Sign up" }).waitFor();
    assert.equal(await page.getByLabel("Product").inputValue(), "basic");
    await page.getByLabel("Your name").fill("Ann Farmer");
    await page.getByLabel("Email address").fill("ann@example.com");
    await shot("2-sign-up.png");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByRole("heading", { level: 1, name: "Your keys" }).waitFor();
    assert.equal(await page.locator("#subscription-state").innerText(), "active");
  });

  await t.test("3. the key is revealed once, with a warning", async () => {
    key = (await page.locator("#primary-key").innerText()).trim();
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.match(await page.locator("#keys-warning").innerText(), /Copy your keys now/);
    await shot("3-keys.png");
    assert.ok(!page.url().includes(key), "the key is not in the address");
  });

  await t.test("4. try-it calls the Weather API and sees a 200", async () => {
    await page.getByRole("link", { name: "Try the API" }).click();
    await page.getByRole("heading", { level: 1, name: "Weather API" }).waitFor();
    const console_ = page.locator("#try-get-current");
    await console_.getByLabel("city").fill("oslo");
    await console_.getByLabel("Subscription key").fill(key);
    await console_.getByRole("button", { name: "Send request" }).click();
    const result = console_.locator(".result[data-status]");
    await result.waitFor();
    assert.equal(await result.getAttribute("data-status"), "200");
    assert.match(await console_.locator(".status").innerText(), /^200 OK · \d+ ms · GET \/weather\/v1\/current\/oslo$/);
    assert.match(await console_.locator(".headers").innerText(), /x-ratelimit-remaining: 9/);
    assert.match(await console_.locator("pre.body").innerText(), /"city": "oslo"/);
    await console_.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, "4-try-it.png") });
  });

  await t.test("5. My subscription shows the call in the chart", async () => {
    await page.getByRole("link", { name: "My subscription" }).click();
    await page.getByLabel("Subscription key").fill(key);
    await page.getByRole("button", { name: "Show my subscription" }).click();
    await page.locator("#usage-chart").waitFor();
    assert.equal(await page.locator("#subscription-state").innerText(), "active");
    const today = page.locator("#usage-chart g.day").last();
    assert.equal(await today.getAttribute("data-admitted"), "1");
    assert.equal(await today.locator("rect.admitted").count(), 1);
    assert.match(await page.locator(".standing").innerText(), /1 of 10 calls used, 9 left/);
    await shot("5-my-subscription.png");
  });

  await t.test("6. the catalogue fits a phone's screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/portal/`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    await shot("6-catalogue-phone.png");
  });

  await t.test("no secret ever in a URL, no script errors", () => {
    for (const url of requested) {
      assert.ok(!url.includes(key), `a request URL carried the key: ${url}`);
    }
    assert.deepEqual(errors, []);
  });
});
