#include "ledger/records/record_index.h"

#include <algorithm>

#include "crypto/encoding.h"
#include "ledger/format.h"
#include "ledger/records/policy.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

// Key kinds, the byte after 'x'.
constexpr char kRecordKind = 'R';
constexpr char kSubjectKind = 'S';
constexpr char kDocumentKind = 'D';
constexpr char kBusinessKind = 'B';
constexpr char kConfigKind = 'C';
constexpr char kMetaKind = 'M';
constexpr char kEnterpriseKeyKind = 'K';
constexpr char kApplicationKind = 'A';
constexpr char kOwnLeafKind = 'L';       // kOwnStore only
constexpr char kOwnLeafIndexKind = 'H';  // kOwnStore only

std::string KeyOf(char kind) { return std::string{index_keys::kPrefix, kind}; }

// A hash given as 64 lowercase hex digits, as its 32 bytes (the form keys and values hold);
// anything else as it is (it then matches no stored key).
std::string HashBytes(std::string_view hex) {
  auto hash = merkle::HashFromHex(hex);
  if (!hash.ok()) return std::string(hex);
  return std::string(hash->begin(), hash->end());
}

std::string HashHex(std::string_view bytes) {
  return crypto::HexEncode({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

// The fields of an encoded RecordInfo: integers and lengths as LEB128 varints (most are one
// byte: this value is stored once per record), strings after their length.
class Encoder {
 public:
  void U64(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void String(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v) {
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return false;
      const auto byte = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }
  bool Byte(uint8_t* b) {
    if (in_.empty()) return false;
    *b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool String(std::string* s) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size()) return false;
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }
  std::string_view rest() const { return in_; }

 private:
  std::string_view in_;
};

// A document anchor's value (EncodeDocumentAnchor): the first record's index and agency.
// False if damaged.
bool DecodeDocumentAnchor(std::string_view value, uint64_t* index, std::string* agency) {
  Decoder d(value);
  if (!d.U64(index)) return false;
  agency->assign(d.rest());
  return true;
}

constexpr uint8_t kRecordInfoVersion = 4;

// A record type as the indexes store it: a code that never changes meaning, whatever the
// order of the enumerators.
uint8_t TypeCode(RecordType type) {
  switch (type) {
    case RecordType::kLicense:
      return 1;
    case RecordType::kCertificate:
      return 2;
    case RecordType::kPenalty:
      return 3;
    case RecordType::kCreditRepair:
      return 4;
    case RecordType::kStatusChange:
      return 5;
    case RecordType::kEnterpriseKey:
      return 6;
    case RecordType::kRepairApplication:
      return 7;
    case RecordType::kRepairReview:
      return 8;
    case RecordType::kConsent:
      return 9;
    case RecordType::kConsentRevocation:
      return 10;
    case RecordType::kObjection:
      return 11;
    case RecordType::kObjectionAnswer:
      return 12;
    case RecordType::kCommitment:
      return 13;
    case RecordType::kCommitmentCheck:
      return 14;
    case RecordType::kListInclusion:
      return 15;
    case RecordType::kListRemoval:
      return 16;
  }
  return 0;
}

std::optional<RecordType> TypeFromCode(uint8_t code) {
  for (RecordType type : kRecordTypes) {
    if (TypeCode(type) == code) return type;
  }
  return std::nullopt;
}

}  // namespace

RecordStatus StatusAt(const RecordInfo& info, uint64_t tree_size) {
  RecordStatus out;
  for (const RecordInfo::Change& c : info.changes) {
    if (c.index >= tree_size) break;
    out.status = c.status;
    out.repaired = c.repaired;
  }
  return out;
}

namespace index_keys {
std::string Record(uint64_t index) {
  std::string key = KeyOf(kRecordKind);
  format::PutBigEndian64(&key, index);
  return key;
}
std::string SubjectPrefix(std::string_view subject) {
  std::string key = KeyOf(kSubjectKind);
  key.append(subject);
  key.push_back('\0');  // subjects are printable: the end of one is not a prefix of another
  return key;
}
std::string Subject(std::string_view subject, uint64_t index) {
  std::string key = SubjectPrefix(subject);
  format::PutBigEndian64(&key, index);
  return key;
}
std::string DocumentAnchor(std::string_view document_hash) {
  return KeyOf(kDocumentKind) + HashBytes(document_hash);
}
std::string Document(std::string_view document_hash, uint64_t index) {
  std::string key = DocumentAnchor(document_hash) + '\0';
  format::PutBigEndian64(&key, index);
  return key;
}
std::string Business(std::string_view business_key) {
  return KeyOf(kBusinessKind) + std::string(business_key);
}
std::string ConfigPrefix() { return KeyOf(kConfigKind); }
std::string Config(uint64_t index) {
  std::string key = ConfigPrefix();
  format::PutBigEndian64(&key, index);
  return key;
}
std::string EnterpriseKey(std::string_view key_id) {
  return KeyOf(kEnterpriseKeyKind) + HashBytes(key_id);
}
std::string ApplicationPrefix() { return KeyOf(kApplicationKind); }
std::string Application(uint64_t index) {
  std::string key = ApplicationPrefix();
  format::PutBigEndian64(&key, index);
  return key;
}
std::string AuditAnchor() { return KeyOf(kMetaKind) + "audit_anchored"; }
std::string AuditAnchorEntry() { return KeyOf(kMetaKind) + "audit_anchor_entry"; }
std::string IndexedSize() { return KeyOf(kMetaKind) + "indexed_size"; }
std::string FormatVersion() { return KeyOf(kMetaKind) + "format_version"; }
std::string OwnLeaf(uint64_t index) {
  std::string key = KeyOf(kOwnLeafKind);
  format::PutBigEndian64(&key, index);
  return key;
}
std::string OwnLeafIndex(const merkle::Hash& leaf) {
  return KeyOf(kOwnLeafIndexKind) + std::string(leaf.begin(), leaf.end());
}
}  // namespace index_keys

std::string DescribeIndexKey(std::string_view key) {
  if (key.size() < 2 || key[0] != index_keys::kPrefix) return "(not an index key)";
  const std::string_view rest = key.substr(2);
  // Subject and document keys: <name> 0x00 <u64 index>.
  auto at_index = [&](std::string_view what, bool hash) {
    if (rest.size() < 9) return std::string(what) + " (a damaged key)";
    const std::string_view name = rest.substr(0, rest.size() - 9);
    return std::string(what) + " " + (hash ? HashHex(name) : std::string(name)) + " at index " +
           std::to_string(format::GetBigEndian64(rest.substr(rest.size() - 8)));
  };
  switch (key[1]) {
    case kRecordKind:
      return rest.size() == 8 ? "record at index " + std::to_string(format::GetBigEndian64(rest))
                              : "record (a damaged key)";
    case kSubjectKind:
      return at_index("subject", false);
    case kDocumentKind:
      return rest.size() == 32 ? "document " + HashHex(rest) + " (its first record)"
                               : at_index("document", true);
    case kBusinessKind:
      return "business identifier " + std::string(rest);
    case kConfigKind:
      return rest.size() == 8 ? "config entry " + std::to_string(format::GetBigEndian64(rest))
                              : "config entry (a damaged key)";
    case kMetaKind:
      return "index metadata " + std::string(rest);
    case kEnterpriseKeyKind:
      return rest.size() == 32 ? "enterprise key " + HashHex(rest)
                               : "enterprise key (a damaged key)";
    case kApplicationKind:
      return rest.size() == 8
                 ? "repair application at index " + std::to_string(format::GetBigEndian64(rest))
                 : "repair application (a damaged key)";
    case kOwnLeafKind:
      return rest.size() == 8 ? "leaf of entry " + std::to_string(format::GetBigEndian64(rest))
                              : "leaf (a damaged key)";
    case kOwnLeafIndexKind:
      return rest.size() == 32 ? "index of leaf " + HashHex(rest) : "leaf index (a damaged key)";
    default:
      return "an unknown index key";
  }
}

std::string EncodeBusinessValue(uint64_t index) {
  Encoder e;
  e.U64(index);
  return e.Take();
}

std::string EncodeDocumentAnchor(uint64_t index, std::string_view agency) {
  Encoder e;
  e.U64(index);
  return e.Take() + std::string(agency);
}

std::string EncodeEnterpriseKey(uint64_t index, const crypto::PublicKey& key) {
  Encoder e;
  e.U64(index);
  return e.Take() + std::string(key.spki_der().begin(), key.spki_der().end());
}

std::string EncodeU64(uint64_t v) {
  std::string out;
  format::PutBigEndian64(&out, v);
  return out;
}

Result<uint64_t> DecodeU64(std::string_view bytes) {
  if (bytes.size() != 8) return Status::DataLoss("an index value is not a 64-bit integer");
  return format::GetBigEndian64(bytes);
}

std::string EncodeRecordInfo(const RecordInfo& info) {
  Encoder e;
  e.Byte(kRecordInfoVersion);  // info.index and info.subject are the key's
  e.Byte(TypeCode(info.type));
  e.String(info.agency);
  e.String(HashBytes(info.target));
  e.String(info.status);
  e.Byte(static_cast<uint8_t>((info.reversible_suspension ? 1 : 0) | (info.repaired ? 2 : 0)));
  e.String(info.decision_date);
  e.String(info.severity);
  e.String(info.regime);
  e.U64(info.kinds.size());
  for (const std::string& k : info.kinds) e.String(k);
  e.String(info.display_ended_on);
  e.U64(info.changes.size());
  for (const RecordInfo::Change& c : info.changes) {
    e.U64(c.index);
    e.String(HashBytes(c.record_id));
    e.String(c.status);
    e.Byte(c.repaired ? 1 : 0);
  }
  return e.Take();
}

Result<RecordInfo> DecodeRecordInfo(uint64_t index, std::string_view subject,
                                    std::string_view bytes) {
  const Status bad = Status::DataLoss("a record index value is damaged or of another format");
  Decoder d(bytes);
  RecordInfo info;
  info.index = index;
  info.subject = subject;
  uint8_t version = 0, type = 0, flags = 0;
  if (!d.Byte(&version) || version != kRecordInfoVersion) return bad;
  if (!d.Byte(&type)) return bad;
  auto parsed_type = TypeFromCode(type);
  if (!parsed_type) return bad;
  info.type = *parsed_type;
  std::string target;
  if (!d.String(&info.agency) || !d.String(&target) || !d.String(&info.status) || !d.Byte(&flags) ||
      !d.String(&info.decision_date) || !d.String(&info.severity) || !d.String(&info.regime)) {
    return bad;
  }
  if (!target.empty()) info.target = HashHex(target);
  info.reversible_suspension = (flags & 1) != 0;
  info.repaired = (flags & 2) != 0;
  uint64_t n = 0;
  if (!d.U64(&n) || n > bytes.size()) return bad;
  info.kinds.resize(n);
  for (std::string& k : info.kinds) {
    if (!d.String(&k)) return bad;
  }
  if (!d.String(&info.display_ended_on) || !d.U64(&n) || n > bytes.size()) return bad;
  info.changes.resize(n);
  for (RecordInfo::Change& c : info.changes) {
    std::string id;
    uint8_t repaired = 0;
    if (!d.U64(&c.index) || !d.String(&id) || !d.String(&c.status) || !d.Byte(&repaired)) {
      return bad;
    }
    c.record_id = HashHex(id);
    c.repaired = repaired != 0;
  }
  if (!d.done()) return bad;
  return info;
}

Status StoreSource::Get(std::string_view key, std::string* value) const {
  return store_->Get(key, value);
}

Status StoreSource::Scan(
    std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  return store_->Scan(start, [&](std::string_view key, std::string_view value) {
    return key.starts_with(prefix) && visit(key, value);
  });
}

Result<std::optional<uint64_t>> LogLeaves::Find(const merkle::Hash& leaf) const {
  Result<uint64_t> index = log_->FindLeaf(leaf);
  if (index.status().code() == StatusCode::kNotFound) return std::optional<uint64_t>();
  if (!index.ok()) return index.status();
  return std::optional<uint64_t>(*index);
}

Result<merkle::Hash> LogLeaves::At(uint64_t index) const { return log_->LeafHashAt(index); }

PendingIndex::PendingIndex(Store* store, const LeafIndex* durable_leaves, Durability durability)
    : store_(store), durable_(store), durable_leaves_(durable_leaves), durability_(durability) {}

Result<std::optional<uint64_t>> PendingIndex::Find(const merkle::Hash& leaf) const {
  if (auto it = leaf_indexes_.find(leaf); it != leaf_indexes_.end()) {
    return std::optional<uint64_t>(it->second);
  }
  if (durable_leaves_ != nullptr) return durable_leaves_->Find(leaf);
  std::string value;
  Status s = store_->Get(index_keys::OwnLeafIndex(leaf), &value);
  if (s.code() == StatusCode::kNotFound) return std::optional<uint64_t>();
  if (!s.ok()) return s;
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t index, DecodeU64(value));
  return std::optional<uint64_t>(index);
}

Result<merkle::Hash> PendingIndex::At(uint64_t index) const {
  if (auto it = leaves_.find(index); it != leaves_.end()) return it->second;
  if (durable_leaves_ != nullptr) return durable_leaves_->At(index);
  std::string value;
  Status s = store_->Get(index_keys::OwnLeaf(index), &value);
  if (s.code() == StatusCode::kNotFound) {
    return Status::NotFound("no entry at index " + std::to_string(index));
  }
  if (!s.ok()) return s;
  merkle::Hash leaf;
  if (value.size() != leaf.size()) {
    return Status::DataLoss(DescribeIndexKey(index_keys::OwnLeaf(index)) + " is not a hash");
  }
  std::copy(value.begin(), value.end(), leaf.begin());
  return leaf;
}

void PendingIndex::PutLeaf(uint64_t index, const merkle::Hash& leaf) {
  leaves_[index] = leaf;
  leaf_indexes_[leaf] = index;
}

Status PendingIndex::Get(std::string_view key, std::string* value) const {
  if (auto it = values_.find(key); it != values_.end()) {
    *value = it->second.back().second;
    return Status::Ok();
  }
  return durable_.Get(key, value);
}

Status PendingIndex::Scan(
    std::string_view prefix, std::string_view start,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  // The durable keys merged with the pending ones; a pending value replaces a durable one.
  auto pending = values_.lower_bound(start);
  auto pending_in_range = [&] {
    return pending != values_.end() && std::string_view(pending->first).starts_with(prefix);
  };
  bool more = true;
  Status s = durable_.Scan(prefix, start, [&](std::string_view key, std::string_view value) {
    while (more && pending_in_range() && pending->first < key) {
      more = visit(pending->first, pending->second.back().second);
      ++pending;
    }
    if (!more) return false;
    if (pending_in_range() && pending->first == key) {
      more = visit(pending->first, pending->second.back().second);
      ++pending;
    } else {
      more = visit(key, value);
    }
    return more;
  });
  if (!s.ok()) return s;
  while (more && pending_in_range()) {
    more = visit(pending->first, pending->second.back().second);
    ++pending;
  }
  return Status::Ok();
}

void PendingIndex::Put(uint64_t index, std::string key, std::string value, WriteBatch* block) {
  if (durability_ == Durability::kBlocks && block != nullptr) block->Put(key, value);
  auto [it, inserted] = values_.try_emplace(key);
  it->second.emplace_back(index, std::move(value));
  order_.emplace_back(index, std::move(key));
}

Status PendingIndex::Committed(uint64_t tree_size) {
  if (durability_ == Durability::kBlocks) {
    while (!leaves_.empty() && leaves_.begin()->first < committed_size_) {
      leaf_indexes_.erase(leaves_.begin()->second);
      leaves_.erase(leaves_.begin());
    }
    committed_size_ = tree_size;
  }
  WriteBatch batch;
  if (durability_ == Durability::kOwnStore) {
    while (!leaves_.empty() && leaves_.begin()->first < tree_size) {
      const auto& [index, leaf] = *leaves_.begin();
      batch.Put(index_keys::OwnLeaf(index), std::string(leaf.begin(), leaf.end()));
      batch.Put(index_keys::OwnLeafIndex(leaf), EncodeU64(index));
      leaf_indexes_.erase(leaf);
      leaves_.erase(leaves_.begin());
    }
  }
  while (!order_.empty() && order_.front().first < tree_size) {
    auto it = values_.find(order_.front().second);
    auto& stack = it->second;
    if (durability_ == Durability::kOwnStore) batch.Put(it->first, stack.front().second);
    stack.erase(stack.begin());
    if (stack.empty()) values_.erase(it);
    order_.pop_front();
  }
  if (durability_ == Durability::kOwnStore && !batch.empty()) {
    return store_->Write(batch, /*sync=*/false);
  }
  return Status::Ok();
}

void PendingIndex::RolledBack(uint64_t first_index) {
  while (!leaves_.empty() && std::prev(leaves_.end())->first >= first_index) {
    leaf_indexes_.erase(std::prev(leaves_.end())->second);
    leaves_.erase(std::prev(leaves_.end()));
  }
  while (!order_.empty() && order_.back().first >= first_index) {
    auto it = values_.find(order_.back().second);
    it->second.pop_back();
    if (it->second.empty()) values_.erase(it);
    order_.pop_back();
  }
}

Result<std::optional<RecordInfo>> RecordIndex::FindRecord(std::string_view record_id) const {
  const Result<merkle::Hash> leaf = merkle::HashFromHex(record_id);
  if (!leaf.ok()) return std::optional<RecordInfo>();  // not an id: no record has it
  if (leaves_ == nullptr) return Status::FailedPrecondition("record ids are not translated here");
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<uint64_t> index, leaves_->Find(*leaf));
  if (!index) return std::optional<RecordInfo>();
  return RecordAt(*index);
}

