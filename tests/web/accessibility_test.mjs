// Every page of the web app against the WCAG 2 A and AA rules axe-core checks (labels, names,
// contrast, landmarks, language, headings...), in zh-CN and in English, with a result on the
// page (a verdict, a profile): any violation fails, naming the rule and the element. axe-core
// (pinned by tests/web/package-lock.json) is run through the DevTools protocol, which the
// pages' Content-Security-Policy does not govern. Then the pages by keyboard alone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startLedger } from "./lib.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
let ledger, base, recordId, bundlePath;

before(async () => {
  ledger = await startLedger();
  base = ledger.base;
  recordId = (await ledger.submit(ledger.example("license"))).record_id;
  bundlePath = join(ledger.work, "bundle.json");
  writeFileSync(bundlePath, await (await fetch(`${base}/v1/records/${recordId}/bundle`)).text());
});

after(async () => {
  if (ledger) await ledger.stop();
});

// The WCAG 2 A/AA violations on the page as it is: ["rule: element ..."].
async function violations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  });
  return result;
}

const pages = [
  ["home", "/", null],
  ["bundle verifier, with a verdict", "/verify", async (page) => {
    await page.waitForFunction(() => document.getElementById("vkey").value !== "");
    await page.setInputFiles("#bundle", bundlePath);
    await page.waitForSelector("#result h3[data-verdict]");
  }],
  ["enterprise, with the public profile", "/e/914403001922038216", (page) => page.waitForSelector("#public p.verified")],
  ["record page, with the browser's verdict", `/v/${"RECORD"}`, (page) => page.waitForSelector("#local h3[data-verdict]")],
];

for (const [name, path, ready] of pages) {
  test(`${name}: no WCAG 2 A/AA violation, in zh-CN and in English`, async () => {
    for (const locale of ["zh-CN", "en-US"]) {
      const { page, problems, context } = await ledger.openPage({ locale });
      await page.goto(`${base}${path.replace("RECORD", recordId)}`);
      if (locale === "en-US" && (await page.locator("#language").count())) await page.click("#language");
      if (ready) await ready(page);
      assert.deepEqual(await violations(page), [], `${locale}`);
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
}

test("the check itself finds what it should: an unlabelled field, grey on grey", async () => {
  const { page, context } = await ledger.openPage();
  await page.goto(`${base}/`);
  await page.evaluate(() => {
    document.querySelector("main").append(Object.assign(document.createElement("input"), { id: "planted" }));
    const p = document.createElement("p");
    p.textContent = "低对比度文字";
    p.style.color = "#bbb";
    document.querySelector("main").append(p);
  });
  const found = (await violations(page)).map((v) => v.split(":")[0]);
  assert.ok(found.includes("label") && found.includes("color-contrast"), found.join(", "));
  await context.close();
});

test("the home page and the verifier work by keyboard alone", async () => {
  const { page, problems, context } = await ledger.openPage();
  await page.goto(`${base}/`);
  // Tab to the code field (language switch, two links, then the field), type, Enter.
  const focused = [];
  for (let i = 0; i < 4; ++i) {
    await page.keyboard.press("Tab");
    focused.push(await page.evaluate(() => document.activeElement.id || document.activeElement.textContent));
  }
  assert.deepEqual(focused, ["language", "首页", "核验证明文件", "code"]);
  await page.keyboard.type("914403001922038216");
  await page.keyboard.press("Enter");
  await page.waitForURL(`${base}/e/914403001922038216`);
  // Every focusable element shows where the focus is (a visible outline).
  await page.goto(`${base}/verify`);
  await page.keyboard.press("Tab");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");
  assert.deepEqual(problems, []);
  await context.close();
});
