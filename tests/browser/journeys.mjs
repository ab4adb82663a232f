// Drives Debian's Chromium (headless) through what people really do, against a running minsheng:
//   1. a citizen fills the web form, makes a mistake, reads the message, corrects it, gets a receipt;
//   2. a kiosk is enrolled; a visitor writes, gets a receipt with its QR code, taps "done"; the
//      next visitor finds a blank form, and going back shows nothing of the first visitor;
//   3. a handler signs in and finds the kiosk's case in the queue.
// Usage: node journeys.mjs BASE_URL ENROLMENT_CODE USERNAME PASSWORD SCREENSHOT_DIR
// Exits non-zero, saying why, at the first thing that is not as it should be.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [base, enrolCode, username, password, shots] = process.argv.slice(2);
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
  // 1. The web form, with a mistake and its correction.
  const citizen = await (await browser.newContext({ locale: "zh-CN" })).newPage();
  await citizen.goto(`${base}/submit`);
  await citizen.check("#kind-complaint");
  await citizen.selectOption("#f-category", "service_attitude");
  await citizen.selectOption("#f-region", "370983");
  await citizen.fill("#f-body", "太短");
  await citizen.fill("#f-phone", "13800138000");
  await citizen.click("form button[type=submit]");
  check((await citizen.locator("#error-summary").count()) === 1, "the form names the mistake");
  const body = await citizen.inputValue("#f-body");
  check(body === "太短", `what was typed stays (${body})`);
  check(await citizen.locator("#f-phone").inputValue() === "13800138000", "the phone number stays");
  await shot(citizen, "1-web-form-mistake");
  await citizen.fill("#f-body", "派出所户籍窗口只开一个，排队两个小时没有人管，希望增加窗口。");
  await citizen.click("form button[type=submit]");
  await citizen.waitForURL(/\/submit\/receipt/);
  const webCode = (await citizen.textContent("#tracking-code")).trim();
  check(/^MS-/.test(webCode), `a receipt with a tracking code (${webCode})`);
  await shot(citizen, "2-web-receipt");

  // 2. The kiosk: enrol, a visitor, the receipt, done, the next visitor.
  const kioskContext = await browser.newContext({ locale: "zh-CN", viewport: { width: 1080, height: 1920 } });
  const kiosk = await kioskContext.newPage();
  await kiosk.goto(`${base}/kiosk`);
  await kiosk.fill("#f-code", enrolCode);
  await kiosk.click("form button[type=submit]");
  await kiosk.waitForSelector("#event");
  const words = "办事大厅的指示牌太小，老年人看不清，建议换成大字的，并安排一名引导员。";
  await kiosk.check("#kind-opinion");
  await kiosk.selectOption("#f-category", "service_attitude");
  await kiosk.fill("#f-title", "大厅指示牌看不清");
  await kiosk.fill("#f-body", words);
  await shot(kiosk, "3-kiosk-form");
  await kiosk.click("form button[type=submit]");
  await kiosk.waitForURL(/\/kiosk\/receipt/);
  const kioskCode = (await kiosk.textContent("#tracking-code")).trim();
  check(/^MS-/.test(kioskCode), `a kiosk receipt (${kioskCode})`);
  check(await kiosk.locator("#qr svg").isVisible(), "the QR code is shown");
  check(await kiosk.locator("#print").isVisible(), "the print button is shown");
  await shot(kiosk, "4-kiosk-receipt");
  await kiosk.click("#done");
  await kiosk.waitForSelector("#f-body");
  check((await kiosk.inputValue("#f-body")) === "", "the next visitor gets a blank form");
  check(!(await kiosk.content()).includes(words), "nothing of the previous visitor in the page");
  await kiosk.goBack().catch(() => {});
  await kiosk.waitForLoadState();
  const back = await kiosk.content();
  check(!back.includes(words), "going back shows nothing of the previous visitor's words");
  check(!back.includes(kioskCode), "going back shows nothing of the previous visitor's receipt");
  await shot(kiosk, "5-kiosk-after-back");

  // 3. A handler finds the kiosk's case.
  const handler = await (await browser.newContext({ locale: "zh-CN" })).newPage();
  await handler.goto(`${base}/handler/login`);
  await handler.fill("#f-username", username);
  await handler.fill("#f-password", password);
  await handler.click("form button[type=submit]");
  await handler.waitForURL(/\/handler$/);
  await handler.fill("input[name=q]", "指示牌");
  await handler.press("input[name=q]", "Enter");
  await handler.waitForLoadState();
  check((await handler.content()).includes(kioskCode), "the kiosk's case is in the queue");
  await shot(handler, "6-handler-queue");
  await handler.click(`a:has-text("${kioskCode}")`);
  check((await handler.content()).includes(words), "the case page shows the visitor's words");
  await shot(handler, "7-handler-case");
  console.log(`ok: web ${webCode}, kiosk ${kioskCode}; screenshots in ${shots}`);
} finally {
  await browser.close();
}
