// Credit profiles: what the ledger holds about one enterprise (or person) as of one
// checkpoint, each record with its inclusion proof, signed by the node so that a bank can
// archive it as the evidence a loan decision rested on. Format: docs/PROOF-BUNDLE.md
// ("Credit profiles").
//
// Two audiences (DOMAIN.md, "Who reads what"): a bank, with a token and a stated purpose,
// sees every license, certificate, penalty (on display or not, repaired and withdrawn ones
// marked) and credit repair; the public sees licenses and certificates, and only the
// penalties the display rules put on public display that day.
//
// Thread-safety: pure functions (MakeCreditProfile reads the ledger and the policy, which are
// safe to read concurrently).
#ifndef CREDLEDGER_LEDGER_RECORDS_PROFILE_H_
#define CREDLEDGER_LEDGER_RECORDS_PROFILE_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/records/policy.h"

namespace credledger::records {

inline constexpr std::string_view kCreditProfileType = "credit_profile";

struct ProfileRequest {
  std::string subject;  // a USCC, or a person's commitment
  bool bank = false;    // the bank view (else the public one)
  std::string bank_id;  // bank view: who asked
  std::string purpose;  // bank view: why, as the query audit log has it
  // RFC 3339 UTC; its date decides validity windows and public display.
  std::string generated_at;
  // Most records listed; past it the profile says "truncated": true.
  size_t max_records = 1000;
  // If set, runs work(i) for every i in [0, n), possibly on several threads at once, and
  // returns when all have returned (the node's work pool): each listed record is read and
  // proven independently, and a profile lists up to max_records of them. Else one by one.
  std::function<void(size_t n, const std::function<void(size_t)>& work)> parallel_for;
};

// The signed profile (RFC 8785 JSON) of `request.subject` as of the checkpoint
// `checkpoint_note` for tree size `tree_size`, signed with `node_key` (the key the checkpoint
// is signed with). A subject with no records gets an empty profile, not an error. Errors:
// those of the ledger's reads.
Result<std::string> MakeCreditProfile(const LogReader& log, const SharedRecordPolicy& policy,
                                      const ProfileRequest& request, uint64_t tree_size,
                                      std::string_view checkpoint_note,
                                      const crypto::PrivateKey& node_key);

// Checks a profile offline with the node's verifier key: the checkpoint's signature, the
// node's signature over the profile, and each record's inclusion in the checkpoint's tree.
// With `signer`, the profile is signed by that key instead of the node's: a follower's
// (docs/FOLLOWERS.md), which assembles profiles from its verified copy of the log and signs
// them with a key of its own; the checkpoint and the records are still checked against the
// node's key. Returns how many records it lists. Errors: InvalidArgument (malformed),
// Unauthenticated naming what does not verify.
Result<size_t> VerifyCreditProfile(std::string_view profile, const NoteVerifier& verifier,
                                   const crypto::PublicKey* signer = nullptr);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_PROFILE_H_
