#include "ledger/records/query_audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "crypto/encoding.h"
#include "crypto/mutex.h"
#include "ledger/block.h"
#include "ledger/canonical_json.h"
#include "ledger/data_dir.h"

namespace credledger::records {
namespace {

Status Io(const std::string& what, const std::string& path) {
  return Status::Unavailable(what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<QueryAuditLog>> QueryAuditLog::Open(const std::string& path) {
  std::string text;
  if (auto read = ReadFileToString(path); read.ok()) {
    text = std::move(*read);
  } else if (read.status().code() != StatusCode::kNotFound) {
    return read.status();
  }
  AuditHead head;
  std::vector<merkle::Hash> leaves;
  merkle::CompactRange range(merkle::HashAlgorithm::kSha256);
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t end = text.find('\n', pos);
    if (end == std::string::npos) break;  // a torn last line: dropped below
    const std::string_view line(text.data() + pos, end - pos);
    const std::string where = path + " line " + std::to_string(head.size + 1);
    auto doc = ParseJson(line);
    if (!doc.ok() || !doc->is_object() || !doc->contains("prev") || !(*doc)["prev"].is_string() ||
        !doc->contains("seq") || (*doc)["seq"] != head.size + 1) {
      return Status::DataLoss(where + ": not an audit line");
    }
    if ((*doc)["prev"].get<std::string>() != crypto::HexEncode(head.hash)) {
      return Status::DataLoss(where +
                              ": does not chain to the line before it (edited, "
                              "removed or reordered lines)");
    }
    head.hash = crypto::Hash(crypto::HashAlgorithm::kSha256, line);
    ++head.size;
    leaves.push_back(merkle::LeafHash(merkle::HashAlgorithm::kSha256, line));
    range.Append(leaves.back());
    pos = end + 1;
  }
  head.tree_root = range.Root();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Io("cannot open", path);
  if (pos < text.size() && ::ftruncate(fd, static_cast<off_t>(pos)) != 0) {
    ::close(fd);
    return Io("cannot drop the torn last line of", path);
  }
  if (::lseek(fd, static_cast<off_t>(pos), SEEK_SET) < 0 || ::fsync(fd) != 0) {
    ::close(fd);
    return Io("cannot prepare", path);
  }
  return std::unique_ptr<QueryAuditLog>(
      new QueryAuditLog(path, fd, head, pos, std::move(leaves), std::move(range)));
}

QueryAuditLog::~QueryAuditLog() { ::close(fd_); }

Result<AuditHead> QueryAuditLog::Append(const QueryRecord& record) {
  MutexLock lock(mu_);
  Json line = {{"seq", head_.size + 1},     {"prev", crypto::HexEncode(head_.hash)},
               {"time", NowTimestamp()},    {"bank", record.bank},
               {"subject", record.subject}, {"purpose", record.purpose},
               {"target", record.target},   {"result", record.result}};
  if (!record.consent.empty()) line["consent"] = record.consent;
  auto text = CanonicalJson(line);
  if (!text.ok()) return text.status();  // not UTF-8: the caller passed raw bytes
  AuditHead next{head_.size + 1, crypto::Hash(crypto::HashAlgorithm::kSha256, *text), {}};
  const merkle::Hash leaf = merkle::LeafHash(merkle::HashAlgorithm::kSha256, *text);
  text->push_back('\n');
  Status written = WriteAll(fd_, *text);
  if (written.ok() && ::fdatasync(fd_) != 0) {
    written = Status::Unavailable(std::string("cannot sync: ") + std::strerror(errno));
  }
  if (!written.ok()) {
    // Cut a failed append off again, so that the next one does not land after a torn line.
    if (::ftruncate(fd_, static_cast<off_t>(end_)) == 0) {
      ::lseek(fd_, static_cast<off_t>(end_), SEEK_SET);
    }
    return written.WithContext("the query audit log");
  }
  leaves_.push_back(leaf);
  range_.Append(leaf);
  next.tree_root = range_.Root();
  head_ = next;
  end_ += text->size();
  return head_;
}

bool AuditLineConcerns(std::string_view text, const std::string& subject) {
  auto doc = ParseJson(text);
  if (!doc.ok() || !doc->is_object() || !doc->contains("subject") ||
      !(*doc)["subject"].is_string()) {
    return false;
  }
  const std::string& subjects = (*doc)["subject"].get_ref<const std::string&>();
  for (size_t from = 0; from <= subjects.size();) {
    const size_t comma = std::min(subjects.find(',', from), subjects.size());
    if (std::string_view(subjects).substr(from, comma - from) == subject) return true;
    from = comma + 1;
  }
  return false;
}

Result<std::vector<AuditLine>> QueryAuditLog::LinesAbout(const std::string& subject,
                                                         uint64_t size) const {
  uint64_t bytes = 0;
  {
    MutexLock lock(mu_);
    bytes = end_;
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path_));
  if (text.size() < bytes) return Status::DataLoss(path_ + " is shorter than what was written");
  std::vector<AuditLine> out;
  uint64_t seq = 0;
  for (size_t pos = 0; pos < bytes && seq < size;) {
    const size_t end = text.find('\n', pos);
    if (end == std::string::npos) break;
    ++seq;
    const std::string_view line(text.data() + pos, end - pos);
    if (AuditLineConcerns(line, subject)) out.push_back({seq, std::string(line)});
    pos = end + 1;
  }
  return out;
}

Result<std::vector<merkle::Hash>> QueryAuditLog::InclusionProof(uint64_t seq, uint64_t size) const {
  MutexLock lock(mu_);
  if (seq == 0 || seq > size || size > leaves_.size()) {
    return Status::InvalidArgument("no line " + std::to_string(seq) + " in the first " +
                                   std::to_string(size) + " lines");
  }
  std::vector<merkle::Hash> proof;
  for (const merkle::LeafRange& r : merkle::InclusionRanges(seq - 1, size)) {
    proof.push_back(merkle::RootFromLeafHashes(
        merkle::HashAlgorithm::kSha256,
        std::span<const merkle::Hash>(leaves_.data() + r.begin, r.end - r.begin)));
  }
  return proof;
}

AuditHead QueryAuditLog::head() const {
  MutexLock lock(mu_);
  return head_;
}

}  // namespace credledger::records
