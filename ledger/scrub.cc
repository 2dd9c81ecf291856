#include "ledger/scrub.h"

#include <string>

namespace credledger {

Status ScrubLog(const LogReader& log, const std::function<bool(const ScrubProgress&)>& step) {
  const TreeHead head = log.Head();
  const LedgerParams& params = log.params();
  ScrubProgress progress;
  progress.tree_size = head.tree_size;
  merkle::CompactRange range(params.tree_hash);
  merkle::Hash prev_hash{};  // the genesis block's: 32 zero bytes
  for (uint64_t height = 0; height <= head.block_height; ++height) {
    const std::string where = "block " + std::to_string(height) + ": ";
    auto block = log.GetBlock(height);
    if (!block.ok()) return block.status().WithContext("block " + std::to_string(height));
    const BlockHeader& b = *block;
    if (Status s = b.VerifySignature(params.node_key); !s.ok()) {
      return Status::DataLoss(where +
                              "its signature does not verify under the node key: " + s.message());
    }
    if (b.height != height || b.origin != params.origin || b.prev_hash != prev_hash ||
        b.first_index != range.size() || b.tree_size != b.first_index + b.entry_count) {
      return Status::DataLoss(where + "does not follow block " + std::to_string(height - 1) +
                              " (height, origin, prev_hash, first_index or sizes)");
    }
    for (uint64_t i = b.first_index; i < b.tree_size; ++i) {
      // GetEntry checks the entry against its leaf in the tree.
      CREDLEDGER_RETURN_IF_ERROR(log.GetEntry(i).status());
      CREDLEDGER_ASSIGN_OR_RETURN(merkle::Hash leaf, log.LeafHashAt(i));
      range.Append(leaf);
    }
    if (range.Root() != b.root) {
      return Status::DataLoss(where + "the root of leaves 0.." + std::to_string(b.tree_size - 1) +
                              " is not the block's root (a leaf tile was altered)");
    }
    auto stored = log.RootAt(b.tree_size);
    if (!stored.ok()) return stored.status().WithContext(where + "the stored tree");
    if (*stored != b.root) {
      return Status::DataLoss(where + "the stored tree's root at size " +
                              std::to_string(b.tree_size) +
                              " is not the block's root (a tree tile was altered)");
    }
    if (Status s = log.CheckTileRows(b.first_index, b.tree_size); !s.ok()) {
      return s.WithContext("block " + std::to_string(height));
    }
    prev_hash = b.Hash(params.tree_hash);
    progress.blocks = height + 1;
    progress.entries = b.tree_size;
    if (step && !step(progress)) return Status::Ok();  // stopped: nothing found so far
  }
  return Status::Ok();
}

}  // namespace credledger
