// The bundle verifier page (/verify) in real Chromium against a development ledgerd: a real
// bundle verified with the network cut after the page loaded (no request at all), check by
// check; a tampered bundle names its failing check in zh-CN; the document checked too; a
// pinned key that the node no longer shows is flagged and used; printable. Screenshots go to
// $SCREENSHOTS if set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dropFile, screenshots, startLedger } from "./lib.mjs";

let ledger, base, work, bundlePath, tamperedPath, documentPath, vkey;

before(async () => {
  ledger = await startLedger();
  ({ base, work } = ledger);
  documentPath = join(work, "营业执照.pdf");
  writeFileSync(documentPath, "%PDF-1.4\n% the licence as issued\n%%EOF\n");
  const license = ledger.example("license");
  const { createHash } = await import("node:crypto");
  license.body.file_hash = createHash("sha256").update("%PDF-1.4\n% the licence as issued\n%%EOF\n").digest("hex");
  const { record_id: id } = await ledger.submit(license);
  vkey = (await (await fetch(`${base}/v1/node`)).json()).verifier_key;
  const bundle = await (await fetch(`${base}/v1/records/${id}/bundle`)).text();
  bundlePath = join(work, `credledger-proof-${id.slice(0, 16)}.json`);
  writeFileSync(bundlePath, bundle);
  // One byte of the record's licence number changed: the entry no longer hashes to its leaf.
  const at = bundle.indexOf("SZ-DEMO-2026-000001");
  assert.ok(at > 0);
  tamperedPath = join(work, "tampered.json");
  writeFileSync(tamperedPath, bundle.slice(0, at) + "SZ-DEMO-2026-000009" + bundle.slice(at + 19));
});

after(async () => {
  if (ledger) await ledger.stop();
});

// Opens /verify and waits until the node's key is in place.
async function openVerifier(options = {}) {
  const opened = await ledger.openPage(options);
  const answer = await opened.page.goto(`${base}/verify`);
  assert.equal(answer.status(), 200);
  assert.match(answer.headers()["content-security-policy"], /script-src 'self'/);
  await opened.page.waitForFunction(() => document.getElementById("vkey").value !== "");
  return opened;
}

