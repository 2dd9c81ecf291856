#include "ledger/records/registry.h"

#include "crypto/encoding.h"
#include "ledger/block.h"
#include "ledger/records/calendar.h"
#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

constexpr size_t kMaxKeys = 16;
constexpr size_t kMaxAdmins = 32;
constexpr size_t kMaxAgencies = 10000;

bool ValidAgencyId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

Result<std::set<RecordType>> ParseTypes(const Json& v, const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(v, p, 1, std::size(kRecordTypes)));
  std::set<RecordType> types;
  for (size_t i = 0; i < v.size(); ++i) {
    auto t = v[i].is_string() ? ParseRecordType(v[i].get<std::string>())
                              : Result<RecordType>(Status::InvalidArgument(""));
    if (!t.ok() || Traits(*t).signer != Signer::kAgency) {
      return Violation(Child(p, i), "must be one of the types an agency signs: " +
                                        RecordTypeNames(Signer::kAgency));
    }
    if (!types.insert(*t).second) return Violation(Child(p, i), "is listed twice");
  }
  return types;
}

Result<Agency> ParseAgency(const Json& v, const JsonPointer& p, uint64_t index) {
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(v, p, {"id", "name", "uscc", "keys", "types"}, {"historical_codes"}));
  Agency a;
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(v, "id"), Child(p, "id"), 64));
  a.id = At(v, "id").get<std::string>();
  if (!ValidAgencyId(a.id)) return Violation(Child(p, "id"), "must be 1-64 of a-z 0-9 - _ .");
  CREDLEDGER_RETURN_IF_ERROR(CheckText(At(v, "name"), Child(p, "name"), 200));
  a.name = At(v, "name").get<std::string>();
  CREDLEDGER_RETURN_IF_ERROR(CheckUscc(At(v, "uscc"), Child(p, "uscc")));
  a.uscc = At(v, "uscc").get<std::string>();
  const Json& keys = At(v, "keys");
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(keys, Child(p, "keys"), 1, kMaxKeys));
  for (size_t i = 0; i < keys.size(); ++i) {
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey key,
                                ParsePublicKey(keys[i], Child(Child(p, "keys"), i)));
    std::string id = key.KeyId();
    if (!a.keys.emplace(id, RegisteredKey{std::move(key), index, std::nullopt}).second) {
      return Violation(Child(Child(p, "keys"), i), "is listed twice");
    }
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::set<RecordType> types,
                              ParseTypes(At(v, "types"), Child(p, "types")));
  a.types.Set(index, std::move(types));
  bool historical = false;
  if (v.contains("historical_codes")) {
    CREDLEDGER_RETURN_IF_ERROR(CheckBool(At(v, "historical_codes"), Child(p, "historical_codes")));
    historical = At(v, "historical_codes").get<bool>();
  }
  a.historical_codes.Set(index, historical);
  a.suspended.Set(index, false);
  a.delegates.Set(index, {});
  return a;
}

// {"<regime>": {"minor"|"general"|"serious": {"displayed", "min_months", "max_months"},
//               "non_repairable_kinds": [...]}, ...}
Result<std::map<std::string, DisplayRules>> ParseDisplayRules(const Json& v, const JsonPointer& p) {
  if (!v.is_object() || v.empty()) return Violation(p, "must be an object of one or more regimes");
  std::map<std::string, DisplayRules> out;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const JsonPointer rp = Child(p, it.key());
    const Json& r = it.value();
    CREDLEDGER_RETURN_IF_ERROR(
        CheckObject(r, rp, {"minor", "general", "serious", "non_repairable_kinds"}));
    DisplayRules rules;
    for (const char* tier : {"minor", "general", "serious"}) {
      const JsonPointer tp = Child(rp, tier);
      const Json& t = At(r, tier);
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(t, tp, {"displayed", "min_months", "max_months"}));
      CREDLEDGER_RETURN_IF_ERROR(CheckBool(At(t, "displayed"), Child(tp, "displayed")));
      for (const char* m : {"min_months", "max_months"}) {
        const Json& months = At(t, m);
        if (!months.is_number_integer() || months.get<int64_t>() < 0 ||
            months.get<int64_t>() > 1200) {
          return Violation(Child(tp, m), "must be an integer number of months, 0-1200");
        }
      }
      TierRule rule{At(t, "displayed").get<bool>(), At(t, "min_months").get<int>(),
                    At(t, "max_months").get<int>()};
      if (rule.min_months > rule.max_months) {
        return Violation(Child(tp, "min_months"), "must not exceed max_months");
      }
      rules.tiers[tier] = rule;
    }
    const Json& kinds = At(r, "non_repairable_kinds");
    CREDLEDGER_RETURN_IF_ERROR(CheckArray(kinds, Child(rp, "non_repairable_kinds"), 0, 16));
    for (size_t i = 0; i < kinds.size(); ++i) {
      CREDLEDGER_RETURN_IF_ERROR(
          CheckText(kinds[i], Child(Child(rp, "non_repairable_kinds"), i), 64));
      rules.non_repairable_kinds.insert(kinds[i].get<std::string>());
    }
    out[it.key()] = std::move(rules);
  }
  return out;
}

