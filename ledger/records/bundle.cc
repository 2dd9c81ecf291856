#include "ledger/records/bundle.h"

#include <algorithm>
#include <functional>
#include <set>

#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

// What the bundle of one record holds, read from the policy under its lock.
struct BundlePlan {
  uint64_t record_index = 0;
  std::string status;
  std::vector<uint64_t> registry;  // genesis and config entries
  std::vector<uint64_t> history;   // entries deciding the record's status
};

// At most this many related entries in one bundle (a record with a longer history is not
// bundled: NotFound would be wrong, so the error says why).
constexpr size_t kMaxRelated = 1024;

// The entries that the admission of the record at `record_index` reads, and those that decide
// their state, transitively, below `tree_size`: its target, the application a credit repair
// decides, the enterprise_key record binding an enterprise's key, and the changes of each (and
// of the record). Without them a verifier could not re-admit the record under the log's rules.
// `entry_at(index)` is the parsed entry. Records the index does not hold are skipped (a
// verifier's index holds only what its bundle carries; its admission then fails on them).
Result<std::set<uint64_t>> RelatedEntries(const RecordIndex& index, uint64_t record_index,
                                          uint64_t tree_size,
                                          const std::function<Result<Json>(uint64_t)>& entry_at) {
  std::set<uint64_t> seen = {record_index};
  std::vector<uint64_t> work = {record_index};
  auto add = [&](uint64_t i) {
    if (i < tree_size && seen.insert(i).second) work.push_back(i);
  };
  auto add_record = [&](const std::string& id) -> Status {
    CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> r, index.FindRecord(id));
    if (r) add(r->index);
    return Status::Ok();
  };
  while (!work.empty()) {
    if (seen.size() > kMaxRelated + 1) {
      return Status::ResourceExhausted("the record's history holds more than " +
                                       std::to_string(kMaxRelated) + " related entries");
    }
    const uint64_t i = work.back();
    work.pop_back();
    CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> info, index.RecordAt(i));
    if (!info) continue;
    for (const RecordInfo::Change& c : info->changes) add(c.index);
    if (!info->target.empty()) CREDLEDGER_RETURN_IF_ERROR(add_record(info->target));
    CREDLEDGER_ASSIGN_OR_RETURN(Json entry, entry_at(i));
    const Json& body = entry.at("body");
    if (Traits(info->type).target_change == TargetChange::kCreditRepair &&
        body.contains("application")) {
      CREDLEDGER_RETURN_IF_ERROR(add_record(body.at("application").get<std::string>()));
    }
    if (Traits(info->type).signer == Signer::kEnterprise) {
      CREDLEDGER_ASSIGN_OR_RETURN(std::optional<EnterpriseKeyBinding> binding,
                                  index.EnterpriseKey(entry.at("key_id").get<std::string>()));
      if (binding) add(binding->record.index);
    }
  }
  seen.erase(record_index);
  return seen;
}

Result<BundlePlan> PlanBundle(const LogReader& log, const RecordReader& reader,
                              const std::string& record_id, uint64_t tree_size) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> record,
                              reader.FindRecord(record_id, tree_size));
  if (!record) {
    return Status::NotFound("no record " + record_id + " in tree size " +
                            std::to_string(tree_size));
  }
  BundlePlan plan;
  plan.record_index = record->index;
  plan.status = StatusName(StatusAt(*record, tree_size));
  plan.registry.push_back(0);
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<uint64_t> configs,
                              reader.index().ConfigIndexes(tree_size));
  plan.registry.insert(plan.registry.end(), configs.begin(), configs.end());
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::set<uint64_t> related,
      RelatedEntries(reader.index(), record->index, tree_size, [&](uint64_t i) -> Result<Json> {
        CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, log.GetEntry(i));
        return ParseJson(entry);
      }));
  plan.history.assign(related.begin(), related.end());
  return plan;
}

// ---- Reading a bundle ----

struct BundleItem {
  uint64_t index = 0;
  std::string entry;
  std::vector<merkle::Hash> inclusion;
};

struct ParsedBundle {
  std::string checkpoint;
  BundleItem record;
  merkle::Hash leaf_hash{};
  std::string status;
  std::string block_header;
  std::vector<merkle::Hash> block_consistency;
  std::vector<BundleItem> registry;
  std::vector<BundleItem> history;
};

Status Bad(const JsonPointer& pointer, std::string_view rule) { return Violation(pointer, rule); }

