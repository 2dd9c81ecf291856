// Who may read access-controlled data (documents, and later full credit profiles): banks,
// each holding a bearer token issued out of band. The node keeps only each token's SHA-256,
// so its configuration and backups reveal no usable token, and it compares them in constant
// time, so response timing reveals nothing of a hash.
//
// The banks file: {"banks": [{"id": "demo-bank", "name": "...", "token_sha256": "<64 hex>"}]}.
//
// Thread-safety: immutable after construction.
#ifndef CREDLEDGER_LEDGER_RECORDS_ACCESS_H_
#define CREDLEDGER_LEDGER_RECORDS_ACCESS_H_

#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "ledger/canonical_json.h"

namespace credledger::records {

struct Bank {
  std::string id;
  std::string name;
  crypto::Digest token_sha256{};
};

class BankAccess {
 public:
  BankAccess() = default;  // no banks: every token is refused
  // Errors: InvalidArgument naming the member at fault (ids must be unique and plain).
  static Result<BankAccess> FromJson(const Json& banks_file);
  // The same, read from the file at `path`. Errors also name the file.
  static Result<BankAccess> FromFile(const std::string& path);

  // The bank presenting `authorization` ("Bearer <token>"). Every configured hash is compared,
  // whichever matches. Errors: Unauthenticated (missing, malformed or unknown token; which of
  // these is not said).
  Result<Bank> Authenticate(std::string_view authorization) const;

  // A new random token ("clb_" and 64 hex digits: 32 random bytes) and its hash, for an operator
  // registering a bank (and for the development ledger's demo bank).
  static Result<std::pair<std::string, crypto::Digest>> NewToken();

  const std::vector<Bank>& banks() const { return banks_; }

 private:
  std::vector<Bank> banks_;
};

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_ACCESS_H_