Status UnknownAgency(const std::string& id) {
  return Status::FailedPrecondition("/params/agency_id: no agency \"" + id + "\"");
}

}  // namespace

bool IsDomainGenesis(std::string_view genesis) {
  auto doc = ParseJson(genesis);
  return doc.ok() && doc->is_object() && doc->contains("admins");
}

Result<Registry> Registry::FromGenesis(std::string_view genesis_entry) {
  try {
    CREDLEDGER_ASSIGN_OR_RETURN(Json g, ParseJson(genesis_entry));
    CREDLEDGER_RETURN_IF_ERROR(
        CheckObject(g, "",
                    {"type", "schema_version", "origin", "tree_hash", "created_at", "node_key",
                     "admins", "agencies", "display_rules"},
                    {"calendar", "deadlines", "consent_required"}));
    if (At(g, "type") != "genesis") return Violation("/type", "must be \"genesis\"");
    if (At(g, "schema_version") != 1) return Violation("/schema_version", "must be 1");
    CREDLEDGER_RETURN_IF_ERROR(CheckText(At(g, "origin"), "/origin", 200));
    CREDLEDGER_RETURN_IF_ERROR(CheckEnum(At(g, "tree_hash"), "/tree_hash", {"sha256", "sm3"}));
    CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(g, "created_at"), "/created_at"));
    const Json& node_key = At(g, "node_key");
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(node_key, "/node_key", {"alg", "key_id", "spki"}));
    Json node_key_only = {{"alg", At(node_key, "alg")}, {"spki", At(node_key, "spki")}};
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey node, ParsePublicKey(node_key_only, "/node_key"));
    if (At(node_key, "key_id") != node.KeyId()) {
      return Violation("/node_key/key_id", "does not match /node_key/spki");
    }
    Registry r;
    r.origin_ = At(g, "origin").get<std::string>();
    r.tree_hash_ = At(g, "tree_hash").get<std::string>();
    r.node_key_id_ = node.KeyId();
    r.node_key_ = node;
    const Json& admins = At(g, "admins");
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(admins, "/admins", {"threshold", "keys"}));
    const Json& admin_keys = At(admins, "keys");
    CREDLEDGER_RETURN_IF_ERROR(CheckArray(admin_keys, "/admins/keys", 1, kMaxAdmins));
    for (size_t i = 0; i < admin_keys.size(); ++i) {
      CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey key,
                                  ParsePublicKey(admin_keys[i], Child("/admins/keys", i)));
      std::string id = key.KeyId();
      if (!r.admins_.emplace(id, std::move(key)).second) {
        return Violation(Child("/admins/keys", i), "is listed twice");
      }
    }
    const Json& threshold = At(admins, "threshold");
    if (!threshold.is_number_integer() || threshold.get<int64_t>() < 1 ||
        threshold.get<int64_t>() > static_cast<int64_t>(r.admins_.size())) {
      return Violation("/admins/threshold",
                       "must be an integer from 1 to the number of admin keys");
    }
    r.admin_threshold_ = static_cast<size_t>(threshold.get<int64_t>());
    CREDLEDGER_ASSIGN_OR_RETURN(auto rules,
                                ParseDisplayRules(At(g, "display_rules"), "/display_rules"));
    r.display_rules_.Set(0, std::move(rules));
    // A genesis made before the working-day clock: weekends only, every deadline provisional.
    WorkingCalendar calendar;
    if (Has(g, "calendar")) {
      CREDLEDGER_ASSIGN_OR_RETURN(calendar, ParseCalendar(At(g, "calendar"), "/calendar"));
    }
    r.calendar_.Set(0, std::move(calendar));
    CREDLEDGER_ASSIGN_OR_RETURN(
        Deadlines deadlines,
        ParseDeadlines(Has(g, "deadlines") ? At(g, "deadlines") : DefaultDeadlines(),
                       "/deadlines"));
    r.deadlines_.Set(0, std::move(deadlines));
    bool consent_required = false;
    if (Has(g, "consent_required")) {
      CREDLEDGER_RETURN_IF_ERROR(CheckBool(At(g, "consent_required"), "/consent_required"));
      consent_required = At(g, "consent_required").get<bool>();
    }
    r.consent_required_.Set(0, consent_required);
    const Json& agencies = At(g, "agencies");
    CREDLEDGER_RETURN_IF_ERROR(CheckArray(agencies, "/agencies", 0, kMaxAgencies));
    for (size_t i = 0; i < agencies.size(); ++i) {
      CREDLEDGER_ASSIGN_OR_RETURN(Agency a, ParseAgency(agencies[i], Child("/agencies", i), 0));
      std::string id = a.id;
      if (!r.agencies_.emplace(id, std::move(a)).second) {
        return Violation(Child(Child("/agencies", i), "id"), "is listed twice");
      }
    }
    return r;
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("genesis validation: ") + e.what());
  }
}