Result<std::vector<merkle::Hash>> ParseHashes(const Json& v, const JsonPointer& pointer) {
  if (!v.is_array() || v.size() > 64) return Bad(pointer, "must be an array of at most 64 hashes");
  std::vector<merkle::Hash> out;
  for (size_t i = 0; i < v.size(); ++i) {
    auto h = v[i].is_string() ? merkle::HashFromHex(v[i].get_ref<const std::string&>())
                              : Result<merkle::Hash>(Status::InvalidArgument("not a string"));
    if (!h.ok()) return Bad(Child(pointer, i), "must be 64 lowercase hex digits");
    out.push_back(*h);
  }
  return out;
}

Result<uint64_t> ParseIndex(const Json& v, const JsonPointer& pointer) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    return Bad(pointer, "must be an integer >= 0");
  return static_cast<uint64_t>(v.get<int64_t>());
}

Result<std::string> ParseString(const Json& v, const JsonPointer& pointer) {
  if (!v.is_string() || v.get_ref<const std::string&>().empty()) {
    return Bad(pointer, "must be a non-empty string");
  }
  return v.get<std::string>();
}

Result<BundleItem> ParseItem(const Json& v, const JsonPointer& pointer,
                             std::initializer_list<std::string_view> extra = {}) {
  std::vector<std::string_view> required = {"index", "entry", "inclusion"};
  required.insert(required.end(), extra.begin(), extra.end());
  if (!v.is_object()) return Bad(pointer, "must be an object");
  for (const auto& [name, value] : v.items()) {
    if (std::find(required.begin(), required.end(), name) == required.end()) {
      return Bad(Child(pointer, name), "unknown member");
    }
  }
  for (std::string_view name : required) {
    if (!Has(v, name)) return Bad(Child(pointer, name), "is required");
  }
  BundleItem item;
  CREDLEDGER_ASSIGN_OR_RETURN(item.index, ParseIndex(At(v, "index"), Child(pointer, "index")));
  CREDLEDGER_ASSIGN_OR_RETURN(item.entry, ParseString(At(v, "entry"), Child(pointer, "entry")));
  CREDLEDGER_ASSIGN_OR_RETURN(item.inclusion,
                              ParseHashes(At(v, "inclusion"), Child(pointer, "inclusion")));
  return item;
}

Result<std::vector<BundleItem>> ParseItems(const Json& v, const JsonPointer& pointer) {
  if (!v.is_array()) return Bad(pointer, "must be an array");
  std::vector<BundleItem> out;
  for (size_t i = 0; i < v.size(); ++i) {
    CREDLEDGER_ASSIGN_OR_RETURN(BundleItem item, ParseItem(v[i], Child(pointer, i)));
    if (!out.empty() && item.index <= out.back().index) {
      return Bad(Child(Child(pointer, i), "index"), "indexes must increase");
    }
    out.push_back(std::move(item));
  }
  return out;
}

Result<ParsedBundle> ParseBundle(std::string_view text) {
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(text));
  const JsonPointer root("");
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(doc, root, {"format", "checkpoint", "record", "block", "registry", "history"}));
  if (At(doc, "format") != kProofBundleFormat) {
    return Bad("/format", "must be \"" + std::string(kProofBundleFormat) + "\"");
  }
  ParsedBundle b;
  CREDLEDGER_ASSIGN_OR_RETURN(b.checkpoint, ParseString(At(doc, "checkpoint"), "/checkpoint"));
  const JsonPointer record("/record");
  CREDLEDGER_ASSIGN_OR_RETURN(b.record,
                              ParseItem(At(doc, "record"), record, {"leaf_hash", "status"}));
  const Json& leaf = At(At(doc, "record"), "leaf_hash");
  auto leaf_hash = leaf.is_string() ? merkle::HashFromHex(leaf.get_ref<const std::string&>())
                                    : Result<merkle::Hash>(Status::InvalidArgument("not a string"));
  if (!leaf_hash.ok()) return Bad(Child(record, "leaf_hash"), "must be 64 lowercase hex digits");
  b.leaf_hash = *leaf_hash;
  CREDLEDGER_ASSIGN_OR_RETURN(
      b.status, ParseString(At(At(doc, "record"), "status"), Child(record, "status")));
  const Json& block = At(doc, "block");
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(block, "/block", {"header", "consistency"}));
  CREDLEDGER_ASSIGN_OR_RETURN(b.block_header, ParseString(At(block, "header"), "/block/header"));
  CREDLEDGER_ASSIGN_OR_RETURN(b.block_consistency,
                              ParseHashes(At(block, "consistency"), "/block/consistency"));
  CREDLEDGER_ASSIGN_OR_RETURN(b.registry, ParseItems(At(doc, "registry"), "/registry"));
  if (b.registry.empty() || b.registry[0].index != 0) {
    return Bad("/registry", "must start with the genesis, entry 0");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(b.history, ParseItems(At(doc, "history"), "/history"));
  for (const BundleItem& h : b.history) {
    if (h.index == b.record.index) return Bad("/history", "must not repeat the record");
  }
  return b;
}

