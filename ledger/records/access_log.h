// The enterprise's access log: every bank read of its data (which bank, when, for what
// purpose, citing which consent), each line proven against an anchor of the query audit log
// on the Merkle log (docs/RECORDS.md, "The enterprise's access log").
//
// The enterprise asks with a request signed by a key bound to it on the log:
//   {"enterprise": <USCC>, "key_id", "requested_at": <RFC 3339 UTC, within 10 minutes of the
//    node's clock>, "signature", "type": "access_log_request"}
// and gets:
//   {"type": "access_log", "enterprise", "tree_hash", "checkpoint": <signed note>,
//    "anchor": null | {"index", "entry": <the query_audit_anchor entry>, "inclusion"},
//    "lines": [{"seq", "line": <the audit line as written>, "inclusion": <RFC 9162 proof of
//               its leaf in the anchor's tree_root>}],
//    "unanchored": [{"seq", "line"}]}
// "lines" are the reads the anchor covers; "unanchored" those after it (the next block anchors
// them). VerifyAccessLog checks it all offline with the node's verifier key alone.
//
// Thread-safety: pure functions.
#ifndef CREDLEDGER_LEDGER_RECORDS_ACCESS_LOG_H_
#define CREDLEDGER_LEDGER_RECORDS_ACCESS_LOG_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/records/record_index.h"

namespace credledger::records {

inline constexpr char kAccessLogRequestType[] = "access_log_request";
inline constexpr char kAccessLogType[] = "access_log";

// The request of enterprise `enterprise`, signed with `key` at `requested_at`.
Result<std::string> MakeAccessLogRequest(const std::string& enterprise,
                                         const std::string& requested_at,
                                         const crypto::PrivateKey& key);

// The enterprise whose request `doc` is, if its key is bound to it by an enterprise_key record
// in force at `tree_size` (`index` describes the log that far), its signature verifies under
// that key, and it was made within 10 minutes of `now`, so that a captured
// request cannot be replayed later. Errors: InvalidArgument (malformed), Unauthenticated.
Result<std::string> AuthenticateAccessLogRequest(const Json& doc, const RecordIndex& index,
                                                 uint64_t tree_size,
                                                 std::chrono::system_clock::time_point now);

// What VerifyAccessLog found.
struct AccessLogVerdict {
  std::string enterprise;
  uint64_t tree_size = 0;     // of the checkpoint
  uint64_t anchored = 0;      // audit lines the anchor covers
  std::vector<Json> proven;   // the lines proven, parsed
  std::vector<Json> pending;  // the lines after the anchor: reported, not yet provable
};

// Checks access log `text` against the node's verifier key: the checkpoint's signature, the
// anchor's node signature and inclusion in the checkpoint's tree, and each line's inclusion in
// the anchor's tree of audit lines; every line is about `enterprise`. Errors: DataLoss naming
// the line or proof that does not hold (a line not in the anchored log, an altered one);
// InvalidArgument (malformed).
Result<AccessLogVerdict> VerifyAccessLog(std::string_view text, const NoteVerifier& verifier,
                                         const std::string& enterprise);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_ACCESS_LOG_H_