Result<std::optional<RecordInfo>> RecordIndex::RecordAt(uint64_t index) const {
  std::string subject, value;
  Status s = source_->Get(index_keys::Record(index), &subject);
  if (s.code() == StatusCode::kNotFound) return std::optional<RecordInfo>();
  if (!s.ok()) return s;
  s = source_->Get(index_keys::Subject(subject, index), &value);
  if (s.code() == StatusCode::kNotFound) {
    return Status::DataLoss("the record at index " + std::to_string(index) +
                            " is not under its subject in the indexes");
  }
  if (!s.ok()) return s;
  CREDLEDGER_ASSIGN_OR_RETURN(RecordInfo info, DecodeRecordInfo(index, subject, value));
  return std::optional<RecordInfo>(std::move(info));
}

Result<std::string> RecordIndex::IdAt(uint64_t index) const {
  if (leaves_ == nullptr) return Status::FailedPrecondition("record ids are not translated here");
  CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash leaf, leaves_->At(index));
  return crypto::HexEncode(leaf);
}

Result<std::vector<RecordInfo>> RecordIndex::SubjectRecordInfos(
    std::string_view subject, uint64_t after_index, size_t limit,
    std::optional<RecordType> type) const {
  std::vector<RecordInfo> out;
  const std::string prefix = index_keys::SubjectPrefix(subject);
  if (limit == 0 || after_index == UINT64_MAX) return out;
  Status damaged = Status::Ok();
  Status s = source_->Scan(prefix, index_keys::Subject(subject, after_index + 1),
                           [&](std::string_view key, std::string_view value) {
                             if (key.size() != prefix.size() + 8) {
                               damaged = Status::DataLoss("a subject index key is damaged");
                               return false;
                             }
                             Result<RecordInfo> info = DecodeRecordInfo(
                                 format::GetBigEndian64(key.substr(prefix.size())), subject, value);
                             if (!info.ok()) {
                               damaged = info.status();
                               return false;
                             }
                             if (type && info->type != type) return true;
                             out.push_back(std::move(*info));
                             return out.size() < limit;
                           });
  if (!s.ok()) return s;
  if (!damaged.ok()) return damaged;
  return out;
}