// The record's validity window on `date` (YYYY-MM-DD): its effective status and whether it
// is in force.
struct Window {
  std::string status;
  bool in_force = false;
  std::string detail;
};

Window CheckWindow(const BundleVerdict& v, std::string_view date) {
  Window w;
  w.status = StatusOn(v.status_on_log, {v.valid_from, v.valid_until}, date);
  if (v.type && Traits(*v.type).target_change == TargetChange::kRepairApplication) {
    // An application stands in every state of its case; its status says which.
    w.in_force = true;
    w.detail = "a repair application, " + v.status_on_log + " as of tree size " +
               std::to_string(v.tree_size);
    return w;
  }
  if (v.status_on_log != "valid") {
    w.detail =
        "the record is " + v.status_on_log + " as of tree size " + std::to_string(v.tree_size);
    return w;
  }
  if (w.status == "not_yet_valid") {
    w.detail = "valid from " + v.valid_from + ", checked on " + std::string(date);
    return w;
  }
  if (w.status == "expired") {
    w.detail = "valid until " + v.valid_until + ", checked on " + std::string(date);
    return w;
  }
  w.in_force = true;
  if (v.type && Traits(*v.type).validity_window) {
    w.detail = "valid from " + v.valid_from + " " +
               (v.valid_until.empty() ? "with no end (long-term)" : "until " + v.valid_until) +
               ", checked on " + std::string(date);
  } else if (v.display) {
    w.detail = std::string(v.display->displayed ? "on public display" : "not on public display") +
               " on " + std::string(date) + ": " + v.display->reason;
  } else {
    w.detail = "in force since it was recorded";
  }
  return w;
}

// Runs the checks in order; the first failure ends the run (later checks stay skipped).
class Checker {
 public:
  explicit Checker(BundleVerdict* verdict) : verdict_(verdict) {
    for (const char* name :
         {"format", "checkpoint", "genesis", "registry", "record", "inclusion", "block",
          "signature", "authority", "history", "status", "validity", "document", "cosignatures"}) {
      verdict_->checks.push_back({name, BundleCheck::Result::kSkipped, ""});
    }
  }
  BundleCheck& Get(std::string_view name) {
    for (BundleCheck& c : verdict_->checks) {
      if (c.name == name) return c;
    }
    return verdict_->checks.front();  // unreachable: names are fixed above
  }
  void Pass(std::string_view name, std::string detail) {
    BundleCheck& c = Get(name);
    c.result = BundleCheck::Result::kPass;
    c.detail = std::move(detail);
  }
  // Returns false, for `return checker.Fail(...)` chains.
  bool Fail(std::string_view name, std::string detail) {
    BundleCheck& c = Get(name);
    c.result = BundleCheck::Result::kFail;
    c.detail = std::move(detail);
    return false;
  }

 private:
  BundleVerdict* verdict_;
};

std::string IncludedAt(uint64_t index, uint64_t size) {
  return "entry " + std::to_string(index) + " is in the tree of size " + std::to_string(size);
}

// The "cosignatures" check: at least `quorum` of `witnesses` cosigned the checkpoint `note`.
bool CheckCosignatures(std::string_view note,
                       const std::vector<witness::CosignatureVerifier>& witnesses, size_t quorum,
                       Checker* check) {
  if (witnesses.empty()) {
    check->Get("cosignatures").detail = "no witness policy given";
    return true;
  }
  const witness::CosignatureTally cosigned = witness::TallyCosignatures(note, witnesses);
  auto joined = [](const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (const std::string& p : parts) out += (out.empty() ? "" : std::string(separator)) + p;
    return out;
  };
  const size_t count = cosigned.cosigned.size();
  const std::string signers = joined(cosigned.cosigned, ", ");
  const std::string missing = joined(cosigned.missing, "; ");
  const std::string tally =
      std::to_string(count) + " of the " + std::to_string(witnesses.size()) + " witnesses given";
  if (count < quorum) {
    return check->Fail("cosignatures", "cosigned by " + tally + ", " + std::to_string(quorum) +
                                           " required (" + missing + ")");
  }
  check->Pass("cosignatures", "cosigned by " + tally + " (" + signers + "), " +
                                  std::to_string(quorum) + " required");
  return true;
}

