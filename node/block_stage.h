// Blocks a cluster node holds durably for its leader before the cluster records them
// (docs/OPERATIONS.md): the copies that make a block "durable on a quorum" before its head is
// recorded in etcd. They are kept apart from the log, which takes a block only once it is
// recorded, so that a block never recorded (its leader died or was fenced first) is dropped
// by deleting a file, never by cutting the log back.
//
// One file per block, <dir>/<height>.block in the block's wire form (EncodeBlock), written to
// a temporary name, synced, renamed and its directory synced: after a crash a staged block is
// whole or absent.
//
// Thread-safe.
#ifndef CREDLEDGER_NODE_BLOCK_STAGE_H_
#define CREDLEDGER_NODE_BLOCK_STAGE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/mutex.h"
#include "crypto/status.h"
#include "ledger/block.h"

namespace credledger::node {

struct StagedBlock {
  BlockHeader header;
  std::vector<std::string> entries;
};

// A block's wire and file form: its header's JSON (as stored), a newline, then each entry as
// an 8-byte big-endian length and its bytes. Blocks concatenated make a push of several.
void EncodeBlock(const BlockHeader& header, const std::vector<std::string_view>& entries,
                 std::string* out);
// The blocks in `bytes`, each with as many entries as its header says. Errors:
// InvalidArgument naming what is malformed.
Result<std::vector<StagedBlock>> DecodeBlocks(std::string_view bytes);

class BlockStage {
 public:
  // The stage in `dir` (created if missing). Errors: Unavailable.
  static Result<std::unique_ptr<BlockStage>> Open(const std::string& dir);

  // Stages `header`'s block durably, dropping first any block staged at its height or above
  // (an earlier attempt at that height, never recorded).
  Status Put(const BlockHeader& header, const std::vector<std::string_view>& entries);
  // Put, for the block at `height` already in its wire form (EncodeBlock).
  Status PutEncoded(uint64_t height, std::string_view encoded);
  // The block staged at `height`, if any. Errors: Unavailable; DataLoss (a file that does not
  // decode).
  Result<std::optional<StagedBlock>> Get(uint64_t height) const;
  // The staged heights, ascending.
  std::vector<uint64_t> Heights() const;
  // Drops the blocks at heights <= `height` (now in the log) or >= `from` (never recorded).
  Status DropThrough(uint64_t height);
  Status DropFrom(uint64_t from);

 private:
  explicit BlockStage(std::string dir) : dir_(std::move(dir)) {}
  std::string PathOf(uint64_t height) const;
  Status DropIf(bool (*drop)(uint64_t height, uint64_t bound), uint64_t bound);

  const std::string dir_;
  mutable Mutex mu_;  // one change of the directory at a time
};

}  // namespace credledger::node

#endif  // CREDLEDGER_NODE_BLOCK_STAGE_H_