Result<std::optional<std::pair<uint64_t, std::string>>> RecordIndex::DocumentAnchor(
    std::string_view hash) const {
  using Anchor = std::optional<std::pair<uint64_t, std::string>>;
  if (!merkle::HashFromHex(hash).ok()) return Anchor();  // not a document hash: no key is its
  std::string value;
  Status s = source_->Get(index_keys::DocumentAnchor(hash), &value);
  if (s.code() == StatusCode::kNotFound) return Anchor();
  if (!s.ok()) return s;
  std::pair<uint64_t, std::string> anchor;
  if (!DecodeDocumentAnchor(value, &anchor.first, &anchor.second)) {
    return Status::DataLoss("a document index value is damaged");
  }
  return Anchor(std::move(anchor));
}

Result<std::vector<std::pair<uint64_t, std::string>>> RecordIndex::DocumentRecords(
    std::string_view hash, uint64_t below_index, size_t limit) const {
  std::vector<std::pair<uint64_t, std::string>> found;
  if (limit == 0 || !merkle::HashFromHex(hash).ok()) return found;
  // The first record's key is the prefix of the later ones' (the hash is 32 bytes).
  const std::string prefix = index_keys::DocumentAnchor(hash);
  Status damaged = Status::Ok();
  Status s = source_->Scan(prefix, prefix, [&](std::string_view key, std::string_view value) {
    uint64_t index = 0;
    std::string agency;
    if (key.size() == prefix.size()) {
      if (!DecodeDocumentAnchor(value, &index, &agency)) {
        damaged = Status::DataLoss("a document index value is damaged");
      }
    } else if (key.size() == prefix.size() + 9 && key[prefix.size()] == '\0') {
      index = format::GetBigEndian64(key.substr(prefix.size() + 1));
      agency = value;
    } else {
      damaged = Status::DataLoss("a document index key is damaged");
    }
    if (!damaged.ok() || index >= below_index) return false;
    found.emplace_back(index, std::move(agency));
    return found.size() < limit;
  });
  if (!s.ok()) return s;
  if (!damaged.ok()) return damaged;
  return found;
}