Status Registry::ApplyConfig(std::string_view entry, uint64_t index) {
  if (index <= last_applied_) {
    return Status::FailedPrecondition("config entries must be applied in log order");
  }
  try {
    CREDLEDGER_ASSIGN_OR_RETURN(Json c, ParseJson(entry));
    CREDLEDGER_RETURN_IF_ERROR(CheckObject(
        c, "", {"type", "schema_version", "issued_at", "action", "params", "signatures"}));
    if (At(c, "type") != "config") return Violation("/type", "must be \"config\"");
    if (At(c, "schema_version") != 1) return Violation("/schema_version", "must be 1");
    CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(At(c, "issued_at"), "/issued_at"));
    CREDLEDGER_RETURN_IF_ERROR(CheckEnum(
        At(c, "action"), "/action",
        {"add_agency", "suspend_agency", "reinstate_agency", "add_key", "revoke_key", "rotate_key",
         "set_types", "set_historical_codes", "set_display_rules", "delegate", "revoke_delegation",
         "extend_calendar", "set_deadlines", "set_consent_required"}));

    // M-of-N: every signature must be by a distinct admin and verify; at least M of them.
    const Json& sigs = At(c, "signatures");
    CREDLEDGER_RETURN_IF_ERROR(CheckArray(sigs, "/signatures", 1, kMaxAdmins));
    Json unsigned_c = c;
    unsigned_c.erase("signatures");
    CREDLEDGER_ASSIGN_OR_RETURN(std::string signed_bytes, CanonicalJson(unsigned_c));
    std::set<std::string> signers;
    const JsonPointer signatures_pointer = "/signatures";  // outlives each child made below
    for (size_t i = 0; i < sigs.size(); ++i) {
      const JsonPointer p = Child(signatures_pointer, i);
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(sigs[i], p, {"key_id", "signature"}));
      CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(sigs[i], "key_id"), Child(p, "key_id")));
      std::string key_id = At(sigs[i], "key_id").get<std::string>();
      auto admin = admins_.find(key_id);
      if (admin == admins_.end()) {
        return Status::Unauthenticated(Child(p, "key_id").str() + ": not an admin key");
      }
      if (!signers.insert(key_id).second) {
        return Status::Unauthenticated(Child(p, "key_id").str() + ": the same admin signed twice");
      }
      CREDLEDGER_RETURN_IF_ERROR(CheckText(At(sigs[i], "signature"), Child(p, "signature"), 0));
      auto sig = crypto::Base64Decode(At(sigs[i], "signature").get<std::string>());
      if (!sig.ok() || !admin->second.Verify(signed_bytes, *sig).ok()) {
        return Status::Unauthenticated(Child(p, "signature").str() + ": does not verify");
      }
    }
    if (signers.size() < admin_threshold_) {
      return Status::Unauthenticated("/signatures: " + std::to_string(signers.size()) +
                                     " admin signatures, " + std::to_string(admin_threshold_) +
                                     " required");
    }

    const std::string action = At(c, "action").get<std::string>();
    const Json& params = At(c, "params");
    if (action == "add_agency") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"agency"}));
      CREDLEDGER_ASSIGN_OR_RETURN(Agency a,
                                  ParseAgency(At(params, "agency"), "/params/agency", index));
      if (agencies_.count(a.id)) {
        return Status::FailedPrecondition("/params/agency/id: agency \"" + a.id + "\" exists");
      }
      std::string id = a.id;
      agencies_.emplace(id, std::move(a));
      last_applied_ = index;
      return Status::Ok();
    }
    if (action == "set_display_rules") {
      // Adds or replaces regimes; penalties keep the regime they were decided under.
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"display_rules"}));
      CREDLEDGER_ASSIGN_OR_RETURN(
          auto rules, ParseDisplayRules(At(params, "display_rules"), "/params/display_rules"));
      auto merged = display_rules_.Latest();
      for (auto& [regime, r] : rules) merged[regime] = std::move(r);
      display_rules_.Set(index, std::move(merged));
      last_applied_ = index;
      return Status::Ok();
    }
    if (action == "extend_calendar") {
      CREDLEDGER_ASSIGN_OR_RETURN(WorkingCalendar calendar,
                                  ExtendCalendar(calendar_.Latest(), params, "/params"));
      calendar_.Set(index, std::move(calendar));
      last_applied_ = index;
      return Status::Ok();
    }
    if (action == "set_consent_required") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"required"}));
      CREDLEDGER_RETURN_IF_ERROR(CheckBool(At(params, "required"), "/params/required"));
      consent_required_.Set(index, At(params, "required").get<bool>());
      last_applied_ = index;
      return Status::Ok();
    }
    if (action == "set_deadlines") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"deadlines"}));
      CREDLEDGER_ASSIGN_OR_RETURN(Deadlines deadlines,
                                  ParseDeadlines(At(params, "deadlines"), "/params/deadlines"));
      deadlines_.Set(index, std::move(deadlines));
      last_applied_ = index;
      return Status::Ok();
    }
    // Every other action names an existing agency.
    const Json* agency_id =
        params.is_object() && params.contains("agency_id") ? &At(params, "agency_id") : nullptr;
    if (agency_id == nullptr || !agency_id->is_string()) {
      return Violation("/params/agency_id", "is required (a string)");
    }
    auto it = agencies_.find(agency_id->get<std::string>());
    if (it == agencies_.end()) return UnknownAgency(agency_id->get<std::string>());
    Agency& a = it->second;
    if (action == "suspend_agency" || action == "reinstate_agency") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"agency_id"}));
      a.suspended.Set(index, action == "suspend_agency");
    } else if (action == "add_key" || action == "rotate_key") {
      CREDLEDGER_RETURN_IF_ERROR(
          action == "add_key" ? CheckObject(params, "/params", {"agency_id", "key"})
                              : CheckObject(params, "/params", {"agency_id", "old_key_id", "key"}));
      CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey key,
                                  ParsePublicKey(At(params, "key"), "/params/key"));
      std::string id = key.KeyId();
      if (a.keys.count(id)) return Status::FailedPrecondition("/params/key: already registered");
      if (action == "rotate_key") {
        CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(params, "old_key_id"), "/params/old_key_id"));
        auto old = a.keys.find(At(params, "old_key_id").get<std::string>());
        if (old == a.keys.end() || old->second.revoked_at) {
          return Status::FailedPrecondition("/params/old_key_id: not a current key of the agency");
        }
        old->second.revoked_at = index + 1;  // entries after this one may not use it
      }
      a.keys.emplace(id, RegisteredKey{std::move(key), index, std::nullopt});
    } else if (action == "revoke_key") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"agency_id", "key_id"}));
      CREDLEDGER_RETURN_IF_ERROR(CheckHash(At(params, "key_id"), "/params/key_id"));
      auto key = a.keys.find(At(params, "key_id").get<std::string>());
      if (key == a.keys.end() || key->second.revoked_at) {
        return Status::FailedPrecondition("/params/key_id: not a current key of the agency");
      }
      key->second.revoked_at = index + 1;
    } else if (action == "set_types") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"agency_id", "types"}));
      CREDLEDGER_ASSIGN_OR_RETURN(auto types, ParseTypes(At(params, "types"), "/params/types"));
      a.types.Set(index, std::move(types));
    } else if (action == "delegate" || action == "revoke_delegation") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"agency_id", "to"}));
      CREDLEDGER_RETURN_IF_ERROR(CheckText(At(params, "to"), "/params/to", 64));
      const std::string to = At(params, "to").get<std::string>();
      if (!agencies_.count(to) || to == a.id) {
        return Status::FailedPrecondition("/params/to: must be another registered agency");
      }
      std::set<std::string> delegates = a.delegates.Latest();
      const bool changed =
          action == "delegate" ? delegates.insert(to).second : delegates.erase(to) > 0;
      if (!changed) {
        return Status::FailedPrecondition(action == "delegate" ? "/params/to: already delegated"
                                                               : "/params/to: not delegated");
      }
      a.delegates.Set(index, std::move(delegates));
    } else if (action == "set_historical_codes") {
      CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, "/params", {"agency_id", "allowed"}));
      CREDLEDGER_RETURN_IF_ERROR(CheckBool(At(params, "allowed"), "/params/allowed"));
      a.historical_codes.Set(index, At(params, "allowed").get<bool>());
    }
    last_applied_ = index;
    return Status::Ok();
  } catch (const Json::exception& e) {
    return Status::Internal(std::string("config validation: ") + e.what());
  }
}

