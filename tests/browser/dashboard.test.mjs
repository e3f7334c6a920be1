// The operator dashboard in headless Chromium through playwright-core: traffic first (a
// subscription to Basic, calls with its key, a call without one, calls past Basic's rate
// limit), then sign-in with a wrong and the right admin key, the charts, the per-API table and
// the top subscriptions. A screenshot per step.
//
//   PORTAL_BASE=http://127.0.0.1:PORT ADMIN_KEY=... SCREENSHOTS=dir node tests/browser/dashboard.test.mjs
//
// scripts/dashboard-test.sh starts both components under `spin up` and runs this.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";

const base = process.env.PORTAL_BASE;
const shots = process.env.SCREENSHOTS;
const adminKey = process.env.ADMIN_KEY;
if (!base || !shots || !adminKey) {
  throw new Error("set PORTAL_BASE, ADMIN_KEY and SCREENSHOTS");
}

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

test("the operator dashboard", async (t) => {
  // Traffic: 4 admitted calls, 1 without a key (401), then Basic's limit (10 a minute) is hit.
  const created = await fetch(`${base}/admin/subscriptions`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Dashboard test", scope: "/products/basic", id: "dash-app" }),
  });
  assert.equal(created.status, 201);
  const { primaryKey } = await created.json();
  const call = (key) =>
    fetch(`${base}/weather/current/oslo`, {
      headers: key ? { "ocp-apim-subscription-key": key } : {},
    }).then((r) => r.status);
  const statuses = [];
  for (let i = 0; i < 12; i++) statuses.push(await call(primaryKey));
  statuses.push(await call(null));
  assert.deepEqual(statuses.filter((s) => s === 200).length, 10);
  assert.deepEqual(statuses.filter((s) => s === 429).length, 2);
  assert.equal(statuses.at(-1), 401);

  const profile = await mkdtemp(path.join(tmpdir(), "tollgate-dashboard-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport: { width: 1200, height: 900 },
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

  await t.test("1. without a session: the sign-in form", async () => {
    await page.goto(`${base}/portal/admin`);
    await page.getByRole("heading", { level: 1, name: "Operator dashboard" }).waitFor();
    await page.getByLabel("Admin key").waitFor();
    await shot("dashboard-1-sign-in.png");
  });

  await t.test("2. a wrong key is refused", async () => {
    await page.getByLabel("Admin key").fill("not-the-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That is not the admin key.").waitFor();
    const cookies = await context.cookies();
    assert.ok(!cookies.some((c) => c.name === "tollgate_admin_session"));
    await shot("dashboard-2-wrong-key.png");
  });

  await t.test("3. the right key opens the dashboard", async () => {
    await page.getByLabel("Admin key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#summary").waitFor();
    const session = (await context.cookies()).find((c) => c.name === "tollgate_admin_session");
    assert.ok(session, "a session cookie");
    assert.ok(session.httpOnly);
    assert.equal(session.sameSite, "Strict");
    assert.ok(!session.value.includes(adminKey), "the cookie does not hold the key");
    const row = page.locator('#summary tr[data-group="weather"] td');
    // API, calls, 2xx, 4xx, 5xx, limited.
    assert.deepEqual((await row.allInnerTexts()).slice(0, 6), ["weather", "13", "10", "3", "0", "2"]);
    for (const id of ["api-calls", "api-errors", "api-latency", "product-calls", "product-errors"]) {
      assert.equal(await page.locator(`svg#${id}`).count(), 1, id);
    }
    assert.equal(
      await page.locator('svg#api-calls polyline[data-series="weather"]').getAttribute("data-total"),
      "13",
    );
    const topCalls = await page.locator("#top-calls tbody tr td").allInnerTexts();
    assert.deepEqual(topCalls.slice(0, 2), ["dash-app", "12"]);
    const topErrors = await page.locator("#top-errors tbody tr td").allInnerTexts();
    assert.deepEqual(topErrors.slice(0, 2), ["dash-app", "2"]);
    await shot("dashboard-3-last-hour.png");
  });

  await t.test("4. the 7-day range", async () => {
    await page.getByRole("link", { name: "7d" }).click();
    await page.locator("#summary").waitFor();
    assert.equal(await page.locator('a[aria-current="page"]', { hasText: "7d" }).count(), 1);
    await shot("dashboard-4-seven-days.png");
  });

  await t.test("no admin key in any URL, no script errors", () => {
    for (const url of requested) {
      assert.ok(!url.includes(adminKey), `a request URL carried the admin key: ${url}`);
    }
    // Step 2's wrong key answers 401 on purpose; Chromium logs that as a failed resource.
    const unexpected = errors.filter((e) => !/status of 401/.test(e));
    assert.deepEqual(unexpected, []);
  });
});
