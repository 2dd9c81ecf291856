#include "ledger/records/profile.h"

#include <map>

#include "crypto/encoding.h"
#include "ledger/records/bundle.h"
#include "ledger/records/entry.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

// One listed record, as read from the indexes.
struct Listed {
  uint64_t index = 0;
  RecordType type = RecordType::kLicense;
  std::string status;  // StatusName as of the checkpoint
  std::optional<DisplayState> display;
  std::string target;
};

}  // namespace

Result<std::string> MakeCreditProfile(const LogReader& log, const SharedRecordPolicy& policy,
                                      const ProfileRequest& request, uint64_t tree_size,
                                      std::string_view checkpoint_note,
                                      const crypto::PrivateKey& node_key) {
  const std::string date = request.generated_at.substr(0, 10);
  bool truncated = false;
  const RecordReader& reader = policy.reader();
  const std::shared_ptr<const Registry> registry = reader.registry();
  auto list = [&]() -> Result<std::vector<Listed>> {
    std::vector<Listed> out;
    // In pages: an enterprise may have far more records than a profile lists, and each is
    // looked at once, never copied out whole.
    constexpr size_t kPage = 256;
    uint64_t cursor = 0;
    bool more = true;
    while (more && !truncated) {
      CREDLEDGER_ASSIGN_OR_RETURN(
          const std::vector<RecordInfo> page,
          reader.index().SubjectRecordInfos(request.subject, cursor, kPage));
      more = page.size() == kPage;
      if (!page.empty()) cursor = page.back().index;
      for (const RecordInfo& info : page) {
        if (info.index >= tree_size) {
          more = false;
          break;
        }
        const RecordTypeTraits& traits = Traits(info.type);
        Listed item{info.index, info.type, StatusName(StatusAt(info, tree_size)), std::nullopt,
                    info.target};
        if (traits.display_rules) {
          auto display = PenaltyDisplayOf(info, *registry, date);
          if (display.ok()) item.display = *display;
        }
        bool shown = false;
        switch (traits.profile_view) {
          case ProfileView::kNotListed:
            break;
          case ProfileView::kEveryone:
            shown = true;
            break;
          case ProfileView::kWhileDisplayed:
            shown = request.bank || (item.display && item.display->displayed);
            break;
          case ProfileView::kBanksOnly:
            shown = request.bank;
            break;
          case ProfileView::kWhileValid:
            shown = request.bank || item.status == "valid";
            break;
        }
        if (!shown) continue;
        if (out.size() == request.max_records) {
          truncated = true;
          break;
        }
        out.push_back(std::move(item));
      }
    }
    return out;
  };
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<Listed> listed, list());

  Json profile = {{"type", kCreditProfileType},
                  {"schema_version", 1},
                  {"subject", request.subject},
                  {"audience", request.bank ? "bank" : "public"},
                  {"generated_at", request.generated_at},
                  {"origin", log.params().origin},
                  {"tree_hash", std::string(crypto::HashAlgorithmName(log.params().tree_hash))},
                  {"tree_size", tree_size},
                  {"checkpoint", checkpoint_note},
                  {"truncated", truncated}};
  if (request.bank) {
    profile["bank"] = request.bank_id;
    profile["purpose"] = request.purpose;
  }
  // The sections are written as text: each entry goes in as the RFC 8785 bytes the log
  // stores, neither parsed (except a validity window's dates) nor written again, and the
  // signed object is written once (at 10M entries, parsing and writing each entry twice was a
  // fifth of a profile's time).
  std::map<std::string, std::string> sections;  // name -> "[" item, ...
  for (RecordType type : kRecordTypes) {
    if (const char* section = Traits(type).profile_section) sections[section] = "[";
  }
  // Each listed record's item, read and proven independently of the others (in parallel when
  // the request says how), then placed in its section in log order.
  auto item_text = [&](const Listed& r) -> Result<std::string> {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string text, log.GetEntry(r.index));
    // Its id is its leaf, which GetEntry has just checked the bytes against (the tile is held).
    CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash leaf, log.LeafHashAt(r.index));
    CREDLEDGER_ASSIGN_OR_RETURN(auto proof, log.InclusionProof(r.index, tree_size));
    Json item = {{"record_id", crypto::HexEncode(leaf)},
                 {"index", r.index},
                 {"status", r.status},
                 {"inclusion", merkle::HashesToHex(proof)}};
    if (Traits(r.type).validity_window) {
      CREDLEDGER_ASSIGN_OR_RETURN(Json entry, ParseJson(text));
      const ValidityWindow window = WindowOf(entry.at("body"));
      item["status"] = StatusOn(r.status, window, date);
      item["in_force"] = item["status"] == "valid";
      item["status_on_log"] = r.status;
    }
    if (r.display) {
      item["display"] = {{"displayed", r.display->displayed},
                         {"reason", r.display->reason},
                         {"from", r.display->from},
                         {"until", r.display->until}};
    }
    if (!r.target.empty()) item["target"] = r.target;
    CREDLEDGER_ASSIGN_OR_RETURN(std::vector<JsonMember> members, CanonicalMembers(item));
    members.push_back({"entry", std::move(text)});  // stored entries are RFC 8785 text
    return CanonicalObject(std::move(members));
  };
  std::vector<Result<std::string>> items(listed.size(), Status::Internal("not made"));
  auto make = [&](size_t i) {
    // Off the request's thread nothing may throw: an item that would fails the profile.
    try {
      items[i] = item_text(listed[i]);
    } catch (const std::exception& e) {
      items[i] = Status::Internal(e.what());
    }
  };
  if (request.parallel_for) {
    request.parallel_for(listed.size(), make);
  } else {
    for (size_t i = 0; i < listed.size(); ++i) make(i);
  }
  for (size_t i = 0; i < listed.size(); ++i) {
    if (!items[i].ok()) return items[i].status();
    std::string& section = sections.at(Traits(listed[i].type).profile_section);
    if (section.size() > 1) section.push_back(',');
    section += *items[i];
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<JsonMember> members, CanonicalMembers(profile));
  for (auto& [name, text] : sections) members.push_back({name, std::move(text) + "]"});
  return SignObjectMembers(std::move(members), node_key);
}

