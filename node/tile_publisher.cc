#include "node/tile_publisher.h"

#include "ledger/checkpoint.h"

namespace credledger::node {

TilePublisher::TilePublisher(const Ledger& ledger, CheckpointSource checkpoint, std::string dir,
                             std::chrono::milliseconds interval, Written written)
    : ledger_(ledger),
      checkpoint_(std::move(checkpoint)),
      dir_(std::move(dir)),
      written_(std::move(written)),
      task_(interval, [this] { Publish(); }) {}

void TilePublisher::Publish() {
  if (published_once_ && ledger_.Head().tree_size == published_size_.load()) return;
  // (With witnesses the published size trails the head: the write is then a cheap no-op
  // until their quorum cosigns a larger tree.)
  Result<tlog::StaticWrite> result = [&]() -> Result<tlog::StaticWrite> {
    // The checkpoint names its own size: the head may move on while the tiles are written,
    // and they are written for the size it signed.
    CREDLEDGER_ASSIGN_OR_RETURN(std::string note, checkpoint_());
    const size_t body_end = note.find("\n\n");
    CREDLEDGER_ASSIGN_OR_RETURN(
        Checkpoint signed_head,
        ParseCheckpointBody(std::string_view(note).substr(0, body_end + 1)));
    return tlog::WriteStaticTiles(ledger_.log(), note, signed_head.tree_size, dir_);
  }();
  if (result.ok()) {
    published_once_ = true;
    published_size_ = result->tree_size;
  } else {
    ++failures_;
  }
  written_(result);
}

}  // namespace credledger::node
