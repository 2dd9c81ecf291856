// Auditing a log from outside: replaying it from genesis and re-checking everything its node
// checked (every signature, permission and admission rule) and the blocks and roots on top,
// up to a target its node's key vouches for. ledgerctl audit runs it on a node or a stopped
// node's store; a follower will run it on what it copies.
//
// Thread-compatible.
#ifndef CREDLEDGER_API_CLIENT_AUDIT_H_
#define CREDLEDGER_API_CLIENT_AUDIT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "api/client/log_source.h"
#include "ledger/store.h"

namespace credledger::client {

// What an audit went through.
struct AuditCounts {
  uint64_t entries = 0, blocks = 0, records = 0, configs = 0, anchors = 0;
  uint64_t anchored_audit_size = 0;  // lines of the query audit log the last anchor covers
  std::vector<std::pair<uint64_t, std::string>> anchors_seen;  // (size, head hex)
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
// its hash chain, and that line `size` of each anchor hashes to the anchor's head. Returns
// the file's line count. Errors: DataLoss naming the line.
Result<size_t> CheckQueryAuditFile(const std::string& path, const AuditCounts& counts);

}  // namespace credledger::client

#endif  // CREDLEDGER_API_CLIENT_AUDIT_H_
