// The shared corpus (tests/records/bundle_corpus_test.cc: bundles of every record type and
// status on a SHA-256 and an SM3 ledger, agency keys in p256, ed25519 and sm2, documents,
// witnesses, and single-byte mutations, each with the C++ verifier's verdict) run through the
// web app's verifier, api/web/bundle.js: in node, then in Chromium as ledgerd serves it. Each
// case must get the C++ verdict: authentic, in force, the first failed check and the status.
// Run by ctest after bundle_corpus (CREDLEDGER_BUNDLE_CORPUS names the file).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { caseInputs, compare, summary } from "./corpus.mjs";
import { verifyBundle } from "../../api/web/bundle.js";
import { startLedger } from "./lib.mjs";

const corpusPath = process.env.CREDLEDGER_BUNDLE_CORPUS;
let corpus, ledger;

before(async () => {
  assert.ok(corpusPath, "CREDLEDGER_BUNDLE_CORPUS names the corpus (ctest's bundle_corpus writes it)");
  corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
  assert.ok(corpus.cases.length > 500, `${corpus.cases.length} cases`);
  ledger = await startLedger();
});

after(async () => {
  if (ledger) await ledger.stop();
});

function report(differences) {
  return differences.slice(0, 10).map((d) => JSON.stringify(d)).join("\n");
}

test("in node, the JS verifier gives every corpus case the C++ verdict", async () => {
  const summaries = [];
  for (const c of corpus.cases) {
    const { bytes, vkey, options } = caseInputs(corpus, c);
    const verdict = await verifyBundle(bytes, vkey, options);
    const failed = verdict.checks.find((x) => x.result === "fail");
    summaries.push({ summary: summary(verdict), detail: failed?.detail ?? "" });
  }
  const differences = compare(corpus, summaries);
  assert.equal(differences.length, 0, report(differences));
});

test("in Chromium, as ledgerd serves it, the verifier gives every case the C++ verdict", async () => {
  const { page, problems, context } = await ledger.openPage();
  await page.goto(`${ledger.base}/`);
  // The page's own modules, from the node; the corpus helpers (corpus.mjs) as script text,
  // which the DevTools protocol runs whatever the page's Content-Security-Policy.
  const helpers = readFileSync(new URL("./corpus.mjs", import.meta.url), "utf8").replaceAll("export function", "function");
  const run = `(async (corpus) => {
    ${helpers}
    const { verifyBundle } = await import("/app/bundle.js");
    const out = [];
    for (const c of corpus.cases) {
      const { bytes, vkey, options } = caseInputs(corpus, c);
      const verdict = await verifyBundle(bytes, vkey, options);
      const failed = verdict.checks.find((x) => x.result === "fail");
      out.push({ summary: summary(verdict), detail: failed ? failed.detail : "" });
    }
    return out;
  })`;
  const summaries = await page.evaluate(`${run}(${JSON.stringify(corpus)})`);
  const differences = compare(corpus, summaries);
  assert.equal(differences.length, 0, report(differences));
  assert.deepEqual(problems, []);
  await context.close();
});
