// Registry: the agencies, their keys and permissions, and the ledger's admins, derived from
// the log alone: the genesis entry (index 0) and the config entries after it. Anyone replaying
// the log builds the same registry, so anyone can check that every record was signed by a key
// that was valid, for an agency permitted to issue that type, at that record's index.
//
// Format of the genesis and config entries: docs/RECORDS.md ("Genesis", "Config entries").
//
// Thread-compatible: build and Apply from one thread; const methods may run concurrently.
#ifndef CREDLEDGER_LEDGER_RECORDS_REGISTRY_H_
#define CREDLEDGER_LEDGER_RECORDS_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keys.h"
#include "ledger/canonical_json.h"
#include "ledger/records/calendar.h"
#include "ledger/records/entry.h"

namespace credledger::records {

// A value that changes at log indexes: the value in force at index i is the last one set at
// an index < i (a change takes effect for the entries after it).
template <typename T>
class History {
 public:
  void Set(uint64_t at_index, T value) { changes_.emplace_back(at_index, std::move(value)); }
  // REQUIRES: Set was called with an index < `index`.
  const T& AsOf(uint64_t index) const {
    const T* current = &changes_.front().second;
    for (const auto& [at, value] : changes_) {
      if (at >= index) break;
      current = &value;
    }
    return *current;
  }
  const T& Latest() const { return changes_.back().second; }

 private:
  std::vector<std::pair<uint64_t, T>> changes_;
};

struct RegisteredKey {
  crypto::PublicKey key;
  uint64_t added_at = 0;               // valid for entries after this index
  std::optional<uint64_t> revoked_at;  // and before this one
  bool ValidAt(uint64_t index) const {
    return added_at < index && (!revoked_at || index < *revoked_at);
  }
};

// How long a penalty of one severity tier stays on public display, counted in calendar months
// from its decision date (DOMAIN.md, "Public display of penalties").
struct TierRule {
  bool displayed = true;  // false: normally not displayed at all (minor, 2026 rules)
  int min_months = 0;     // repair may be requested once this much has passed
  int max_months = 0;     // leaves display automatically after this
};

// One regime's rule set (the regime is stored on each penalty).
struct DisplayRules {
  std::map<std::string, TierRule> tiers;       // "minor", "general", "serious"
  std::set<std::string> non_repairable_kinds;  // penalty kinds that cannot be taken down early
};

// The rule set of NDRC Order 36 (in force 2026-04-01) as DOMAIN.md states it, under regime
// "2026": minor not displayed (at most 3 months), general 3-12 months, serious 12-36 months;
// license revocation, business suspension and practice restriction are not repairable early.
// In the genesis format ("display_rules": {"2026": {...}}).
Json DefaultDisplayRules();

struct Agency {
  std::string id;
  std::string name;
  std::string uscc;
  std::map<std::string, RegisteredKey> keys;  // by key id
  History<std::set<RecordType>> types;
  History<bool> suspended;
  History<bool> historical_codes;  // may submit flagged historical pilot codes
  // Agencies this one has delegated authority over its records to (status changes and credit
  // repairs: "whoever imposed it repairs it, or one it delegates to").
  History<std::set<std::string>> delegates;
};

// A key as genesis and config entries carry it: {"alg": "p256"|"ed25519"|"sm2", "spki":
// base64 DER SubjectPublicKeyInfo}.
Json PublicKeyJson(const crypto::PublicKey& key);

// The genesis entry (canonical JSON) for `config`: {"origin", "admins": {"threshold", "keys"},
// "agencies": [...], optionally "tree_hash" (default sha256) and "display_rules" (default
// DefaultDisplayRules), "calendar" and "deadlines" (DefaultCalendar, DefaultDeadlines)}, keys
// as {"alg", "spki"}; type, schema_version, created_at (now) and
// node_key are filled in. Errors: InvalidArgument naming what FromGenesis refuses.
Result<std::string> MakeGenesis(Json config, const crypto::PublicKey& node_key);

// Whether `genesis` (entry 0) is a domain ledger's, naming admins and agencies (MakeGenesis),
// rather than a plain log's (Ledger's DefaultGenesisEntry), which takes any entries.
bool IsDomainGenesis(std::string_view genesis);

class Registry {
 public:
  // Parses and checks the genesis entry (index 0). Errors: InvalidArgument with the JSON
  // Pointer of what is wrong.
  static Result<Registry> FromGenesis(std::string_view genesis_entry);

