// The query audit log: one line per bank read of access-controlled data (time, bank, subject,
// purpose, what was read, the answer's status), append-only, each line carrying the hash of
// the line before it. The node anchors the chain's head in the Merkle log
// (records/anchor.h), so a logged query cannot later be altered or dropped without the log's
// own anchors contradicting the file. Format: docs/RECORDS.md ("Query audit log").
//
// Lines are RFC 8785 JSON: {"bank", "prev": <hex hash of the previous line, or 64 zeros>,
// "purpose", "result": <HTTP status>, "seq": <1-based line number>, "subject", "target",
// "time"}. A line's hash is the SHA-256 of its bytes without the newline.
//
// Thread-safe.
#ifndef CREDLEDGER_LEDGER_RECORDS_QUERY_AUDIT_H_
#define CREDLEDGER_LEDGER_RECORDS_QUERY_AUDIT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/hash.h"
#include "crypto/mutex.h"
#include "crypto/status.h"

namespace credledger::records {

struct QueryRecord {
  std::string bank;
  std::string subject;  // USCC(s) or document hash the read concerned
  std::string purpose;
  std::string target;   // the request's path and query
  unsigned result = 0;  // the answer's HTTP status
};

struct AuditHead {
  uint64_t size = 0;
  crypto::Digest hash{};  // of line `size`; zeros when empty
};

class QueryAuditLog {
 public:
  // Opens (or creates) the log at `path` and checks its whole chain. A last line without its
  // newline was cut by a crash before it was acknowledged, and is dropped. Errors: DataLoss
  // naming the first line that does not parse or does not chain; Unavailable on I/O errors.
  static Result<std::unique_ptr<QueryAuditLog>> Open(const std::string& path);
  ~QueryAuditLog();

  // Appends `record` stamped with the current time, and syncs it to disk before returning:
  // a bank's read is answered only once its audit line is durable. Errors: Unavailable.
  Result<AuditHead> Append(const QueryRecord& record);
  AuditHead head() const;

 private:
  QueryAuditLog(int fd, AuditHead head, uint64_t end) : fd_(fd), head_(head), end_(end) {}

  mutable Mutex mu_;
  const int fd_;
  AuditHead head_ GUARDED_BY(mu_);
  uint64_t end_ GUARDED_BY(mu_);  // bytes of whole lines in the file
};

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_QUERY_AUDIT_H_