Result<size_t> VerifyCreditProfile(std::string_view text, const NoteVerifier& verifier,
                                   const crypto::PublicKey* signer) {
  const crypto::PublicKey& signed_by = signer != nullptr ? *signer : verifier.public_key();
  CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(text));
  if (!doc.is_object() || doc.value("type", Json()) != kCreditProfileType) {
    return Status::InvalidArgument("not a credit profile (\"type\": \"credit_profile\")");
  }
  // The members, with a list for each record type a profile lists (record_type.h).
  std::vector<std::string_view> members = {
      "type",      "schema_version", "subject",    "audience",  "generated_at", "origin",
      "tree_hash", "tree_size",      "checkpoint", "truncated", "key_id",       "signature"};
  std::vector<const char*> sections;
  for (RecordType type : kRecordTypes) {
    if (const char* section = Traits(type).profile_section) sections.push_back(section);
  }
  members.insert(members.end(), sections.begin(), sections.end());
  const std::string_view optional[] = {"bank", "purpose"};
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(doc, "", members, optional));
  if (At(doc, "key_id") != signed_by.KeyId()) {
    return Status::Unauthenticated(
        signer != nullptr ? "/key_id: the profile is not signed by the given signer's key"
                          : "/key_id: the profile is not signed by this node's key (a "
                            "follower's profile names its own signer)");
  }
  CREDLEDGER_RETURN_IF_ERROR(VerifyObjectSignature(doc, signed_by));
  if (!At(doc, "checkpoint").is_string()) return Violation("/checkpoint", "must be a string");
  CREDLEDGER_ASSIGN_OR_RETURN(
      Checkpoint cp,
      VerifyCheckpoint(At(doc, "checkpoint").get<std::string>(), verifier, verifier.name()));
  if (At(doc, "tree_size") != cp.tree_size) {
    return Status::InvalidArgument("/tree_size: not the checkpoint's");
  }
  if (!At(doc, "tree_hash").is_string()) return Violation("/tree_hash", "must be a string");
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(At(doc, "tree_hash").get<std::string>()));
  size_t count = 0;
  for (const char* section : sections) {
    const Json& items = At(doc, section);
    if (!items.is_array())
      return Violation(JsonPointer(std::string("/") + section), "must be an array");
    for (size_t i = 0; i < items.size(); ++i) {
      const Json& item = items[i];
      const std::string where = std::string("/") + section + "/" + std::to_string(i);
      if (!item.is_object() || !item.contains("entry") || !item.contains("index") ||
          !item.contains("inclusion") || !item.at("index").is_number_integer() ||
          !item.at("inclusion").is_array()) {
        return Status::InvalidArgument(where + ": needs entry, index and inclusion");
      }
      CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, CanonicalJson(item.at("entry")));
      std::vector<merkle::Hash> proof;
      for (const Json& h : item.at("inclusion")) {
        auto hash = h.is_string() ? merkle::HashFromHex(h.get_ref<const std::string&>())
                                  : Result<merkle::Hash>(Status::InvalidArgument("not a string"));
        if (!hash.ok()) {
          return Status::InvalidArgument(where + "/inclusion: hashes are 64 lowercase hex");
        }
        proof.push_back(*hash);
      }
      const merkle::Hash leaf = merkle::LeafHash(alg, entry);
      if (item.value("record_id", "") != crypto::HexEncode(leaf)) {
        return Status::Unauthenticated(where + ": the record id is not its entry's hash");
      }
      Status s = merkle::VerifyInclusion(alg, item.at("index").get<uint64_t>(), cp.tree_size, leaf,
                                         proof, cp.root);
      if (!s.ok()) return Status::Unauthenticated(where + ": " + s.message());
      ++count;
    }
  }
  return count;
}

}  // namespace credledger::records
