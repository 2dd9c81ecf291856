// An enterprise's page (/e/{code}) in real Chromium against a development ledgerd: the public
// profile, verified in the browser, shows the licence and the penalty on display but not the
// minor one nor the credit repair; each record links to its page and its bundle, which
// verifies; the bank view with a token and a purpose shows everything, says the read was
// logged, and downloads the signed profile; the token never reaches a URL; a wrong token and a
// missing one are refused in zh-CN. Screenshots go to $SCREENSHOTS if set.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ctl, screenshots, startLedger } from "./lib.mjs";

const CODE = "914403001922038216";
let ledger, base, token, licenseId, displayedId, minorId, repairId;

function penalty(ledgerRef, number, severity, decisionDate) {
  const entry = JSON.parse(readFileSync(new URL("../fixtures/records/penalty.json", import.meta.url), "utf8"));
  entry.body.decision_number = number;
  entry.body.severity = severity;
  entry.body.decision_date = decisionDate;
  entry.body.penalty_kinds = ["fine"];
  // The development agency's own code (the dev ledger's registry).
  entry.body.punishing_authority = ledgerRef.example("license").body.issuing_authority;
  entry.body.decision_document_hash = "c".repeat(63) + String(number.length % 10);
  return entry;
}

before(async () => {
  ledger = await startLedger();
  base = ledger.base;
  token = readFileSync(join(ledger.data, "dev-keys", "demo-bank.token"), "utf8").trim();
  licenseId = (await ledger.submit(ledger.example("license"))).record_id;
  const today = new Date().toISOString().slice(0, 10);
  const monthsAgo = (n) => {
    const d = new Date();
    d.setUTCMonth(d.getUTCMonth() - n);
    return d.toISOString().slice(0, 10);
  };
  displayedId = (await ledger.submit(penalty(ledger, "深市监罚〔2026〕1号", "general", monthsAgo(1)))).record_id;
  minorId = (await ledger.submit(penalty(ledger, "深市监罚〔2026〕22号", "minor", monthsAgo(1)))).record_id;
  const repaired = (await ledger.submit(penalty(ledger, "深市监罚〔2026〕333号", "general", monthsAgo(6)))).record_id;
  const repair = {
    type: "credit_repair", schema_version: 1, agency: "sz-amr",
    subject: { kind: "organization", uscc: CODE }, issued_at: `${today}T09:00:00Z`, refs: [repaired],
    body: {
      target: repaired, applicant_uscc: CODE, application_date: today, decision_date: today,
      deciding_authority: ledger.example("license").body.issuing_authority,
      conditions_met: ["罚款已缴清"], decision: "approved", evidence_hashes: [],
    },
  };
  repairId = (await ledger.submit(repair)).record_id;
});

after(async () => {
  if (ledger) await ledger.stop();
});

async function openEnterprise(options = {}) {
  const opened = await ledger.openPage(options);
  const answer = await opened.page.goto(`${base}/e/${CODE}`);
  assert.equal(answer.status(), 200);
  await opened.page.waitForSelector("#public p.verified, #public p.bad");
  return opened;
}