test("a bundle verifies in the browser with the network cut, every check passing", async () => {
  const { page, problems, context } = await openVerifier();
  assert.equal(await page.inputValue("#vkey"), vkey);
  assert.match(await page.textContent("#key-source"), /此公钥来自本节点/);
  // From here on nothing may leave the page.
  const requests = [];
  page.on("request", (request) => requests.push(request.url()));
  await context.setOffline(true);
  await page.setInputFiles("#bundle", bundlePath);
  await page.waitForSelector("#result h3[data-verdict]");
  assert.equal(await page.textContent("#result h3"), "真实有效");
  const results = await page.$$eval("#result table.checks tr[data-check]",
    (rows) => Object.fromEntries(rows.map((r) => [r.dataset.check, r.dataset.result])));
  for (const check of ["format", "checkpoint", "genesis", "registry", "record", "inclusion", "block",
                       "signature", "authority", "history", "status", "validity"]) {
    assert.equal(results[check], "pass", check);
  }
  assert.equal(results.document, "skipped");
  assert.equal(results.cosignatures, "skipped");
  assert.match(await page.textContent("#result"), /以上核验全部在您的浏览器中完成/);
  assert.match(await page.textContent("#result"), /深圳市市场监督管理局/);
  // With the document too: the "document" check passes; another file fails it.
  await page.setInputFiles("#document", documentPath);
  await page.click("#verify-form button[type=submit]");
  await page.waitForSelector('#result tr[data-check="document"][data-result="pass"]');
  writeFileSync(join(work, "other.pdf"), "%PDF-1.4\nanother\n");
  await page.setInputFiles("#document", join(work, "other.pdf"));
  await page.click("#verify-form button[type=submit]");
  await page.waitForSelector('#result tr[data-check="document"][data-result="fail"]');
  assert.equal(await page.textContent("#result h3"), "未通过核验");
  assert.deepEqual(requests, []);
  if (screenshots) {
    await page.setInputFiles("#document", []);
    await page.click("#verify-form button[type=submit]");
    await page.waitForSelector("#result h3[data-verdict=in-force]");
    await page.screenshot({ path: join(screenshots, "verify-zh-CN-desktop.png"), fullPage: true });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("a tampered bundle names its failing check in zh-CN", async () => {
  const { page, problems, context } = await openVerifier();
  await dropFile(page, tamperedPath, "application/json");  // dragged onto the page
  await page.waitForSelector("#result h3[data-verdict]");
  assert.equal(await page.textContent("#result h3"), "未通过核验");
  assert.match(await page.textContent("#result p.failed-check"),
    /未通过的核验项：包含证明。应当成立的是：记录的原始字节在检查点的默克尔树中/);
  assert.equal(await page.getAttribute('#result tr[data-check="inclusion"]', "data-result"), "fail");
  assert.equal(await page.getAttribute('#result tr[data-check="block"]', "data-result"), "skipped");
  // In English too.
  await page.click("#language");
  assert.match(await page.textContent("#result p.failed-check"), /The check that failed: inclusion/);
  await page.click("#language");
  if (screenshots) await page.screenshot({ path: join(screenshots, "verify-tampered-zh-CN-desktop.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("a pinned key is used, and a node showing another one is flagged", async () => {
  const { page, problems, context } = await openVerifier();
  // Another ledger's key, pinned: the node's bundle no longer verifies, and the page warns.
  const other = "other.example/log+7c196b58+ASepG2SPIpwhidYHZQBtIiwY4XcIwmdjRBgOQLbkOwuY";
  await page.fill("#vkey", other);
  await page.click("#pin");
  await page.reload();
  await page.waitForFunction(() => document.getElementById("vkey").value !== "");
  assert.equal(await page.inputValue("#vkey"), other);
  assert.match(await page.textContent("#key-source"), /警告：本节点现在出示的公钥与您固定的不同/);
  await page.setInputFiles("#bundle", bundlePath);
  await page.waitForSelector("#result h3[data-verdict]");
  assert.match(await page.textContent("#result p.failed-check"), /检查点签名/);
  // Unpinned: the node's key again.
  await page.click("#unpin");
  assert.equal(await page.inputValue("#vkey"), vkey);
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a phone the verifier fits the screen, and the verdict prints without the forms", async () => {
  const { page, problems, context } = await openVerifier({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN",
  });
  await page.setInputFiles("#bundle", bundlePath);
  await page.waitForSelector("#result h3[data-verdict=in-force]");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  if (screenshots) await page.screenshot({ path: join(screenshots, "verify-zh-CN-phone.png"), fullPage: true });
  await page.emulateMedia({ media: "print" });
  assert.equal(await page.isVisible("#verify-form"), false);
  assert.equal(await page.isVisible("#result h3"), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test("without WebCrypto (plain HTTP to another host) the page says to use HTTPS", async () => {
  const { page, context } = await ledger.openPage();
  // What a browser offers a page that is not a secure context.
  await page.addInitScript(() => Object.defineProperty(globalThis.crypto, "subtle", { value: undefined }));
  await page.goto(`${base}/verify`);
  assert.match(await page.textContent("main p[role=alert]"), /此页面需通过 HTTPS（或本机地址）打开/);
  await context.close();
});

test("a witness policy entered on the page: cosignatures counted, a quorum not met fails", async (t) => {
  // The shared corpus's cosigned bundle (tests/records/bundle_corpus_test.cc): two of three
  // witnesses cosigned its checkpoint; the third's line is over another text.
  const corpusPath = process.env.CREDLEDGER_BUNDLE_CORPUS;
  if (!corpusPath) return t.skip("CREDLEDGER_BUNDLE_CORPUS is not set (ctest sets it)");
  const { readFileSync } = await import("node:fs");
  const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
  const cosigned = corpus.cases.find((c) => c.name === "cosigned by 2 of 3 witnesses, 2 required");
  const path = join(work, "cosigned.json");
  writeFileSync(path, cosigned.bundle);
  const { page, problems, context } = await openVerifier();
  await page.fill("#vkey", cosigned.vkey);
  await page.click("details summary");
  await page.fill("#witnesses", cosigned.witnesses.join("\n"));
  await page.fill("#quorum", "2");
  await page.fill("#date", cosigned.checked_at.slice(0, 10));
  await page.setInputFiles("#bundle", path);
  await page.waitForSelector("#result h3[data-verdict]");
  assert.equal(await page.getAttribute('#result tr[data-check="cosignatures"]', "data-result"), "pass");
  assert.match(await page.textContent('#result tr[data-check="cosignatures"]'), /cosigned by 2 of the 3 witnesses given/);
  await page.fill("#quorum", "3");
  await page.click("#verify-form button[type=submit]");
  await page.waitForSelector('#result tr[data-check="cosignatures"][data-result="fail"]');
  assert.match(await page.textContent("#result p.failed-check"), /未通过的核验项：见证人联署/);
  assert.deepEqual(problems, []);
  await context.close();
});
