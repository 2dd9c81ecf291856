// Auditing a log from outside: replaying it from genesis and re-checking everything its node
// checked (every signature, permission and admission rule) and the blocks and roots on top,
// up to a target its node's key vouches for. ledgerctl audit runs it on a node or a stopped
// node's store; a follower will run it on what it copies.
//
// Thread-compatible.
#ifndef CREDLEDGER_API_CLIENT_AUDIT_H_
#define CREDLEDGER_API_CLIENT_AUDIT_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/client/log_source.h"
#include "ledger/records/policy.h"
#include "ledger/records/sla.h"
#include "ledger/store.h"

namespace credledger::client {

// What an audit keeps for the working-day report (records/sla.h): the anchoring time of each
// repair application and of the records that answer one, and the credit repairs' entries.
class AuditedSlaLog : public records::SlaLog {
 public:
  void Add(uint64_t index, std::string anchored_at, std::string entry);
  Result<std::string> AnchoredAt(uint64_t index) const override;
  Result<std::string> Entry(uint64_t index) const override;

 private:
  std::map<uint64_t, std::pair<std::string, std::string>> entries_;  // (anchored at, entry)
};

// What an audit went through.
struct AuditCounts {
  uint64_t entries = 0, blocks = 0, records = 0, configs = 0, anchors = 0;
  uint64_t anchored_audit_size = 0;  // lines of the query audit log the last anchor covers
  std::vector<std::pair<uint64_t, std::string>> anchors_seen;  // (size, head hex)
  std::vector<std::pair<uint64_t, std::string>> anchor_roots;  // (size, tree_root hex)
  uint64_t tree_size = 0;                                      // of the target reached
  // Once the audit passes: the replayed policy (its indexes in the audit's scratch store,
  // which must outlive it) and what the working-day report needs besides.
  std::shared_ptr<records::RecordPolicy> policy;
  AuditedSlaLog sla_log;
};

// Replays `source` from genesis up to its target. The replay's record indexes are kept in
// `scratch` (an empty store; a scratch LevelDB bounds memory, where the default, memory,
// grows with the log: several GB at 10M entries). Errors: DataLoss naming the first entry
// or block that breaks a rule or does not add up (the log is not what its key vouches for);
// Unauthenticated (the target does not verify under `verifier`: another node's key);
// Unavailable (cannot read the source); those of `scratch`.
Status AuditLog(LogSource& source, const NoteVerifier& verifier, AuditCounts* counts,
                std::unique_ptr<Store> scratch = nullptr);

// Checks a query audit log file (records/query_audit.h) against the anchors an audit found:
// its hash chain, that line `size` of each anchor hashes to the anchor's head, and (anchors
// that carry one) that the tree of the first `size` lines has the anchor's tree_root. Returns
// the file's line count. Errors: DataLoss naming the line.
Result<size_t> CheckQueryAuditFile(const std::string& path, const AuditCounts& counts);

}  // namespace credledger::client

#endif  // CREDLEDGER_API_CLIENT_AUDIT_H_
