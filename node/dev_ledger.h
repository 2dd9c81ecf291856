// The development ledger `ledgerd --dev` creates on first start, so that a newcomer can sign
// and submit records at once: a genesis with one development admin (threshold 1) and three
// demo agencies, each with its own key in <data_dir>/dev-keys/<id>.pem (sz-amr: Ed25519,
// sz-tax: P-256, sz-eco: SM2), the genesis in <data_dir>/dev-genesis.json, and an example
// license template for sz-amr in <data_dir>/dev-keys/example-license.json. Never for
// production: the keys sit in plain files beside the ledger.
#ifndef CREDLEDGER_NODE_DEV_LEDGER_H_
#define CREDLEDGER_NODE_DEV_LEDGER_H_

#include <memory>
#include <string>

#include "ledger/data_dir.h"
#include "ledger/ledger.h"

namespace credledger::node {

// Creates the development ledger in `data_dir` (which must hold no store).
Result<std::unique_ptr<Ledger>> CreateDevLedger(const std::string& data_dir,
                                                const DataDirOptions& options);

// The demo bank's banks file in `data_dir` (created if missing, also for a development ledger
// made before it existed): <data_dir>/dev-banks.json holds the token's hash, the token itself
// is in <data_dir>/dev-keys/demo-bank.token (mode 0600). Returns the banks file's path.
Result<std::string> EnsureDevBank(const std::string& data_dir);

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_DEV_LEDGER_H_
