// Proof bundles and credit profiles as a bank's verifier meets them (docs/PROOF-BUNDLE.md).
// Input: a verifier key line, then a bundle (or profile). Invariants: verification never
// fails as a call; its verdict lists checks, names the first failure unless every check but
// "validity" held, and is in force only when authentic.
#include "ledger/records/bundle.h"
#include "ledger/records/profile.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using credledger::fuzz::Check;
  const auto [vkey, document] =
      credledger::fuzz::SplitFirstLine(credledger::fuzz::AsText(data, size));
  auto verifier = credledger::NoteVerifier::FromVerifierKey(vkey);
  if (!verifier.ok()) return 0;
  credledger::records::VerifyOptions options;
  options.checked_at = "2026-11-28T00:00:00Z";  // a fixed date: the same input, the same verdict
  auto verdict = credledger::records::VerifyProofBundle(document, *verifier, options);
  Check(!verdict.checks.empty(), "a verdict lists its checks");
  const auto* failure = verdict.FirstFailure();
  Check(verdict.authentic == (failure == nullptr || failure->name == "validity"),
        "authentic means only validity may have failed");
  Check(!verdict.in_force || (verdict.authentic && failure == nullptr),
        "in force means authentic and valid");
  (void)verdict.ToJson().dump();
  (void)credledger::records::VerifyCreditProfile(document, *verifier);
  return 0;
}