const crypto::PublicKey* Registry::FindAdminKey(const std::string& key_id) const {
  auto it = admins_.find(key_id);
  return it == admins_.end() ? nullptr : &it->second;
}

const crypto::PublicKey* Registry::FindKey(const std::string& agency,
                                           const std::string& key_id) const {
  auto a = agencies_.find(agency);
  if (a == agencies_.end()) return nullptr;
  auto key = a->second.keys.find(key_id);
  return key == a->second.keys.end() ? nullptr : &key->second.key;
}

Result<const crypto::PublicKey*> Registry::KeyAt(const std::string& agency,
                                                 const std::string& key_id, uint64_t index) const {
  auto it = agencies_.find(agency);
  if (it == agencies_.end()) {
    return Status::Unauthenticated("/agency: no agency \"" + agency + "\" is registered");
  }
  auto key = it->second.keys.find(key_id);
  if (key == it->second.keys.end()) {
    return Status::Unauthenticated("/key_id: not a key of agency \"" + agency + "\"");
  }
  if (!key->second.ValidAt(index)) {
    return Status::Unauthenticated("/key_id: key of agency \"" + agency +
                                   "\" is not valid at index " + std::to_string(index) +
                                   (key->second.revoked_at ? " (revoked)" : " (not yet added)"));
  }
  return &key->second.key;
}