// The "signature" and "authority" checks of a record an enterprise signed: the bundle's
// history carries the enterprise_key record binding its key to the enterprise, and the
// signature verifies under that key.
bool CheckEnterpriseSignature(const ValidatedEntry& e, const ParsedBundle& b, Checker* check) {
  for (const BundleItem& h : b.history) {
    if (h.index >= b.record.index) continue;
    auto binding = ValidateEntry(h.entry);
    if (!binding.ok() || !Traits(binding->type).binds_enterprise_key) continue;
    const Json& body = binding->document.at("body");
    if (body.at("key_id") != e.key_id) continue;
    if (binding->document.at("subject").value("uscc", "") != e.enterprise) {
      return check->Fail("signature", "key " + e.key_id.substr(0, 16) + "… is bound to " +
                                          binding->document.at("subject").value("uscc", "") +
                                          " (entry " + std::to_string(h.index) + "), not to " +
                                          e.enterprise);
    }
    auto key = ParsePublicKey(body.at("key"), "/body/key");
    if (!key.ok()) return check->Fail("signature", key.status().message());
    if (Status s = VerifyEntrySignature(e, *key); !s.ok()) {
      return check->Fail("signature", s.message());
    }
    check->Pass("signature", std::string(crypto::KeyAlgorithmName(key->algorithm())) + " key " +
                                 e.key_id.substr(0, 16) + "… of enterprise " + e.enterprise +
                                 ", bound by entry " + std::to_string(h.index));
    check->Pass("authority", "enterprise " + e.enterprise + " signs its own record with a key " +
                                 "agency \"" + binding->agency + "\" bound to it at entry " +
                                 std::to_string(h.index) + " (that binding in force at entry " +
                                 std::to_string(b.record.index) + ": checked with the history)");
    return true;
  }
  return check->Fail("signature", "the bundle carries no enterprise_key record binding key " +
                                      e.key_id + " to " + e.enterprise);
}

