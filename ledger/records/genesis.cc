#include "ledger/records/genesis.h"

#include <filesystem>

#include "ledger/canonical_json.h"
#include "ledger/checkpoint.h"
#include "ledger/records/registry.h"

namespace credledger::records {

Result<std::unique_ptr<Ledger>> CreateLedgerFromGenesis(const std::string& dir,
                                                        std::string_view genesis,
                                                        const DataDirOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(std::string canonical, CanonicalizeJson(genesis));
  auto registry = Registry::FromGenesis(canonical);
  if (!registry.ok()) return registry.status().WithContext("genesis");
  if (!IsValidNoteKeyName(registry->origin())) {
    return Status::InvalidArgument("genesis: /origin: is not a valid note key name");
  }
  CREDLEDGER_ASSIGN_OR_RETURN(crypto::HashAlgorithm alg,
                              crypto::ParseHashAlgorithm(registry->tree_hash()));
  if (std::filesystem::exists(StorePath(dir))) {
    return Status::AlreadyExists(dir + " already holds a ledger store");
  }
  const std::string key_path = options.node_key_path.value_or(DefaultNodeKeyPath(dir));
  auto key = LoadNodeKey(key_path);
  if (!key.ok()) {
    return Status::FailedPrecondition("the genesis names node key " + registry->node_key_id() +
                                      "; " + key.status().message());
  }
  if (key->public_key().KeyId() != registry->node_key_id()) {
    return Status::FailedPrecondition("node key " + key_path + " is " + key->public_key().KeyId() +
                                      ", but the genesis names " + registry->node_key_id());
  }
  return CreateLedgerWithFirstEntry(dir, std::move(*key), registry->origin(), alg,
                                    std::move(canonical), options);
}

}  // namespace credledger::records