Result<std::optional<std::string>> RecordIndex::BusinessKeyHolder(std::string_view key) const {
  std::string value;
  Status s = source_->Get(index_keys::Business(key), &value);
  if (s.code() == StatusCode::kNotFound) return std::optional<std::string>();
  if (!s.ok()) return s;
  Decoder d(value);
  uint64_t index = 0;
  if (!d.U64(&index) || !d.done()) {
    return Status::DataLoss("a business identifier index value is damaged");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::string id, IdAt(index));
  return std::optional<std::string>(std::move(id));
}

Result<std::optional<EnterpriseKeyBinding>> RecordIndex::EnterpriseKey(
    std::string_view key_id) const {
  std::string value;
  Status s = source_->Get(index_keys::EnterpriseKey(key_id), &value);
  if (s.code() == StatusCode::kNotFound) return std::optional<EnterpriseKeyBinding>();
  if (!s.ok()) return s;
  Decoder d(value);
  uint64_t index = 0;
  if (!d.U64(&index)) return Status::DataLoss("an enterprise key index value is damaged");
  const std::string_view der = d.rest();
  auto key = crypto::PublicKey::FromDer({reinterpret_cast<const uint8_t*>(der.data()), der.size()});
  if (!key.ok()) return Status::DataLoss("an enterprise key index value holds no key");
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> binding, RecordAt(index));
  if (!binding) return Status::DataLoss("an enterprise key names no record");
  return std::optional<EnterpriseKeyBinding>(EnterpriseKeyBinding{std::move(*binding), *key});
}

