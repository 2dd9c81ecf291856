// Proof bundles: one self-contained file that proves a record to anyone who knows only the
// node's verifier key, offline. Normative format: docs/PROOF-BUNDLE.md ("credledger-proof/v1").
//
// A bundle carries a signed checkpoint and, each with its RFC 9162 inclusion proof to that
// checkpoint: the record's entry, the genesis and every config entry below the checkpoint (so
// the verifier rebuilds the registry and so proves, rather than is told, that the agency's
// key was registered and permitted at the record's index), and the entries that decide the
// record's status (the status changes and credit repairs acting on it; for a status change or
// credit repair, its target and the target's other changes). Also the block header holding
// the record, with a consistency proof from that block's tree to the checkpoint's.
//
// VerifyProofBundle re-derives everything from those entries with the same admission rules
// the node applies (RecordPolicy), and reports each check it made.
//
// What a bundle cannot prove: that it left nothing out. A later revocation omitted from the
// bundle, or from an older bundle, is invisible to an offline check; a fresh bundle
// (POST /v1/verify) or an audit of the whole log (`ledgerctl audit`) shows it.
//
// Thread-safety: pure functions (MakeProofBundle reads the ledger and the policy, which are
// safe to read concurrently).
#ifndef CREDLEDGER_LEDGER_RECORDS_BUNDLE_H_
#define CREDLEDGER_LEDGER_RECORDS_BUNDLE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "crypto/mutex.h"
#include "ledger/block.h"
#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger/records/policy.h"
#include "ledger/witness/cosignature.h"

namespace credledger::records {

inline constexpr std::string_view kProofBundleFormat = "credledger-proof/v1";

// The bundle (RFC 8785 JSON) of record `record_id` as of the checkpoint `checkpoint_note`,
// the node's signed note for tree size `tree_size` (committed). Errors: NotFound (no such
// record below tree_size), and those of the ledger's reads.
Result<std::string> MakeProofBundle(const LogReader& log, const SharedRecordPolicy& policy,
                                    const std::string& record_id, uint64_t tree_size,
                                    std::string_view checkpoint_note);

// The status every answer and verdict states (one vocabulary: docs/RECORDS.md): the record's
// status on the log, or "repaired" for a valid penalty an approved credit repair took down (a
// later terminal change, such as a withdrawal, shows as itself).
std::string StatusName(const RecordStatus& status);

// A license's or certificate's validity window, from its body: valid_from, and the earlier
// of valid_until and a certificate's purpose_expiry (empty: long-term). Empty for others.
struct ValidityWindow {
  std::string from, until;  // YYYY-MM-DD
};
ValidityWindow WindowOf(const Json& body);
// The status a reader is told on `date` (YYYY-MM-DD): `status_on_log`, or "not_yet_valid" /
// "expired" when the log says valid but the date is outside `window`.
std::string StatusOn(const std::string& status_on_log, const ValidityWindow& window,
                     std::string_view date);

// What a long-lived verifier has checked already, by the exact bytes checked: node
// signatures (checkpoint notes, block headers) and parsed geneses. A bank verifying a batch
// of bundles, or a node answering POST /v1/verify with bundles of its current checkpoint,
// then checks each of those once: they are the same few notes, blocks and genesis, and each
// Ed25519 check costs about two p256 checks. Sound: a signature that verified over some
// bytes under a key verifies over them again, and a genesis parses the same way again.
// Thread-safe; bounded (cleared when full).
class VerificationCache {
 public:
  explicit VerificationCache(size_t capacity = 1024) : capacity_(capacity) {}
  // VerifyCheckpoint(note, verifier, verifier.name()), once per distinct note and key.
  Result<Checkpoint> CheckpointOf(std::string_view note, const NoteVerifier& verifier);
  // header.VerifySignature(key), once per distinct header text and key.
  Status BlockSignature(const BlockHeader& header, std::string_view header_text,
                        const crypto::PublicKey& key);
  // RecordPolicy::FromGenesis(genesis), the genesis parsed once per distinct genesis (each
  // call gets a fresh policy).
  Result<std::shared_ptr<RecordPolicy>> PolicyFromGenesis(std::string_view genesis);

 private:
  const size_t capacity_;
  Mutex mu_;
  std::unordered_map<crypto::Digest, Checkpoint, merkle::HashHasher> notes_ GUARDED_BY(mu_);
  std::unordered_set<crypto::Digest, merkle::HashHasher> blocks_ GUARDED_BY(mu_);
  std::unordered_map<crypto::Digest, std::shared_ptr<const Registry>, merkle::HashHasher> geneses_
      GUARDED_BY(mu_);
};

struct VerifyOptions {
  // When the validity window is checked: RFC 3339 UTC ("2026-11-28T10:00:00Z"); empty: now.
  std::string checked_at;
  // The document's bytes, if the verifier holds it: checked against the record's document
  // hash (file_hash, or a penalty's decision_document_hash).
  std::optional<std::string> document;
  // What this verifier has checked already (null: check everything).
  VerificationCache* verified = nullptr;
  // The witnesses whose cosignatures the checkpoint must carry, at least `witness_quorum` of
  // them (docs/WITNESS.md). None: the "cosignatures" check is skipped.
  std::vector<witness::CosignatureVerifier> witnesses;
  size_t witness_quorum = 0;
};

struct BundleCheck {
  enum class Result { kPass, kFail, kSkipped };
  std::string name;  // stable identifier: "format", "checkpoint", "genesis", ...
  Result result = Result::kSkipped;
  std::string detail;
};

// What VerifyProofBundle found. The record's facts are filled in as far as the checks got.
struct BundleVerdict {
  std::vector<BundleCheck> checks;  // in the order made; every check is listed
  bool authentic = false;           // every check passed except possibly "validity"
  bool in_force = false;            // authentic, and "validity" passed too
  std::string checked_at;           // RFC 3339 UTC
  std::string record_id;
  uint64_t index = 0;
  uint64_t tree_size = 0;          // of the checkpoint
  std::string origin;              // the log's name
  std::string anchored_at;         // the timestamp of the block holding the record
  Json entry;                      // the record's entry, parsed
  std::optional<RecordType> type;  // once the entry is found valid
  std::string agency;
  std::string agency_name;
  std::string status_on_log;  // StatusName as of the checkpoint
  // The status on the checked date: status_on_log, or "expired" / "not_yet_valid" when a
  // license's or certificate's validity window says so.
  std::string status;
  std::string valid_from, valid_until;   // licenses and certificates; until empty: long-term
  std::optional<DisplayState> display;   // penalties: public display on the checked date
  std::string target_id, target_status;  // status changes and credit repairs: what they act on

  // {"authentic", "in_force", "checks": [{"check", "result", "detail"}], "record": {...},
  //  "checked_at", "checkpoint": {"origin", "tree_size"}, ...}: docs/PROOF-BUNDLE.md.
  Json ToJson() const;
  // The first failed check, or null.
  const BundleCheck* FirstFailure() const;
  // The type's name ("license"), or "" before the entry was found valid.
  std::string type_name() const { return type ? std::string(RecordTypeName(*type)) : ""; }
};

// Verifies `bundle` against the node's verifier key. Never fails as a call: a malformed or
// forged bundle is a verdict with a failed check naming what is wrong.
BundleVerdict VerifyProofBundle(std::string_view bundle, const NoteVerifier& verifier,
                                const VerifyOptions& options = {});

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_BUNDLE_H_
