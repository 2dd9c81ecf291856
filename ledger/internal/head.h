// Reading a ledger's parameters, blocks and head from its store, checked: what LogReader and
// the appender (Ledger) both do when they open a store. Not part of the API.
#ifndef CREDLEDGER_LEDGER_INTERNAL_HEAD_H_
#define CREDLEDGER_LEDGER_INTERNAL_HEAD_H_

#include <cstdint>

#include "ledger/block.h"
#include "ledger/internal/tree_store.h"
#include "ledger/log_reader.h"
#include "ledger/store.h"

namespace credledger::internal {

// The parameters stored in `store`. Errors: NotFound ("the store holds no ledger"),
// FailedPrecondition (a format version this build does not read), DataLoss.
Result<LedgerParams> ReadParams(Store* store);
// The block at `height`, checked to be well formed and at its place. Errors: DataLoss.
Result<BlockHeader> ReadBlock(Store* store, uint64_t height);
// The block among 0..max_height that holds entry `index`. Errors: DataLoss.
Result<BlockHeader> FindBlockOfEntry(Store* store, uint64_t index, uint64_t max_height);

// The last durable block, checked: its signature (with params.node_key) and origin, its link
// to the block before, the stored tree's root at its size, and the last entry's leaf; nothing
// stored beyond it. With the tree writer loaded at its size (the appender builds on it).
struct CheckedHead {
  BlockHeader last;
  TreeWriter writer;
};
Result<CheckedHead> ReadCheckedHead(Store* store, const LedgerParams& params);

}  // namespace credledger::internal

#endif  // CREDLEDGER_LEDGER_INTERNAL_HEAD_H_