Result<std::vector<uint64_t>> RecordIndex::RepairApplications(uint64_t after_index,
                                                              size_t limit) const {
  std::vector<uint64_t> out;
  if (limit == 0 || after_index == UINT64_MAX) return out;
  const std::string prefix = index_keys::ApplicationPrefix();
  Status damaged = Status::Ok();
  CREDLEDGER_RETURN_IF_ERROR(
      source_->Scan(prefix, index_keys::Application(after_index + 1),
                    [&](std::string_view key, std::string_view) {
                      if (key.size() != prefix.size() + 8) {
                        damaged = Status::DataLoss("a repair application index key is damaged");
                        return false;
                      }
                      out.push_back(format::GetBigEndian64(key.substr(prefix.size())));
                      return out.size() < limit;
                    }));
  CREDLEDGER_RETURN_IF_ERROR(damaged);
  return out;
}

Result<std::vector<uint64_t>> RecordIndex::ConfigIndexes(uint64_t below_index) const {
  std::vector<uint64_t> out;
  const std::string prefix = index_keys::ConfigPrefix();
  bool damaged = false;
  Status s = source_->Scan(prefix, prefix, [&](std::string_view key, std::string_view) {
    if (key.size() != prefix.size() + 8) {
      damaged = true;
      return false;
    }
    const uint64_t index = format::GetBigEndian64(key.substr(prefix.size()));
    if (index >= below_index) return false;
    out.push_back(index);
    return true;
  });
  if (!s.ok()) return s;
  if (damaged) return Status::DataLoss("a config index key is damaged");
  return out;
}

