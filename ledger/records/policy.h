// RecordPolicy: the domain's admission rules, applied by the sequencer to every new entry at
// the index it would get (ledger.h, AdmissionPolicy). See docs/RECORDS.md ("Admission").
//
//   - entries are canonical JSON records (entry.h) or config entries (registry.h);
//   - config entries need M admin signatures and change the registry from the next index on;
//   - a record needs a key of its agency valid at its index, a permitted type, and
//     (historical codes) a permitted agency;
//   - a license, certificate or penalty takes a business identifier (agency + type + license
//     or decision number) that no other record holds, unless it names the holder in
//     /body/supersedes;
//   - a status_change or credit_repair targets a known record of the same agency; a
//     credit_repair targets a penalty.
//
// Errors, by what the client should learn: InvalidArgument (malformed), Unauthenticated (key or
// signature), PermissionDenied (not allowed), AlreadyExists (business identifier taken),
// FailedPrecondition (unknown target).
//
// Thread-compatible: the sequencer thread is its only caller once installed.
#ifndef CREDLEDGER_LEDGER_RECORDS_POLICY_H_
#define CREDLEDGER_LEDGER_RECORDS_POLICY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/records/entry.h"
#include "ledger/records/registry.h"

namespace credledger::records {

struct RecordInfo {
  uint64_t index = 0;
  RecordType type = RecordType::kLicense;
  std::string agency;
};

class RecordPolicy : public AdmissionPolicy {
 public:
  // Builds the policy by replaying entries 0..tree_size-1 (entry 0: the genesis). Errors:
  // those of Registry::FromGenesis, or DataLoss naming an entry that breaks the rules.
  static Result<std::shared_ptr<RecordPolicy>> Replay(
      uint64_t tree_size, const std::function<Result<std::string>(uint64_t)>& entry_at);

  Status Admit(std::string_view entry, uint64_t index) override;
  void Committed(uint64_t tree_size) override;
  void RolledBack(uint64_t first_index) override;

  // The registry including admitted (possibly not yet durable) config entries.
  const Registry& registry() const { return registry_; }
  // Records admitted so far, by record id (hex leaf hash).
  const std::map<std::string, RecordInfo>& records() const { return records_; }

 private:
  RecordPolicy(Registry registry, crypto::HashAlgorithm alg)
      : committed_registry_(registry), registry_(std::move(registry)), alg_(alg) {}

  Status AdmitRecord(const ValidatedEntry& e, const std::string& record_id, uint64_t index);

  struct Pending {
    uint64_t index;
    std::string record_id;        // empty for config entries
    std::string business_key;     // empty if none
    std::string previous_holder;  // the business key's holder before this entry
    std::string config;           // the config entry, for config entries
  };

  Registry committed_registry_;  // durable config only
  Registry registry_;            // committed + pending config
  crypto::HashAlgorithm alg_;
  std::map<std::string, RecordInfo> records_;        // record id -> info
  std::map<std::string, std::string> business_ids_;  // business key -> record id
  std::vector<Pending> pending_;                     // admitted, not yet durable, in order
};

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_POLICY_H_
