// Following a node's checkpoints from outside: each new one must verify under the node's key
// and extend the last one seen, as an RFC 9162 consistency proof shows. A tree that shrinks,
// two roots for one size, a proof that does not join them or a signature that does not
// verify is an alarm, returned with the signed evidence that proves it to anyone. ledgerctl
// monitor runs one step per poll; a follower node will run one before each copy.
//
// Thread-compatible.
#ifndef CREDLEDGER_API_CLIENT_FOLLOW_H_
#define CREDLEDGER_API_CLIENT_FOLLOW_H_

#include <string>
#include <string_view>

#include "api/client/http_client.h"
#include "crypto/hash.h"
#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/merkle.h"

namespace credledger::client {

struct FollowStep {
  enum class Kind {
    kFirst,      // no checkpoint was seen before: this one is the start
    kUnchanged,  // the same tree size and root as before
    kExtended,   // a larger tree, proven consistent with the one before
    kAlarm,      // the node broke its promise: see alarm and evidence
  };
  Kind kind = Kind::kFirst;
  std::string note;       // the node's latest signed checkpoint
  Checkpoint checkpoint;  // ... parsed (not for kAlarm)
  uint64_t previous_size = 0;
  size_t proof_hashes = 0;  // kExtended: the consistency proof's length
  std::string alarm;        // kAlarm: what the node did
  Json evidence;            // kAlarm: both signed checkpoints, and the proof if one was given
};

// One step: fetches the node's checkpoint and relates it to `previous_note` (a checkpoint
// verified earlier under `verifier`, or "" for none). `tree_hash` is the log's hash algorithm.
// Errors (never alarms): Unavailable (the node is unreachable: it can refuse service, not
// rewrite history unnoticed), InvalidArgument (`previous_note` does not verify).
Result<FollowStep> FollowCheckpoint(HttpClient& client, const NoteVerifier& verifier,
                                    crypto::HashAlgorithm tree_hash,
                                    std::string_view previous_note);

// Whether the node's tree of `new_size` (root `new_root`) extends its tree of `old_size`
// (root `old_root`), by the consistency proof it serves (GET /v1/proofs/consistency).
struct ConsistencyCheck {
  Status verified;  // OK, or why the proof does not join the two roots
  Json proof_json;  // the node's answer, evidence if it does not
  size_t proof_hashes = 0;
};
// Errors: Unavailable (cannot read it), InvalidArgument (not JSON).
Result<ConsistencyCheck> CheckConsistency(HttpClient& client, crypto::HashAlgorithm tree_hash,
                                          uint64_t old_size, const merkle::Hash& old_root,
                                          uint64_t new_size, const merkle::Hash& new_root);

// The node's tree hash algorithm, from GET /v1/node.
Result<crypto::HashAlgorithm> NodeTreeHash(HttpClient& client);

}  // namespace credledger::client

#endif  // CREDLEDGER_API_CLIENT_FOLLOW_H_
