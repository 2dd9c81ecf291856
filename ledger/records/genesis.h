// Creating a ledger whose entry 0 is a domain genesis document (docs/RECORDS.md, "Genesis"):
// the ledger core stores any first entry; this checks that it is a genesis the registry
// accepts and that the node key in the data directory is the one it names.
#ifndef CREDLEDGER_LEDGER_RECORDS_GENESIS_H_
#define CREDLEDGER_LEDGER_RECORDS_GENESIS_H_

#include <memory>
#include <string>
#include <string_view>

#include "ledger/data_dir.h"

namespace credledger::records {

// Creates a new ledger in `dir` whose entry 0 is `genesis`: origin and tree hash come from
// it, and the node key at the node key path must be the one it names. Errors:
// InvalidArgument (the genesis, with a JSON Pointer), FailedPrecondition (node key mismatch
// or missing), AlreadyExists.
Result<std::unique_ptr<Ledger>> CreateLedgerFromGenesis(const std::string& dir,
                                                        std::string_view genesis,
                                                        const DataDirOptions& options = {});

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_GENESIS_H_