  // Applies config entry `entry` at log index `index` (> every index applied before).
  // Errors: InvalidArgument (malformed), Unauthenticated (fewer than threshold valid admin
  // signatures), FailedPrecondition (the action does not fit the registry: unknown agency,
  // duplicate id or key, revoking an unknown key).
  Status ApplyConfig(std::string_view entry, uint64_t index);

  // May `entry` be appended at log index `index`? Errors: Unauthenticated (unknown agency or
  // key, key not valid at that index, bad signature), PermissionDenied (agency suspended,
  // type not permitted, historical code without permission). kAlreadyVerified skips only the
  // signature check, for a caller that has verified it against FindKey's key.
  enum class SignatureCheck { kVerify, kAlreadyVerified };
  Status Authorize(const ValidatedEntry& entry, uint64_t index,
                   SignatureCheck check = SignatureCheck::kVerify) const;
  // The key `key_id` of agency `agency` if it is valid at log index `index` (for the entry
  // at that index; the tree size for "now"). Errors: Unauthenticated naming which of agency,
  // key and validity fails, as Authorize reports them.
  Result<const crypto::PublicKey*> KeyAt(const std::string& agency, const std::string& key_id,
                                         uint64_t index) const;
  // The key `key_id` of agency `agency` as registered (whether valid at some index or not);
  // null if there is none. A key id is the SHA-256 of the key, so a registered key id always
  // names the same key.
  const crypto::PublicKey* FindKey(const std::string& agency, const std::string& key_id) const;

  const std::string& origin() const { return origin_; }
  const std::string& tree_hash() const { return tree_hash_; }
  const std::string& node_key_id() const { return node_key_id_; }
  // The node's key, as the genesis names it (it signs checkpoints and the node's own entries).
  const crypto::PublicKey& node_key() const { return *node_key_; }
  // Admin key `key_id`; null if there is none.
  const crypto::PublicKey* FindAdminKey(const std::string& key_id) const;
  const std::map<std::string, Agency>& agencies() const { return agencies_; }
  // May agency `actor` act (status_change, credit_repair) on a record of agency `owner` at
  // `index`: the same agency, or one `owner` delegated to.
  bool ActsFor(const std::string& actor, const std::string& owner, uint64_t index) const;
  // The display rules of `regime` in force at `index`; nullptr if the regime is unknown.
  const DisplayRules* RulesFor(const std::string& regime, uint64_t index) const;
  // The working-day calendar and the deadlines in force at `index` (records/calendar.h).
  const WorkingCalendar& CalendarAt(uint64_t index) const { return calendar_.AsOf(index); }
  const Deadlines& DeadlinesAt(uint64_t index) const { return deadlines_.AsOf(index); }
  // Whether a bank's read must cite the enterprise's consent (records/consent.h), at `index`.
  bool ConsentRequiredAt(uint64_t index) const { return consent_required_.AsOf(index); }
  size_t admin_threshold() const { return admin_threshold_; }
  // The registry as JSON (for `ledgerctl registry`): agencies with their keys and state at
  // `index`, admins and threshold.
  Json ToJson(uint64_t index) const;

 private:
  std::string origin_;
  std::string tree_hash_;
  std::string node_key_id_;
  std::optional<crypto::PublicKey> node_key_;        // set by FromGenesis
  std::map<std::string, crypto::PublicKey> admins_;  // by key id
  size_t admin_threshold_ = 0;
  std::map<std::string, Agency> agencies_;
  History<std::map<std::string, DisplayRules>> display_rules_;  // by regime
  History<WorkingCalendar> calendar_;
  History<Deadlines> deadlines_;
  History<bool> consent_required_;
  uint64_t last_applied_ = 0;
};

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_REGISTRY_H_
