// Drives Debian's Chromium (headless) through the statistics dashboard, against a running minsheng
// that holds a few cases: a supervisor signs in, opens /handler/stats, sees the three charts drawn
// (no script on the page), looks at the page on a 360 px phone, then clicks the total "received"
// count and finds as many cases listed as the number said.
// Usage: node stats.mjs BASE_URL USERNAME PASSWORD SCREENSHOT_DIR
// Exits non-zero, saying why, at the first thing that is not as it should be.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [base, username, password, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });

function check(ok, what) {
  if (!ok) {
    throw new Error(`not as it should be: ${what}`);
  }
}
async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

try {
  const context = await browser.newContext({ locale: "zh-CN", javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/handler/login`);
  await page.fill("#f-username", username);
  await page.fill("#f-password", password);
  await page.click("form button[type=submit]");
  await page.waitForURL(/\/handler$/);

  await page.click('nav a[href="/handler/stats"]');
  await page.waitForURL(/\/handler\/stats$/);
  await page.selectOption("#f-period", "last_12_months");
  await page.click("form.stats-form button[type=submit]");
  await page.waitForURL(/period=last_12_months/);

  const charts = page.locator("figure.chart svg[role=img]");
  check((await charts.count()) === 3, `three charts (${await charts.count()})`);
  for (let i = 0; i < 3; i++) {
    const svg = charts.nth(i);
    check(await svg.isVisible(), `chart ${i} is visible`);
    const box = await svg.boundingBox();
    check(box && box.width > 200 && box.height > 50, `chart ${i} has a size (${JSON.stringify(box)})`);
    check((await svg.locator("rect, circle").count()) > 0, `chart ${i} draws something`);
  }
  check((await page.locator("script").count()) === 0, "no script on the page");
  await shot(page, "stats-1-dashboard");

  // On a phone the page does not overflow: the table scrolls inside its own box.
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 362, `the page fits a 360 px screen (${overflow} px wide)`);
  const svgWidth = (await charts.first().boundingBox()).width;
  check(svgWidth <= 360, `a chart fits a 360 px screen (${svgWidth})`);
  await shot(page, "stats-2-phone");
  await page.locator("figure.chart").first().screenshot({ path: `${shots}/stats-2-phone-chart.png` });
  await page.setViewportSize({ width: 1280, height: 900 });

  const total = page.locator("td[data-count=received][data-total] a");
  const n = Number((await total.textContent()).trim());
  check(n > 0, `a total of received cases (${n})`);
  await total.click();
  await page.waitForURL(/\/handler\/stats\/cases\?count=received/);
  const rows = await page.locator("#cases tbody tr").count();
  check(rows === n, `the link lists as many cases as it counts (${rows} of ${n})`);
  check((await page.textContent("#number")).trim() === String(n), "the page says the number");
  await shot(page, "stats-3-cases");
  const first = (await page.locator("#cases td.code a").first().textContent()).trim();
  await page.locator("#cases td.code a").first().click();
  await page.waitForURL(new RegExp(`/handler/cases/${first}$`));
  console.log(`ok: stats ${n} cases received, ${rows} listed`);
} finally {
  await browser.close();
}