// The checks up to "status"; false once one fails.
bool RunChecks(std::string_view text, const NoteVerifier& verifier, const VerifyOptions& options,
               BundleVerdict* v, Checker* check, std::shared_ptr<RecordPolicy>* policy_out) {
  VerificationCache* verified = options.verified;
  auto parsed = ParseBundle(text);
  if (!parsed.ok()) return check->Fail("format", parsed.status().message());
  ParsedBundle& b = *parsed;
  check->Pass("format", std::string(kProofBundleFormat));

  auto cp = verified ? verified->CheckpointOf(b.checkpoint, verifier)
                     : VerifyCheckpoint(b.checkpoint, verifier, verifier.name());
  if (!cp.ok()) return check->Fail("checkpoint", cp.status().message());
  v->origin = cp->origin;
  v->tree_size = cp->tree_size;
  const uint64_t size = cp->tree_size;
  check->Pass("checkpoint",
              "signed by " + verifier.name() + " for tree size " + std::to_string(size));
  if (!CheckCosignatures(b.checkpoint, options.witnesses, options.witness_quorum, check)) {
    return false;
  }

  auto policy_or = verified ? verified->PolicyFromGenesis(b.registry[0].entry)
                            : RecordPolicy::FromGenesis(b.registry[0].entry);
  if (!policy_or.ok()) return check->Fail("genesis", policy_or.status().message());
  std::shared_ptr<RecordPolicy> policy = std::move(*policy_or);
  const crypto::HashAlgorithm alg = policy->tree_hash();
  auto included = [&](const BundleItem& item) {
    return merkle::VerifyInclusion(alg, item.index, size, merkle::LeafHash(alg, item.entry),
                                   item.inclusion, cp->root);
  };
  if (Status s = included(b.registry[0]); !s.ok()) {
    return check->Fail("genesis", "entry 0: " + s.message());
  }
  if (policy->registry().node_key().spki_der() != verifier.public_key().spki_der()) {
    return check->Fail("genesis", "the genesis names another node key than the verifier key");
  }
  if (policy->registry().origin() != cp->origin) {
    return check->Fail("genesis", "the genesis names origin \"" + policy->registry().origin() +
                                      "\", the checkpoint \"" + cp->origin + "\"");
  }
  check->Pass("genesis", IncludedAt(0, size) + " and names the verifier's node key");

  for (size_t i = 1; i < b.registry.size(); ++i) {
    const BundleItem& c = b.registry[i];
    if (Status s = included(c); !s.ok()) {
      return check->Fail("registry", "entry " + std::to_string(c.index) + ": " + s.message());
    }
    auto doc = ParseJson(c.entry);
    if (!doc.ok() || !doc->is_object() || doc->value("type", Json()) != "config") {
      return check->Fail("registry", "entry " + std::to_string(c.index) + " is not a config entry");
    }
    Status s = policy->Admit(c.entry, merkle::LeafHash(alg, c.entry), c.index, nullptr, nullptr);
    if (!s.ok())
      return check->Fail("registry", "entry " + std::to_string(c.index) + ": " + s.ToString());
  }
  check->Pass("registry", "genesis and " + std::to_string(b.registry.size() - 1) +
                              " config entries, each included and signed by the admins");

  bool canonical = false;
  auto doc = ParseJson(b.record.entry, &canonical);
  if (!doc.ok()) return check->Fail("record", doc.status().message());
  if (!canonical) return check->Fail("record", "the entry is not in RFC 8785 canonical form");
  auto e = ValidateCanonicalEntry(std::move(*doc), b.record.entry);
  if (!e.ok()) return check->Fail("record", e.status().message());
  const Json& body = e->document.at("body");
  v->entry = e->document;
  v->type = e->type;
  v->agency = e->agency;
  v->index = b.record.index;
  const ValidityWindow window = WindowOf(body);
  v->valid_from = window.from;
  v->valid_until = window.until;
  check->Pass("record", "a valid " + v->type_name() + " entry of " +
                            (e->enterprise.empty() ? "agency \"" + e->agency + "\""
                                                   : "enterprise " + e->enterprise));

  const merkle::Hash leaf = merkle::LeafHash(alg, b.record.entry);
  if (leaf != b.leaf_hash) {
    return check->Fail("inclusion", "the entry hashes to " + crypto::HexEncode(leaf) +
                                        ", not the leaf hash the bundle states");
  }
  v->record_id = crypto::HexEncode(leaf);
  if (Status s = included(b.record); !s.ok()) return check->Fail("inclusion", s.message());
  check->Pass("inclusion", IncludedAt(b.record.index, size));

  auto header = ParseBlockHeader(b.block_header);
  if (!header.ok()) return check->Fail("block", header.status().message());
  if (header->ToJson() != b.block_header) {
    return check->Fail("block", "the header is not in its canonical form");
  }
  if (Status s = verified ? verified->BlockSignature(*header, b.block_header, verifier.public_key())
                          : header->VerifySignature(verifier.public_key());
      !s.ok()) {
    return check->Fail("block", "block " + std::to_string(header->height) + ": " + s.message());
  }
  if (header->origin != cp->origin || b.record.index < header->first_index ||
      b.record.index - header->first_index >= header->entry_count ||
      header->first_index + header->entry_count != header->tree_size) {
    return check->Fail("block", "block " + std::to_string(header->height) +
                                    " does not hold entry " + std::to_string(b.record.index));
  }
  if (header->tree_size > size) {
    return check->Fail("block",
                       "block " + std::to_string(header->height) + " is beyond the checkpoint");
  }
  if (Status s = merkle::VerifyConsistency(alg, header->tree_size, size, header->root, cp->root,
                                           b.block_consistency);
      !s.ok()) {
    return check->Fail("block", "block " + std::to_string(header->height) +
                                    " is not a prefix of the checkpoint's tree: " + s.message());
  }
  v->anchored_at = header->timestamp;
  check->Pass("block", "block " + std::to_string(header->height) + " of " + header->timestamp +
                           ", signed by the node, consistent with the checkpoint");

  if (Traits(e->type).signer == Signer::kEnterprise) {
    // The key is on the log: the bundle carries the enterprise_key record that bound it, which
    // is admitted (its agency's signature and permission, its status at the record's index)
    // with the history below.
    if (!CheckEnterpriseSignature(*e, b, check)) return false;
  } else {
    const crypto::PublicKey* key = policy->registry().FindKey(e->agency, e->key_id);
    if (key == nullptr) {
      return check->Fail(
          "signature", "agency \"" + e->agency + "\" has no key " + e->key_id + " in the registry");
    }
    if (Status s = VerifyEntrySignature(*e, *key); !s.ok()) {
      return check->Fail("signature", s.message());
    }
    check->Pass("signature", std::string(crypto::KeyAlgorithmName(key->algorithm())) + " key " +
                                 e->key_id.substr(0, 16) + "… of agency \"" + e->agency + "\"");

    if (Status s = policy->registry().Authorize(*e, b.record.index,
                                                Registry::SignatureCheck::kAlreadyVerified);
        !s.ok()) {
      return check->Fail("authority", s.message());
    }
    const Agency& agency = policy->registry().agencies().at(e->agency);
    v->agency_name = agency.name;
    check->Pass("authority", "\"" + agency.name + "\" (" + agency.uscc + ") held that key and " +
                                 "may issue " + v->type_name() + " records at entry " +
                                 std::to_string(b.record.index));
  }

  // The record and the entries that decide its status, admitted in log order under the rules
  // the node applied: each is checked whole, the record's signature only once.
  const CheckedEntry record_checks(leaf, std::move(*e));
  std::vector<const BundleItem*> order;
  for (const BundleItem& h : b.history) order.push_back(&h);
  order.push_back(&b.record);
  std::sort(order.begin(), order.end(),
            [](const BundleItem* x, const BundleItem* y) { return x->index < y->index; });
  for (const BundleItem* item : order) {
    if (item != &b.record) {
      if (Status s = included(*item); !s.ok()) {
        return check->Fail("history", "entry " + std::to_string(item->index) + ": " + s.message());
      }
    }
    Status s = policy->Admit(item->entry, merkle::LeafHash(alg, item->entry), item->index,
                             item == &b.record ? &record_checks : nullptr, nullptr);
    if (!s.ok()) {
      return check->Fail("history", "entry " + std::to_string(item->index) + ": " + s.ToString());
    }
  }
  policy->Committed(size);
  // The policy's memory store, which cannot fail, holds what was admitted.
  const RecordIndex& admitted = policy->pending();
  auto find = [&](const std::string& id) {
    auto found = admitted.FindRecord(id);
    return found.ok() ? *found : std::nullopt;
  };
  const RecordInfo info = *find(v->record_id);
  if (info.agency != v->agency) v->agency = info.agency;  // an enterprise's: its addressee
  // Every entry carried is one the record's admission reads or one that decides the state of
  // those: what the node would bundle.
  auto related = RelatedEntries(admitted, info.index, size, [&](uint64_t i) -> Result<Json> {
    for (const BundleItem* item : order) {
      if (item->index == i) return ParseJson(item->entry);
    }
    return Status::NotFound("entry " + std::to_string(i) + " is not in the bundle");
  });
  if (!related.ok()) return check->Fail("history", related.status().message());
  for (const BundleItem& h : b.history) {
    if (!related->count(h.index)) {
      return check->Fail("history", "entry " + std::to_string(h.index) +
                                        " is neither this record's target, key binding or "
                                        "application, nor a change of one of them");
    }
  }
  check->Pass("history", std::to_string(b.history.size()) +
                             " related entries, each included and admitted under the log's rules");

  v->status_on_log = StatusName(StatusAt(info, size));
  if (v->status_on_log != b.status) {
    return check->Fail("status", "the bundle states \"" + b.status + "\"; its entries give \"" +
                                     v->status_on_log + "\"");
  }
  if (!info.target.empty()) {
    v->target_id = info.target;
    v->target_status = StatusName(StatusAt(*find(info.target), size));
  }
  check->Pass("status", v->status_on_log + " as of tree size " + std::to_string(size));
  *policy_out = std::move(policy);
  return true;
}

}  // namespace

