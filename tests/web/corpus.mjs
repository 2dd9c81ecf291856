// The shared corpus (tests/records/bundle_corpus_test.cc writes it, with the C++ verdicts)
// run through the web app's verifier (api/web/bundle.js): by node here, by Chromium in
// corpus_test.mjs. Each side calls runCase; compare() says where a verdict differs.

// The inputs of case `c` of `corpus`: a mutation names the case it mutates and the byte.
export function caseInputs(corpus, c) {
  const base = c.of === undefined ? c : corpus.cases[c.of];
  const bytes = new TextEncoder().encode(base.bundle);
  if (c.mutate) bytes[c.mutate.at] ^= c.mutate.xor;
  const options = { checkedAt: base.checked_at };
  if (base.document) options.document = Uint8Array.from(atob(base.document), (ch) => ch.charCodeAt(0));
  if (base.witnesses) {
    options.witnesses = base.witnesses;
    options.quorum = base.quorum;
  }
  return { bytes, vkey: base.vkey, options };
}

// What a verdict is compared on: as the corpus's "expect".
export function summary(verdict) {
  const failed = verdict.checks.find((x) => x.result === "fail");
  return {
    authentic: verdict.authentic,
    in_force: verdict.in_force,
    failed: failed ? failed.check : null,
    status: verdict.record?.status ?? "",
  };
}

// The cases whose summaries differ from the C++ verdicts: [{name, expect, got, detail}].
export function compare(corpus, summaries) {
  const out = [];
  corpus.cases.forEach((c, i) => {
    const got = summaries[i];
    const same = ["authentic", "in_force", "failed", "status"].every((k) => got.summary[k] === c.expect[k]);
    if (!same) {
      out.push({ name: c.name, expect: c.expect, got: got.summary, detail: got.detail });
    }
  });
  return out;
}