Result<std::optional<uint64_t>> RecordIndex::GetU64(const std::string& key) const {
  std::string value;
  Status s = source_->Get(key, &value);
  if (s.code() == StatusCode::kNotFound) return std::optional<uint64_t>();
  if (!s.ok()) return s;
  CREDLEDGER_ASSIGN_OR_RETURN(uint64_t v, DecodeU64(value));
  return std::optional<uint64_t>(v);
}

Result<uint64_t> RecordIndex::AnchoredAuditSize() const {
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<uint64_t> v, GetU64(index_keys::AuditAnchor()));
  return v.value_or(0);
}

Result<std::optional<uint64_t>> RecordIndex::AuditAnchorEntry() const {
  return GetU64(index_keys::AuditAnchorEntry());
}

Result<std::optional<uint64_t>> RecordIndex::IndexedSize() const {
  return GetU64(index_keys::IndexedSize());
}

Result<std::optional<uint64_t>> RecordIndex::FormatVersion() const {
  return GetU64(index_keys::FormatVersion());
}

RecordReader::RecordReader(Store* store, const LeafIndex* leaves,
                           std::shared_ptr<const Registry> registry)
    : source_(store), index_(&source_, leaves), registry_(std::move(registry)) {}

std::shared_ptr<const Registry> RecordReader::registry() const {
  MutexLock lock(mu_);
  return registry_;
}