Status Registry::Authorize(const ValidatedEntry& entry, uint64_t index,
                           SignatureCheck check) const {
  CREDLEDGER_ASSIGN_OR_RETURN(const crypto::PublicKey* key,
                              KeyAt(entry.agency, entry.key_id, index));
  if (check == SignatureCheck::kVerify) {
    CREDLEDGER_RETURN_IF_ERROR(VerifyEntrySignature(entry, *key));
  }
  const Agency& a = agencies_.at(entry.agency);
  if (a.suspended.AsOf(index)) {
    return Status::PermissionDenied("/agency: agency \"" + a.id + "\" is suspended");
  }
  if (!a.types.AsOf(index).count(entry.type)) {
    return Status::PermissionDenied("/type: agency \"" + a.id + "\" may not issue " +
                                    std::string(RecordTypeName(entry.type)) + " records");
  }
  if (entry.uses_historical_code && !a.historical_codes.AsOf(index)) {
    return Status::PermissionDenied("/subject/historical_code: agency \"" + a.id +
                                    "\" may not import historical pilot codes");
  }
  return Status::Ok();
}

bool Registry::ActsFor(const std::string& actor, const std::string& owner, uint64_t index) const {
  if (actor == owner) return true;
  auto it = agencies_.find(owner);
  return it != agencies_.end() && it->second.delegates.AsOf(index).count(actor) > 0;
}