test("the public profile is verified here and lists what the display rules allow", async () => {
  const { page, problems, context } = await openEnterprise();
  assert.match(await page.textContent("#public p.verified"), /已在您的浏览器中核验：节点签名、检查点，以及 2 条记录的包含证明/);
  const links = await page.$$eval("#public a[href^='/v/']", (as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(links.sort(), [`/v/${licenseId}`, `/v/${displayedId}`].sort());
  assert.equal(await page.locator("#public table[data-section=credit_repairs]").count(), 0);
  assert.match(await page.textContent("#public table[data-section=penalties]"), /公示中/);
  // Each record's bundle downloads, and verifies with ledgerctl too.
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.click(`#public a[href="/v1/records/${licenseId}/bundle"]`),
  ]);
  const saved = join(ledger.work, "downloaded-bundle.json");
  await download.saveAs(saved);
  const vkey = (await (await fetch(`${base}/v1/node`)).json()).verifier_key;
  execFileSync(ctl, ["verify", saved, "--vkey", vkey]);  // exit 0: authentic and in force
  if (screenshots) await page.screenshot({ path: join(screenshots, "enterprise-zh-CN-desktop.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("the bank view: a token and a purpose give the full profile, logged, downloadable", async () => {
  const { page, problems, context } = await openEnterprise();
  const urls = [];
  page.on("request", (request) => urls.push(request.url()));
  // Without a token, or without a purpose: refused on the page, nothing asked.
  await page.click("#bank-form button");
  assert.match(await page.textContent("#bank"), /请输入银行令牌/);
  await page.fill("#token", token);
  await page.click("#bank-form button");
  assert.match(await page.textContent("#bank"), /请填写查询用途/);
  // A wrong token: the node refuses (401), said in zh-CN.
  await page.fill("#token", "clb_wrong");
  await page.fill("#purpose", "贷款审查");
  await page.click("#bank-form button");
  // (Wait for the answer, not for the message already there.)
  await page.waitForSelector('#bank p.bad:has-text("401")');
  assert.match(await page.textContent("#bank"), /银行令牌无效（401）/);
  // The right one: everything, verified, and the note that the read was logged.
  await page.fill("#token", token);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#bank p.logged");
  assert.match(await page.textContent("#bank p.logged"), /本次查询已记入节点的查询审计日志：银行“demo-bank”，用途“贷款审查”/);
  assert.match(await page.textContent("#bank p.verified"), /5 条记录的包含证明/);
  const links = await page.$$eval("#bank a[href^='/v/']", (as) => as.map((a) => a.getAttribute("href")));
  for (const id of [licenseId, displayedId, minorId, repairId]) assert.ok(links.includes(`/v/${id}`), id);
  assert.match(await page.textContent("#bank table[data-section=penalties]"), /不公示（依 2026 规则，轻微处罚不予公示）/);
  assert.match(await page.textContent("#bank table[data-section=penalties]"), /不公示（已于 [0-9-]+ 完成信用修复）/);
  // The signed profile for the loan file, which ledgerctl verifies.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#bank button:has-text('下载已签名的完整信用报告')")]);
  const saved = join(ledger.work, "bank-profile.json");
  await download.saveAs(saved);
  const profile = JSON.parse(readFileSync(saved, "utf8"));
  assert.equal(profile.audience, "bank");
  assert.equal(profile.purpose, "贷款审查");
  const vkey = (await (await fetch(`${base}/v1/node`)).json()).verifier_key;
  execFileSync(ctl, ["verify", saved, "--vkey", vkey]);
  // The token is in no URL the page asked for, nor in the page's own.
  for (const url of [...urls, page.url()]) assert.ok(!url.includes(token), url);
  if (screenshots) await page.screenshot({ path: join(screenshots, "bank-zh-CN-desktop.png"), fullPage: true });
  assert.deepEqual(problems.filter((p) => !/401/.test(p)), []);  // the browser logs the 401
  await context.close();
});

test("a malformed code is refused on the page, and the page fits a phone", async () => {
  const { page, problems, context } = await ledger.openPage({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN",
  });
  await page.goto(`${base}/e/91440300192203821X`);
  await page.waitForSelector("#public p.bad");
  assert.match(await page.textContent("#public"), /统一社会信用代码不正确/);
  await page.goto(`${base}/e/${CODE}`);
  await page.waitForSelector("#public p.verified");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the page is ${width} px wide`);
  if (screenshots) await page.screenshot({ path: join(screenshots, "enterprise-zh-CN-phone.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test("on a follower: the public profile, signed by the follower's key, verifies; banks are sent to the leader", async () => {
  const follower = await ledger.startFollower();
  const leaderSize = (await (await fetch(`${base}/v1/node`)).json()).tree_size;
  for (let i = 0; i < 600; ++i) {  // up to 30 s (a sanitizer build is slow)
    const node = await (await fetch(`${follower}/v1/node`)).json();
    if (node.tree_size >= leaderSize && node.profile_key) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { page, problems, context } = await ledger.openPage();
  await page.goto(`${follower}/e/${CODE}`);
  await page.waitForSelector("#public p.verified, #public p.bad");
  assert.match(await page.textContent("#public p.verified"), /2 条记录的包含证明/);
  assert.equal(await page.isVisible("#bank-form"), false);
  assert.match(await page.textContent("#bank"), /本节点是账本的跟随节点/);
  assert.equal(await page.getAttribute("#bank a", "href"), `${base}/e/${CODE}`);
  // The page asks its own node only (openPage counts the follower as another host).
  assert.deepEqual(problems.filter((p) => !p.startsWith(`a request to another host: ${follower}/`)), []);
  await context.close();
});