void RecordReader::SetRegistry(std::shared_ptr<const Registry> registry) {
  MutexLock lock(mu_);
  registry_ = std::move(registry);
}

Result<std::optional<RecordInfo>> RecordReader::FindRecord(std::string_view record_id,
                                                           uint64_t tree_size) const {
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> info, index_.FindRecord(record_id));
  if (info && info->index >= tree_size) info.reset();
  return info;
}

Result<std::vector<std::string>> RecordReader::RecordsByDocument(std::string_view hash,
                                                                 uint64_t below_index,
                                                                 size_t limit) const {
  CREDLEDGER_ASSIGN_OR_RETURN(auto records, index_.DocumentRecords(hash, below_index, limit));
  std::vector<std::string> ids;
  ids.reserve(records.size());
  for (const auto& [index, agency] : records) {
    Result<std::string> id = index_.IdAt(index);
    if (id.status().code() == StatusCode::kNotFound) break;  // durable, beyond the reader's head
    if (!id.ok()) return id.status();
    ids.push_back(std::move(*id));
  }
  return ids;
}

Status RecordReader::MayErase(std::string_view hash, const std::string& agency_id) const {
  CREDLEDGER_ASSIGN_OR_RETURN(auto records, index_.DocumentRecords(hash));
  if (records.empty()) return Status::NotFound("no record carries document " + std::string(hash));
  for (const auto& [index, agency] : records) {
    if (agency == agency_id) return Status::Ok();
  }
  return Status::PermissionDenied("document " + std::string(hash) + " was not issued by agency \"" +
                                  agency_id + "\"");
}

Result<DisplayState> RecordReader::PenaltyDisplay(std::string_view record_id,
                                                  std::string_view date) const {
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> info, index_.FindRecord(record_id));
  if (!info) return Status::NotFound("no record " + std::string(record_id));
  return PenaltyDisplayOf(*info, *registry(), date);
}

Result<DisplayState> PenaltyDisplayOf(const RecordInfo& r, const Registry& registry,
                                      std::string_view date) {
  if (!Traits(r.type).display_rules) {
    return Status::InvalidArgument("the record is not one on public display (a penalty)");
  }
  if (CheckDate(Json(std::string(date)), "date").code() != StatusCode::kOk) {
    return Status::InvalidArgument("date must be YYYY-MM-DD");
  }
  const DisplayRules* rules = registry.RulesFor(r.regime, UINT64_MAX);
  if (rules == nullptr) return Status::InvalidArgument("no display rules for regime " + r.regime);
  const TierRule& tier = rules->tiers.at(r.severity);
  DisplayState s;
  s.from = r.decision_date;
  s.until = AddMonths(r.decision_date, tier.max_months);
  if (!tier.displayed) {
    s.reason = r.severity + " penalties are not displayed under the " + r.regime + " rules";
  } else if (date < s.from) {
    s.reason = "before the decision date";
  } else if (!r.display_ended_on.empty() && date >= r.display_ended_on) {
    s.reason = r.repaired ? "credit repaired on " + r.display_ended_on
                          : "withdrawn on " + r.display_ended_on;
  } else if (date >= s.until) {
    s.reason = "the display period ended on " + s.until;
  } else {
    s.displayed = true;
    s.reason = "within the display period";
  }
  return s;
}

}  // namespace credledger::records
