// Scrubbing a ledger's log: reading it back whole and checking it against what its blocks
// commit to, so that damage the start-up checks do not look for (they read a bounded amount)
// is found: a changed entry, a damaged tree tile, a block that does not link or verify.
// `ledgerctl fsck` runs it at full speed on a stopped node's store; ledgerd runs it in the
// background, paced (docs/DESIGN.md, "What is checked when").
//
// Thread-safety: as LogReader (any thread, concurrently with the appender).
#ifndef CREDLEDGER_LEDGER_SCRUB_H_
#define CREDLEDGER_LEDGER_SCRUB_H_

#include <cstdint>
#include <functional>

#include "ledger/log_reader.h"

namespace credledger {

struct ScrubProgress {
  uint64_t blocks = 0;     // checked so far
  uint64_t entries = 0;    // checked so far
  uint64_t tree_size = 0;  // the head's when the scrub started: the end of this pass
};

// Checks every block from height 0 to the head as of the call: its signature under the
// ledger's node key, its height, origin and link to the block before (prev_hash, first
// index), every entry against its leaf in the tree, the root of the leaves as read against
// the block's root, the stored tree's root at the block's size against it too, and the
// middle rows of the tiles the block filled against their bottom rows. Calls
// `step` after each block; a `step` that returns false stops the scrub there (OK: nothing
// found so far).
// Errors: DataLoss naming the first block or entry that disagrees; the store's errors.
Status ScrubLog(const LogReader& log, const std::function<bool(const ScrubProgress&)>& step);

}  // namespace credledger

#endif  // CREDLEDGER_LEDGER_SCRUB_H_
