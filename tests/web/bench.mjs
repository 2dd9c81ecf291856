// The web app's figures (docs/PERFORMANCE.md, "The web app"), run by scripts/bench-web.sh: not
// a test, it asserts nothing. In one run, on loopback against a development ledgerd:
//   - page loads: each page N times in a fresh browser context (nothing cached), the time to
//     the load event and to what the visitor waits for (the key in place, the profile verified),
//     and the bytes transferred, beside a page with no script (the reference);
//   - verification: the shared corpus's bundles (not the mutations) through the web app's
//     verifier in Chromium and in node, and through the C++ verifier
//     (ledgerctl bench-bundles --corpus), each as ms per bundle, and the ratios.
// Usage: LEDGERD=... LEDGERCTL=... node tests/web/bench.mjs CORPUS [LOADS]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { caseInputs } from "./corpus.mjs";
import { verifyBundle } from "../../api/web/bundle.js";
import { ctl, startLedger } from "./lib.mjs";

const corpusPath = process.argv[2];
const loads = Number(process.argv[3] || 20);
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const bases = { format: corpus.format, cases: corpus.cases.filter((c) => c.bundle) };

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

const ledger = await startLedger();
const { record_id: id } = await ledger.submit(ledger.example("license"));

console.log(`credledger web bench: ${loads} loads of each page in a fresh context (Chromium headless, loopback)`);
console.log("page                      load event p50 / p95 ms   ready p50 / p95 ms   bytes");
const pages = [
  // The reference: the fixed cost of a fresh context and a navigation, a page with no script
  // or style sheet (the record page's 404).
  [`/v/${"0".repeat(64)}`, "h1"],
  ["/", "#by-code"],
  ["/verify", "#vkey:not([value=''])"],
  [`/e/914403001922038216`, "#public p.verified"],
  [`/v/${id}`, "h1"],
];
for (const [path, ready] of pages) {
  const loadTimes = [], readyTimes = [];
  let bytes = 0;
  for (let i = 0; i < loads; ++i) {
    const { page, context } = await ledger.openPage();
    const started = Date.now();
    await page.goto(`${ledger.base}${path}`, { waitUntil: "load" }).catch(() => {});  // a 404 is fine
    if (path === "/verify") await page.waitForFunction(() => document.getElementById("vkey").value !== "");
    else await page.waitForSelector(ready);
    readyTimes.push(Date.now() - started);
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const resources = performance.getEntriesByType("resource");
      return { load: nav.loadEventEnd, bytes: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0) };
    });
    loadTimes.push(timing.load);
    bytes = timing.bytes;
    await context.close();
  }
  console.log(`${path.slice(0, 24).padEnd(26)}${quantile(loadTimes, 0.5).toFixed(0).padStart(8)} / ${quantile(loadTimes, 0.95).toFixed(0).padEnd(14)}` +
    `${quantile(readyTimes, 0.5).toFixed(0).padStart(8)} / ${quantile(readyTimes, 0.95).toFixed(0).padEnd(10)}${bytes}`);
}

// ms per bundle: the best of `rounds` passes over the corpus's bundles.
async function best(rounds, pass) {
  let min = Infinity;
  for (let r = 0; r < rounds; ++r) {
    const started = performance.now();
    await pass();
    min = Math.min(min, (performance.now() - started) / bases.cases.length);
  }
  return min;
}

const nodeMs = await best(5, async () => {
  for (const c of bases.cases) {
    const { bytes, vkey, options } = caseInputs(bases, c);
    await verifyBundle(bytes, vkey, options);
  }
});
const { page, context } = await ledger.openPage();
await page.goto(`${ledger.base}/verify`);
const helpers = readFileSync(new URL("./corpus.mjs", import.meta.url), "utf8").replaceAll("export function", "function");
const chromiumMs = await page.evaluate(`(async (corpus) => {
  ${helpers}
  const { verifyBundle } = await import("/app/bundle.js");
  let min = Infinity;
  for (let r = 0; r < 5; ++r) {
    const started = performance.now();
    for (const c of corpus.cases) {
      const { bytes, vkey, options } = caseInputs(corpus, c);
      await verifyBundle(bytes, vkey, options);
    }
    min = Math.min(min, (performance.now() - started) / corpus.cases.length);
  }
  return min;
})(${JSON.stringify(bases)})`);
await context.close();
const cppOut = execFileSync(ctl, ["bench-bundles", "--corpus", corpusPath, "--seconds", "1", "--rounds", "5"]).toString();
const cppMs = Number(/ms_per_bundle ([0-9.]+)/.exec(cppOut)[1]);
await ledger.stop();

console.log(`\nverification of the corpus's ${bases.cases.length} bundles (every type and status, SHA-256 and SM3, p256/ed25519/sm2), best of 5 passes`);
console.log(`Chromium (WebCrypto + sm-crypto-v2) ${chromiumMs.toFixed(2)} ms/bundle   ratio to C++ ${(chromiumMs / cppMs).toFixed(1)}`);
console.log(`node     (WebCrypto + sm-crypto-v2) ${nodeMs.toFixed(2)} ms/bundle   ratio to C++ ${(nodeMs / cppMs).toFixed(1)}`);
console.log(`C++      (VerifyProofBundle)        ${cppMs.toFixed(2)} ms/bundle`);
