#include "node/dev_ledger.h"

#include <filesystem>

#include "crypto/encoding.h"
#include "ledger/canonical_json.h"
#include "ledger/records/access.h"
#include "ledger/records/genesis.h"
#include "ledger/records/identifiers.h"
#include "ledger/records/record_type.h"
#include "ledger/records/registry.h"

namespace credledger::node {
namespace {

struct DemoAgency {
  const char* id;
  const char* name;
  const char* uscc_first17;  // the check character is computed
  crypto::KeyAlgorithm alg;
};

constexpr DemoAgency kAgencies[] = {
    {"sz-amr", "深圳市市场监督管理局 (demo)", "11440300MB2C12345", crypto::KeyAlgorithm::kEd25519},
    {"sz-tax", "国家税务总局深圳市税务局 (demo)", "11440300MB2C23456", crypto::KeyAlgorithm::kP256},
    {"sz-eco", "深圳市生态环境局 (demo)", "11440300MB2C34567", crypto::KeyAlgorithm::kSm2},
};

Result<crypto::PublicKey> NewKeyFile(const std::string& path, crypto::KeyAlgorithm alg) {
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::Generate(alg));
  CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(path, key.ToPem(), 0600));
  return key.public_key();
}

}  // namespace

Result<std::unique_ptr<Ledger>> CreateDevLedger(const std::string& data_dir,
                                                const DataDirOptions& options) {
  const std::string keys_dir = data_dir + "/dev-keys";
  std::error_code ec;
  std::filesystem::create_directories(keys_dir, ec);
  if (ec) return Status::Unavailable("cannot create " + keys_dir + ": " + ec.message());
  const std::string node_key_path = options.node_key_path.value_or(DefaultNodeKeyPath(data_dir));
  // A node key already there (an earlier, interrupted first start) is kept.
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PrivateKey node_key, LoadOrCreateNodeKey(node_key_path));
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey admin,
                              NewKeyFile(keys_dir + "/admin.pem", crypto::KeyAlgorithm::kEd25519));
  Json agencies = Json::array();
  std::string amr_uscc;
  for (const DemoAgency& a : kAgencies) {
    CREDLEDGER_ASSIGN_OR_RETURN(crypto::PublicKey key,
                                NewKeyFile(keys_dir + "/" + a.id + ".pem", a.alg));
    std::string uscc = std::string(a.uscc_first17) + records::UsccCheckCharacter(a.uscc_first17);
    if (amr_uscc.empty()) amr_uscc = uscc;
    // Every dev agency may submit every record type an agency signs.
    Json types = Json::array();
    for (records::RecordType t : records::kRecordTypes) {
      if (records::Traits(t).signer != records::Signer::kAgency) continue;
      types.push_back(std::string(records::RecordTypeName(t)));
    }
    agencies.push_back({{"id", a.id},
                        {"name", a.name},
                        {"uscc", uscc},
                        {"keys", {records::PublicKeyJson(key)}},
                        {"types", std::move(types)}});
  }
  Json config = {{"origin", "dev.credledger.local/log"},
                 {"admins", {{"threshold", 1}, {"keys", {records::PublicKeyJson(admin)}}}},
                 {"agencies", agencies}};
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis,
                              records::MakeGenesis(config, node_key.public_key()));
  CREDLEDGER_RETURN_IF_ERROR(
      WriteFileAtomically(data_dir + "/dev-genesis.json", genesis + "\n", 0644));

  // A license template sz-amr can sign as is (`ledgerctl sign`): Ed25519 signatures are
  // deterministic, so submitting it twice gives the same bytes and the same index.
  CREDLEDGER_ASSIGN_OR_RETURN(
      std::string identifier,
      records::MakeLicenseIdentifier("11100000000000000A", amr_uscc, "2026000001", "001"));
  Json example = {
      {"type", "license"},
      {"agency", "sz-amr"},
      {"issued_at", "2026-11-27T09:00:00.000Z"},
      {"subject", {{"kind", "organization"}, {"uscc", "914403001922038216"}}},
      {"body",
       {{"identifier", identifier},
        {"type_code", "11100000000000000A"},
        {"type_name", "营业执照"},
        {"license_number", "SZ-DEMO-2026-000001"},
        {"holder_type", "001"},
        {"holder_code", "914403001922038216"},
        {"issuing_authority", {{"uscc", amr_uscc}, {"name", "深圳市市场监督管理局 (demo)"}}},
        {"issue_date", "2026-11-27"},
        {"valid_from", "2026-11-27"},
        {"valid_until", "2046-11-26"},
        {"area_code", "440300"},
        {"file_hash", std::string(64, '0')}}}};
  CREDLEDGER_RETURN_IF_ERROR(
      WriteFileAtomically(keys_dir + "/example-license.json", example.dump(2) + "\n", 0644));

  DataDirOptions with_key = options;
  with_key.node_key_path = node_key_path;
  return records::CreateLedgerFromGenesis(data_dir, genesis, with_key);
}

Result<std::string> EnsureDevBank(const std::string& data_dir) {
  const std::string banks_path = data_dir + "/dev-banks.json";
  if (std::filesystem::exists(banks_path)) return banks_path;
  std::error_code ec;
  std::filesystem::create_directories(data_dir + "/dev-keys", ec);
  if (ec) return Status::Unavailable("cannot create " + data_dir + "/dev-keys: " + ec.message());
  CREDLEDGER_ASSIGN_OR_RETURN(auto token, records::BankAccess::NewToken());
  CREDLEDGER_RETURN_IF_ERROR(
      WriteFileAtomically(data_dir + "/dev-keys/demo-bank.token", token.first + "\n", 0600));
  Json banks = {{"banks",
                 {{{"id", "demo-bank"},
                   {"name", "Demo Bank (development)"},
                   {"token_sha256", crypto::HexEncode(token.second)}}}}};
  CREDLEDGER_RETURN_IF_ERROR(WriteFileAtomically(banks_path, banks.dump(2) + "\n", 0644));
  return banks_path;
}

}  // namespace credledger::node