const DisplayRules* Registry::RulesFor(const std::string& regime, uint64_t index) const {
  const auto& rules = display_rules_.AsOf(index);
  auto it = rules.find(regime);
  return it == rules.end() ? nullptr : &it->second;
}

Json DefaultDisplayRules() {
  return {{"2026",
           {{"minor", {{"displayed", false}, {"min_months", 0}, {"max_months", 3}}},
            {"general", {{"displayed", true}, {"min_months", 3}, {"max_months", 12}}},
            {"serious", {{"displayed", true}, {"min_months", 12}, {"max_months", 36}}},
            {"non_repairable_kinds",
             {"license_revocation", "business_suspension", "practice_restriction"}}}}};
}

Json PublicKeyJson(const crypto::PublicKey& key) {
  return {{"alg", std::string(crypto::KeyAlgorithmName(key.algorithm()))},
          {"spki", crypto::Base64Encode(key.spki_der())}};
}

Result<std::string> MakeGenesis(Json config, const crypto::PublicKey& node_key) {
  if (!config.is_object()) return Status::InvalidArgument("the genesis config must be an object");
  config["type"] = "genesis";
  config["schema_version"] = 1;
  if (!config.contains("tree_hash")) config["tree_hash"] = "sha256";
  if (!config.contains("display_rules")) config["display_rules"] = DefaultDisplayRules();
  if (!config.contains("calendar")) config["calendar"] = DefaultCalendar();
  if (!config.contains("deadlines")) config["deadlines"] = DefaultDeadlines();
  config["created_at"] = NowTimestamp();
  config["node_key"] = PublicKeyJson(node_key);
  config["node_key"]["key_id"] = node_key.KeyId();
  CREDLEDGER_ASSIGN_OR_RETURN(std::string text, CanonicalJson(config));
  auto registry = Registry::FromGenesis(text);
  if (!registry.ok()) return registry.status().WithContext("genesis");
  return text;
}

Json Registry::ToJson(uint64_t index) const {
  Json agencies = Json::array();
  for (const auto& [id, a] : agencies_) {
    Json keys = Json::array();
    for (const auto& [key_id, k] : a.keys) {
      if (k.added_at >= index) continue;
      Json key = PublicKeyJson(k.key);
      key["key_id"] = key_id;
      key["valid"] = k.ValidAt(index);
      keys.push_back(std::move(key));
    }
    if (keys.empty()) continue;  // added after `index`
    Json types = Json::array();
    for (RecordType t : a.types.AsOf(index)) types.push_back(std::string(RecordTypeName(t)));
    agencies.push_back({{"id", id},
                        {"name", a.name},
                        {"uscc", a.uscc},
                        {"keys", keys},
                        {"types", types},
                        {"suspended", a.suspended.AsOf(index)},
                        {"historical_codes", a.historical_codes.AsOf(index)}});
  }
  Json admins = Json::array();
  for (const auto& [key_id, k] : admins_) admins.push_back(key_id);
  return {{"origin", origin_},
          {"at_index", index},
          {"admins", {{"threshold", admin_threshold_}, {"key_ids", admins}}},
          {"agencies", agencies}};
}

}  // namespace credledger::records
