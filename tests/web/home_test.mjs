// The web app's home page in real Chromium (Debian's, headless, driven by playwright-core),
// against a development ledgerd started here: zh-CN first with an English switch, a strict
// Content-Security-Policy and no request to any other host; an enterprise looked up by its
// code; a record by its id (its /v/{id} page); a real document dropped on the page, hashed in
// the browser and found; a phone-sized viewport. Screenshots go to $SCREENSHOTS if set.
// Run by ctest (tests/CMakeLists.txt): LEDGERD=... LEDGERCTL=... node --test tests/web/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dropFile, screenshots, startLedger } from "./lib.mjs";

let ledger, base, openPage, work, recordId, documentPath;

before(async () => {
  ledger = await startLedger();
  ({ base, openPage, work } = ledger);
  // A license whose file_hash is a real document's, signed by the dev agency and submitted.
  documentPath = join(work, "营业执照.pdf");
  writeFileSync(documentPath, "%PDF-1.4\n% credledger web test\n" + "x".repeat(1000) + "\n%%EOF\n");
  const license = ledger.example("license");
  license.body.file_hash = createHash("sha256").update(readFileSync(documentPath)).digest("hex");
  recordId = (await ledger.submit(license)).record_id;
});

after(async () => {
  if (ledger) await ledger.stop();
});

test("the home page is zh-CN, switches to English, under a strict CSP", async () => {
  const { page, problems, context } = await openPage();
  const answer = await page.goto(`${base}/`);
  assert.equal(answer.status(), 200);
  const csp = answer.headers()["content-security-policy"];
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
  assert.equal(await page.textContent("h1"), "信用信息存证核验");
  assert.equal(await page.getByLabel("统一社会信用代码（18 位）").count(), 1);  // labelled inputs
  if (screenshots) await page.screenshot({ path: join(screenshots, "home-zh-CN-desktop.png"), fullPage: true });
  await page.click("#language");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.textContent("h1"), "Credit information: verify a record");
  await page.reload();  // the choice is kept
  assert.equal(await page.textContent("h1"), "Credit information: verify a record");
  await page.click("#language");
  assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
  assert.deepEqual(problems, []);
  await context.close();
});

test("an enterprise looked up by its code opens its page, listing its records", async () => {
  const { page, problems, context } = await openPage();
  await page.goto(`${base}/`);
  await page.fill("#code", "914403001922038216");
  await page.keyboard.press("Enter");  // the keyboard alone submits
  await page.waitForURL(`${base}/e/914403001922038216`);
  await page.waitForSelector("#public p.verified");
  assert.match(await page.textContent("#public"), /营业执照/);
  assert.match(await page.textContent("#public"), /有效/);
  await page.click(`#public a[href="/v/${recordId}"]`);
  await page.waitForURL(`${base}/v/${recordId}`);
  assert.match(await page.textContent("body"), /AUTHENTIC · IN FORCE/);  // an en-US browser
  // A malformed code is refused on the page, in zh-CN.
  await page.goto(`${base}/`);
  await page.fill("#code", "91440300192203821I");
  await page.click("#by-code button");
  assert.match(await page.textContent("#result"), /统一社会信用代码为 18 位/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a record looked up by its id opens its verification page", async () => {
  const { page, problems, context } = await openPage();
  await page.goto(`${base}/`);
  await page.fill("#record-id", recordId);
  await page.click("#by-id button");
  await page.waitForURL(`${base}/v/${recordId}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a dropped document is hashed in the browser, and its record verified", async () => {
  const { page, problems, context } = await openPage();
  const posted = [];
  page.on("request", (request) => {
    if (request.method() === "POST") posted.push(request.postData());
  });
  await page.goto(`${base}/`);
  await page.setInputFiles("#document", documentPath);
  await page.waitForSelector("#result article");
  const hash = createHash("sha256").update(readFileSync(documentPath)).digest("hex");
  assert.match(await page.textContent("#result"), new RegExp(hash));
  assert.match(await page.textContent("#result h3"), /真实有效/);
  // The node's fresh bundle was verified here, with the document.
  await page.waitForSelector('#result tr[data-check="document"][data-result="pass"]');
  assert.match(await page.textContent("#result"), /以上核验全部在您的浏览器中完成/);
  // Only the hash left the browser, never the document.
  assert.deepEqual(posted, [JSON.stringify({ hash })]);
  if (screenshots) await page.screenshot({ path: join(screenshots, "document-zh-CN-desktop.png"), fullPage: true });
  // Dragged onto the page instead of chosen: the same.
  await page.reload();
  await dropFile(page, documentPath, "application/pdf");
  await page.waitForSelector('#result tr[data-check="document"][data-result="pass"]');
  // Another file: not found, said in zh-CN.
  const other = join(work, "other.pdf");
  writeFileSync(other, "%PDF-1.4\nnot issued\n");
  await page.setInputFiles("#document", other);
  await page.waitForSelector('#result p.bad:has-text("本账本中没有记录")');
  assert.match(await page.textContent("#result"), /本账本中没有记录载有此文件的摘要/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the QR code's page, on a zh-CN phone: the verdict in zh-CN, fitting the screen", async () => {
  const { page, problems, context } = await openPage({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN",
  });
  const answer = await page.goto(`${base}/v/${recordId}`);
  assert.equal(answer.headers()["content-language"], "zh-CN");
  assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
  assert.equal(await page.textContent("h1"), "真实 · 有效");
  assert.match(await page.textContent("body"), /电子证照/);
  assert.match(answer.headers()["content-security-policy"], /script-src 'self'/);
  // Below the node's answer, the browser's own: the bundle verified here, in zh-CN.
  await page.waitForSelector("#local h3[data-verdict=in-force]");
  assert.match(await page.textContent("#local h2"), /在您的浏览器中核验/);
  assert.equal(await page.textContent("#local h3"), "真实有效");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  if (screenshots) await page.screenshot({ path: join(screenshots, "record-zh-CN-phone.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a phone-sized viewport the page fits without scrolling sideways", async () => {
  const { page, problems, context } = await openPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(`${base}/`);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  if (screenshots) await page.screenshot({ path: join(screenshots, "home-zh-CN-phone.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
