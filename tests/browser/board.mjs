// Reads the public board in Debian's Chromium (headless) on a 360 px wide phone, as an elderly
// visitor would: the page itself never scrolls sideways (only the tables do, inside their
// frames), the type is large, there is no script, a suppressed count reads "<10", and the search
// form for published answers works without JavaScript.
// Usage: node board.mjs BASE_URL SCREENSHOT_DIR
// Exits non-zero, saying why, at the first thing that is not as it should be.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [base, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });

function check(ok, what) {
  if (!ok) {
    throw new Error(`not as it should be: ${what}`);
  }
}

try {
  const context = await browser.newContext({
    locale: "zh-CN",
    viewport: { width: 360, height: 740 },
  });
  const page = await context.newPage();
  await page.goto(`${base}/board`);
  check((await page.locator("h1").textContent()).includes("办理情况公开"), "the board's title");
  const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  check(pageWidth <= 360, `the page fits 360 px (it is ${pageWidth})`);
  const wide = await page.evaluate(() => {
    const frame = document.querySelector("#by-problem").parentElement;
    return frame.scrollWidth > frame.clientWidth;
  });
  check(wide, "the wide table scrolls inside its frame");
  const size = await page.evaluate(
    () => parseFloat(getComputedStyle(document.querySelector("table.board td")).fontSize),
  );
  check(size >= 16, `table text is large enough (${size}px)`);
  check((await page.locator("script").count()) === 0, "no script on the board");
  const feicheng = page.locator("table#by-region tr", { hasText: "肥城市" }).locator("td").first();
  check((await feicheng.textContent()).trim() === "<10", "a small count reads <10");
  await page.screenshot({ path: `${shots}/board-360.png`, fullPage: true });

  // The answers' search is a plain GET form.
  await page.fill("#f-q", "户籍");
  await page.click("form.search button[type=submit]");
  await page.waitForURL(/q=/);
  check((await page.locator(".answer").count()) >= 1, "the search finds the published answer");
  console.log("ok: board");
} finally {
  await browser.close();
}
