// The record types and everything the domain does differently by type, in one row per type
// (record_types.cc, beside each type's body schema). Code asks the row, never the type's name
// or enumerator, so adding a type is: its enumerator here, its row and body check in
// record_types.cc (Traits is an exhaustive switch, and -Werror=switch makes a missed case a
// build error), and its documentation (docs/RECORDS.md, "Adding a record type").
#ifndef CREDLEDGER_LEDGER_RECORDS_RECORD_TYPE_H_
#define CREDLEDGER_LEDGER_RECORDS_RECORD_TYPE_H_

#include <string>
#include <string_view>

#include "crypto/status.h"
#include "ledger/canonical_json.h"

namespace credledger::records {

enum class RecordType {
  kLicense,
  kCertificate,
  kPenalty,
  kCreditRepair,
  kStatusChange,
  kEnterpriseKey,
  kRepairApplication,
  kRepairReview,
  kConsent,
  kConsentRevocation,
  kObjection,
  kObjectionAnswer,
  kCommitment,
  kCommitmentCheck,
  kListInclusion,
  kListRemoval,
};

// Every type, in the order listed to users (errors, docs).
inline constexpr RecordType kRecordTypes[] = {
    RecordType::kLicense,           RecordType::kCertificate,     RecordType::kPenalty,
    RecordType::kCreditRepair,      RecordType::kStatusChange,    RecordType::kEnterpriseKey,
    RecordType::kRepairApplication, RecordType::kRepairReview,    RecordType::kConsent,
    RecordType::kConsentRevocation, RecordType::kObjection,       RecordType::kObjectionAnswer,
    RecordType::kCommitment,        RecordType::kCommitmentCheck, RecordType::kListInclusion,
    RecordType::kListRemoval};

// Who signs a record of the type: an agency (the envelope's "agency", a key in the registry)
// or the enterprise it is about (the envelope's "enterprise", a key bound to its code by an
// enterprise_key record on the log).
enum class Signer { kAgency, kEnterprise };

// What a record of the type does to the record its body's "target" names.
enum class TargetChange {
  kNone,          // it targets nothing: a record in its own right
  kStatusChange,  // revokes, suspends, reinstates, withdraws... (RecordPolicy)
  kCreditRepair,  // repairs a penalty: ends its public display early
  // An enterprise's application to repair its own penalty: changes nothing, opens a case
  // whose first review runs on the working-day clock (records/sla.h).
  kRepairApplication,
  // The first review (acceptance) of a repair application: one per application.
  kRepairReview,
  // The enterprise revokes its own consent: from the next entry on, it lets no bank read.
  kConsentRevocation,
  // The enterprise disputes a record about it: changes nothing of it; answered once by its
  // agency (kAnswer).
  kObjection,
  // An agency's one answer to an enterprise's filing addressed to it (an objection, a
  // commitment): the filing's status becomes the answer's outcome (RecordTypeTraits::answers).
  kAnswer,
  // Removes an entry from a list (a serious-dishonesty or abnormal-operations listing).
  kListRemoval,
};

// Who sees a record of the type in a credit profile (records/profile.h).
enum class ProfileView {
  kNotListed,       // not listed: status changes show in their targets' status
  kEveryone,        // the public view and the bank view
  kWhileDisplayed,  // the bank view; the public view only while on display
  kBanksOnly,       // the bank view only
  kWhileValid,      // the bank view; the public view only while its status is valid
};

struct RecordTypeTraits {
  std::string_view name;  // the entry's "type"
  Signer signer;
  // The rules for the entry's "body" (the rest of the entry, `entry`, is checked before).
  // Errors: InvalidArgument "/body/<member>: <rule>".
  Status (*check_body)(const Json& body, const Json& entry);
  // The body member ({"uscc", "name"}) naming the agency the record speaks for, which must
  // be its signer or an agency that delegated to it; null: none.
  const char* authority_member;
  // The body member holding a number unique per agency and type, and what errors call it;
  // null: none.
  const char* number_member;
  const char* number_name;
  // The body carries a GB/T 36904 e-license "identifier", held by one record at a time.
  bool has_license_identifier;
  // The body member holding the hash of the record's document (the file a bank or verifier
  // checks against it); null: no document.
  const char* document_member;
  TargetChange target_change;
  // In force only between the body's valid_from and valid_until (long-term without one).
  bool validity_window;
  // On public display for the period its regime's display rules set (DOMAIN.md), ended early
  // by a credit repair or a withdrawal; the record a credit repair may target.
  bool display_rules;
  // Binds the public key in its body ("key", "key_id") to its subject: the key that
  // enterprise-signed records of that subject are checked against, from the entry after it
  // until a status change ends it (revoked, suspended, superseded).
  bool binds_enterprise_key;
  // The enterprise's consent to one bank's reads of its data (records/consent.h): what a
  // bank's read cites when the ledger requires consent.
  bool grants_consent;
  // kAnswer: the type of filing it answers, and the body member holding its outcome (which
  // becomes the filing's status).
  RecordType answers;
  const char* outcome_member;
  // An enterprise's filing addressed to an agency its body names ("agency"), not to the agency
  // of a record it targets (a commitment).
  bool addressed_by_body;
  // An entry of a public list (record_types.cc): kListRemoval may take it off.
  bool listing;
  // Its list in a credit profile ("licenses"); null with ProfileView::kNotListed.
  const char* profile_section;
  ProfileView profile_view;
};

const RecordTypeTraits& Traits(RecordType type);

inline std::string_view RecordTypeName(RecordType type) { return Traits(type).name; }
// Errors: InvalidArgument naming the unknown type.
Result<RecordType> ParseRecordType(std::string_view name);
// "license, certificate, ...": every type's name, for messages; or only those `signer` signs.
std::string RecordTypeNames();
std::string RecordTypeNames(Signer signer);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_RECORD_TYPE_H_
