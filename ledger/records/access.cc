#include "ledger/records/access.h"

#include <set>

#include "crypto/encoding.h"
#include "ledger/data_dir.h"

namespace credledger::records {

Result<BankAccess> BankAccess::FromJson(const Json& banks_file) {
  if (!banks_file.is_object() || !banks_file.contains("banks") || !banks_file["banks"].is_array()) {
    return Status::InvalidArgument("/banks: must be an array of {id, name, token_sha256}");
  }
  BankAccess access;
  std::set<std::string> ids;
  const Json& banks = banks_file["banks"];
  for (size_t i = 0; i < banks.size(); ++i) {
    const std::string at = "/banks/" + std::to_string(i);
    const Json& b = banks[i];
    if (!b.is_object() || !b.contains("id") || !b["id"].is_string() || !b.contains("name") ||
        !b["name"].is_string() || !b.contains("token_sha256") || !b["token_sha256"].is_string()) {
      return Status::InvalidArgument(at + ": must be {id, name, token_sha256} (strings)");
    }
    Bank bank;
    bank.id = b["id"].get<std::string>();
    bank.name = b["name"].get<std::string>();
    if (bank.id.empty() || bank.id.size() > 64 ||
        bank.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.") != std::string::npos) {
      return Status::InvalidArgument(at + "/id: 1 to 64 of a-z 0-9 - _ .");
    }
    if (!ids.insert(bank.id).second) return Status::InvalidArgument(at + "/id: a duplicate");
    auto hash = crypto::HexDecode(b["token_sha256"].get<std::string>());
    if (!hash.ok() || hash->size() != bank.token_sha256.size()) {
      return Status::InvalidArgument(at + "/token_sha256: must be 64 hex digits");
    }
    std::copy(hash->begin(), hash->end(), bank.token_sha256.begin());
    access.banks_.push_back(std::move(bank));
  }
  return access;
}

Result<BankAccess> BankAccess::FromFile(const std::string& path) {
  auto text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  auto parsed = ParseJson(*text);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  auto access = FromJson(*parsed);
  if (!access.ok()) return access.status().WithContext(path);
  return access;
}

Result<Bank> BankAccess::Authenticate(std::string_view authorization) const {
  const Status refused = Status::Unauthenticated(
      "this route needs a bank's bearer token: Authorization: Bearer <token>");
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      authorization.substr(0, kScheme.size()) != kScheme) {
    return refused;
  }
  const crypto::Digest presented =
      crypto::Hash(crypto::HashAlgorithm::kSha256, authorization.substr(kScheme.size()));
  const Bank* match = nullptr;
  for (const Bank& bank : banks_) {  // no early exit: the time does not tell which one matched
    if (crypto::ConstantTimeEqual(presented, bank.token_sha256)) match = &bank;
  }
  if (match == nullptr) return refused;
  return *match;
}

Result<std::pair<std::string, crypto::Digest>> BankAccess::NewToken() {
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<uint8_t> random, crypto::RandomBytes(32));
  std::string token = "clb_" + crypto::HexEncode(random);
  return std::make_pair(token, crypto::Hash(crypto::HashAlgorithm::kSha256, token));
}

}  // namespace credledger::records