ValidityWindow WindowOf(const Json& body) {
  ValidityWindow w;
  auto date = [&](const char* member) {
    return body.contains(member) && body.at(member).is_string() ? body.at(member).get<std::string>()
                                                                : std::string();
  };
  w.from = date("valid_from");
  w.until = date("valid_until");
  const std::string expiry = date("purpose_expiry");
  if (!expiry.empty() && (w.until.empty() || expiry < w.until)) w.until = expiry;
  return w;
}

std::string StatusOn(const std::string& status_on_log, const ValidityWindow& window,
                     std::string_view date) {
  if (status_on_log != "valid") return status_on_log;
  if (!window.from.empty() && date < window.from) return "not_yet_valid";
  if (!window.until.empty() && date > window.until) return "expired";
  return status_on_log;
}

Result<Checkpoint> VerificationCache::CheckpointOf(std::string_view note,
                                                   const NoteVerifier& verifier) {
  const crypto::Digest key = crypto::HashParts(
      crypto::HashAlgorithm::kSha256,
      {crypto::AsBytes("note\n"), verifier.public_key().spki_der(), crypto::AsBytes(note)});
  {
    MutexLock lock(mu_);
    if (auto it = notes_.find(key); it != notes_.end()) {
      if (it->second.origin == verifier.name()) return it->second;
    }
  }
  CREDLEDGER_ASSIGN_OR_RETURN(Checkpoint cp, VerifyCheckpoint(note, verifier, verifier.name()));
  MutexLock lock(mu_);
  if (notes_.size() >= capacity_) notes_.clear();
  notes_.emplace(key, cp);
  return cp;
}

