// The query audit log: one line per bank read of access-controlled data (time, bank, subject,
// purpose, what was read, the answer's status), append-only, each line carrying the hash of
// the line before it. The node anchors the chain's head in the Merkle log
// (records/anchor.h), so a logged query cannot later be altered or dropped without the log's
// own anchors contradicting the file. Format: docs/RECORDS.md ("Query audit log").
//
// Lines are RFC 8785 JSON: {"bank", "prev": <hex hash of the previous line, or 64 zeros>,
// "purpose", "result": <HTTP status>, "seq": <1-based line number>, "subject", "target",
// "time"}, and "consent" (a record id) when the read cited one. A line's hash is the SHA-256
// of its bytes without the newline.
//
// Thread-safe.
#ifndef CREDLEDGER_LEDGER_RECORDS_QUERY_AUDIT_H_
#define CREDLEDGER_LEDGER_RECORDS_QUERY_AUDIT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/hash.h"
#include "crypto/mutex.h"
#include "crypto/status.h"
#include "ledger/merkle.h"

namespace credledger::records {

struct QueryRecord {
  std::string bank;
  std::string subject;  // USCC(s) or document hash the read concerned
  std::string purpose;
  std::string target;   // the request's path and query
  unsigned result = 0;  // the answer's HTTP status
  std::string consent;  // the consent record the read cited (records/consent.h); "" none
};

struct AuditHead {
  uint64_t size = 0;
  crypto::Digest hash{};  // of line `size`; zeros when empty
  // The RFC 9162 root (SHA-256) of the tree whose leaves are lines 1..size: what an anchor
  // carries so that one line is proven by log2(size) hashes, without the lines after it.
  merkle::Hash tree_root{};
};

// One line of the log, as written.
struct AuditLine {
  uint64_t seq = 0;
  std::string text;  // RFC 8785 JSON, without the newline
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

  // The lines among the first `size` whose "subject" lists `subject` (one of its
  // comma-separated subjects), in order: what an enterprise is shown of who read its data.
  // Reads the file. Errors: Unavailable, DataLoss.
  Result<std::vector<AuditLine>> LinesAbout(const std::string& subject, uint64_t size) const;
  // The RFC 9162 inclusion proof of line `seq` (1-based) in the tree of the first `size`
  // lines (AuditHead::tree_root at that size). O(size) hashes. Errors: InvalidArgument.
  Result<std::vector<merkle::Hash>> InclusionProof(uint64_t seq, uint64_t size) const;

 private:
  QueryAuditLog(std::string path, int fd, AuditHead head, uint64_t end,
                std::vector<merkle::Hash> leaves, merkle::CompactRange range)
      : path_(std::move(path)),
        fd_(fd),
        head_(head),
        end_(end),
        leaves_(std::move(leaves)),
        range_(std::move(range)) {}

  mutable Mutex mu_;
  const std::string path_;
  const int fd_;
  AuditHead head_ GUARDED_BY(mu_);
  uint64_t end_ GUARDED_BY(mu_);  // bytes of whole lines in the file
  // The lines' RFC 9162 leaf hashes (32 bytes a line), and their compact range.
  std::vector<merkle::Hash> leaves_ GUARDED_BY(mu_);
  merkle::CompactRange range_ GUARDED_BY(mu_);
};

// Whether audit line `text` (RFC 8785 JSON) concerns `subject`: its "subject" lists it.
bool AuditLineConcerns(std::string_view text, const std::string& subject);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_QUERY_AUDIT_H_
