// Consent-gated bank reads: when the registry requires it (genesis "consent_required", config
// set_consent_required), a bank's read of an enterprise's credit profile or documents cites a
// consent record the enterprise signed (docs/RECORDS.md, "Consent"), and is refused unless
// that consent is in force for the bank, the purpose, the subject, the kind of read and the
// day. Every read, allowed or refused, is logged with the consent it cited.
//
// Thread-safety: pure functions over thread-safe readers.
#ifndef CREDLEDGER_LEDGER_RECORDS_CONSENT_H_
#define CREDLEDGER_LEDGER_RECORDS_CONSENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/log_reader.h"
#include "ledger/records/record_index.h"

namespace credledger::records {

// One bank read, as a consent must cover it.
struct ConsentedRead {
  std::string consent;                // the cited consent's record id
  std::string bank;                   // the reading bank's id
  std::vector<std::string> subjects;  // whose data it reads: the consent's subject must be one
  std::string purpose;                // as the bank states it: the consent's, exactly
  std::string scope;                  // "profile" or "documents"
  std::string date;                   // YYYY-MM-DD: within the consent's dates
  uint64_t tree_size = 0;             // the consent and its revocation as of this size
};

// OK if the consent covers `read`. Errors: PermissionDenied naming what it does not cover (no
// such consent, another type, revoked, another bank, subject, purpose or scope, outside its
// dates); InvalidArgument (not a record id); the readers'.
Status CheckConsent(const RecordReader& reader, const LogReader& log, const ConsentedRead& read);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_CONSENT_H_