Status VerificationCache::BlockSignature(const BlockHeader& header, std::string_view header_text,
                                         const crypto::PublicKey& key) {
  const crypto::Digest digest =
      crypto::HashParts(crypto::HashAlgorithm::kSha256,
                        {crypto::AsBytes("block\n"), key.spki_der(), crypto::AsBytes(header_text)});
  {
    MutexLock lock(mu_);
    if (blocks_.count(digest)) return Status::Ok();
  }
  // The text must be the header's own (canonical) form, so the digest names what was checked.
  if (header.ToJson() != header_text) return Status::InvalidArgument("not the header's text");
  CREDLEDGER_RETURN_IF_ERROR(header.VerifySignature(key));
  MutexLock lock(mu_);
  if (blocks_.size() >= capacity_) blocks_.clear();
  blocks_.insert(digest);
  return Status::Ok();
}

Result<std::shared_ptr<RecordPolicy>> VerificationCache::PolicyFromGenesis(
    std::string_view genesis) {
  const crypto::Digest key = crypto::Hash(crypto::HashAlgorithm::kSha256, genesis);
  {
    MutexLock lock(mu_);
    if (auto it = geneses_.find(key); it != geneses_.end()) {
      return RecordPolicy::FromRegistry(*it->second);
    }
  }
  auto registry = Registry::FromGenesis(genesis);
  if (!registry.ok()) return registry.status().WithContext("entry 0 (genesis)");
  auto parsed = std::make_shared<const Registry>(std::move(*registry));
  {
    MutexLock lock(mu_);
    if (geneses_.size() >= capacity_) geneses_.clear();
    geneses_.emplace(key, parsed);
  }
  return RecordPolicy::FromRegistry(*parsed);
}

std::string StatusName(const RecordStatus& status) {
  // A repair changes what a valid penalty shows; a later withdrawal (terminal) says more.
  return status.repaired && status.status == "valid" ? "repaired" : status.status;
}

Result<std::string> MakeProofBundle(const LogReader& log, const SharedRecordPolicy& policy,
                                    const std::string& record_id, uint64_t tree_size,
                                    std::string_view checkpoint_note) {
  CREDLEDGER_ASSIGN_OR_RETURN(BundlePlan plan,
                              PlanBundle(log, policy.reader(), record_id, tree_size));
  auto item = [&](uint64_t index) -> Result<Json> {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, log.GetEntry(index));
    CREDLEDGER_ASSIGN_OR_RETURN(auto proof, log.InclusionProof(index, tree_size));
    return Json{{"index", index},
                {"entry", std::move(entry)},
                {"inclusion", Json(merkle::HashesToHex(proof))}};
  };
  CREDLEDGER_ASSIGN_OR_RETURN(Json record, item(plan.record_index));
  CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash leaf, log.LeafHashAt(plan.record_index));
  record["leaf_hash"] = crypto::HexEncode(leaf);
  record["status"] = plan.status;
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader block, log.BlockOfEntry(plan.record_index));
  CREDLEDGER_ASSIGN_OR_RETURN(auto consistency, log.ConsistencyProof(block.tree_size, tree_size));
  Json registry = Json::array(), history = Json::array();
  for (uint64_t i : plan.registry) {
    CREDLEDGER_ASSIGN_OR_RETURN(Json j, item(i));
    registry.push_back(std::move(j));
  }
  for (uint64_t i : plan.history) {
    CREDLEDGER_ASSIGN_OR_RETURN(Json j, item(i));
    history.push_back(std::move(j));
  }
  Json bundle = {
      {"format", kProofBundleFormat},
      {"checkpoint", checkpoint_note},
      {"record", std::move(record)},
      {"block",
       {{"header", block.ToJson()}, {"consistency", Json(merkle::HashesToHex(consistency))}}},
      {"registry", std::move(registry)},
      {"history", std::move(history)}};
  return CanonicalJson(bundle);
}

BundleVerdict VerifyProofBundle(std::string_view bundle, const NoteVerifier& verifier,
                                const VerifyOptions& options) {
  BundleVerdict v;
  Checker check(&v);
  v.checked_at = options.checked_at.empty() ? NowTimestamp() : options.checked_at;
  if (!CheckTimestamp(Json(v.checked_at), "checked_at").ok()) {
    check.Fail("format", "checked_at must be an RFC 3339 UTC time, YYYY-MM-DDTHH:MM:SSZ");
    return v;
  }
  std::shared_ptr<RecordPolicy> policy;
  if (!RunChecks(bundle, verifier, options, &v, &check, &policy)) return v;
  v.authentic = true;

  const std::string date = v.checked_at.substr(0, 10);
  if (v.type && Traits(*v.type).display_rules) {
    auto display = policy->reader().PenaltyDisplay(v.record_id, date);
    if (display.ok()) v.display = *display;
  }
  const Window window = CheckWindow(v, date);
  v.status = window.status;
  if (window.in_force) {
    check.Pass("validity", window.detail);
  } else {
    check.Fail("validity", window.detail);
  }

  if (options.document) {
    const char* member = Traits(*v.type).document_member;
    const std::string want =
        member == nullptr ? std::string() : v.entry.at("body").at(member).get<std::string>();
    const std::string got = crypto::HexEncode(crypto::Hash(policy->tree_hash(), *options.document));
    if (want.empty()) {
      check.Fail("document", "a " + v.type_name() + " record carries no document hash");
      v.authentic = false;
    } else if (got != want) {
      check.Fail("document", "the document hashes to " + got + "; the record carries " + want);
      v.authentic = false;
    } else {
      check.Pass("document", "the document hashes to the record's " + want);
    }
  } else {
    check.Get("document").detail = "no document given";
  }
  v.in_force = v.authentic && window.in_force;
  return v;
}

const BundleCheck* BundleVerdict::FirstFailure() const {
  for (const BundleCheck& c : checks) {
    if (c.result == BundleCheck::Result::kFail) return &c;
  }
  return nullptr;
}

Json BundleVerdict::ToJson() const {
  Json checks_json = Json::array();
  for (const BundleCheck& c : checks) {
    const char* result = c.result == BundleCheck::Result::kPass   ? "pass"
                         : c.result == BundleCheck::Result::kFail ? "fail"
                                                                  : "skipped";
    checks_json.push_back({{"check", c.name}, {"result", result}, {"detail", c.detail}});
  }
  Json out = {{"authentic", authentic},
              {"in_force", in_force},
              {"checked_at", checked_at},
              {"checks", std::move(checks_json)}};
  if (tree_size != 0) out["checkpoint"] = {{"origin", origin}, {"tree_size", tree_size}};
  if (!record_id.empty()) {
    Json record = {{"record_id", record_id},
                   {"index", index},
                   {"type", type_name()},
                   {"agency", agency},
                   {"entry", entry}};
    if (!agency_name.empty()) record["agency_name"] = agency_name;
    if (!anchored_at.empty()) record["anchored_at"] = anchored_at;
    if (!status_on_log.empty()) record["status_on_log"] = status_on_log;
    if (!status.empty()) record["status"] = status;
    if (!valid_from.empty()) record["valid_from"] = valid_from;
    if (type && Traits(*type).validity_window) {
      record["valid_until"] = valid_until.empty() ? Json(nullptr) : Json(valid_until);
    }
    if (display) {
      record["display"] = {{"displayed", display->displayed},
                           {"reason", display->reason},
                           {"from", display->from},
                           {"until", display->until}};
    }
    if (!target_id.empty()) {
      record["target"] = {{"record_id", target_id}, {"status_on_log", target_status}};
    }
    out["record"] = std::move(record);
  }
  return out;
}

}  // namespace credledger::records
