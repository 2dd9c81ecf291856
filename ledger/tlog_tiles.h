// The log in the C2SP tlog-tiles layout (c2sp.org/tlog-tiles): the paths of its hash tiles and
// entry bundles, their bytes, and a writer of the whole layout as static files for any web
// server or CDN to serve. The hash tiles are the store's own `t` tiles (ledger/format.h).
//
// Limits of the format, stated in docs/TILES.md: the spec's hash is SHA-256 (an SM3 ledger's
// tiles hold SM3 hashes, which a generic client's root will not match), and an entry bundle
// cannot carry an entry over 65,535 bytes.
#ifndef CREDLEDGER_LEDGER_TLOG_TILES_H_
#define CREDLEDGER_LEDGER_TLOG_TILES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/log_reader.h"

namespace credledger::tlog {

// The largest entry an entry bundle can hold: its length prefix is a big-endian uint16.
inline constexpr uint64_t kMaxBundledEntryBytes = 65535;

// A hash tile (`tile/<L>/<N>[.p/<W>]`) or an entry bundle (`tile/entries/<N>[.p/<W>]`).
struct TileId {
  bool entries = false;  // an entry bundle; otherwise a hash tile
  uint32_t level = 0;    // a hash tile's level, 0..63 (0 for a bundle)
  uint64_t index = 0;
  uint64_t width = 256;  // 1..256; a partial tile (".p/<W>") below 256
  bool full() const { return width == 256; }
  friend bool operator==(const TileId&, const TileId&) = default;
};

// The path of `tile` below a log's prefix: "tile/0/x001/x234/067.p/5", "tile/entries/000".
std::string TilePath(const TileId& tile);

// The tile a path below the prefix names: exactly the encodings TilePath writes (3-digit
// index elements, "x" on all but the last, no leading zeros in a level or a width). Errors:
// InvalidArgument saying what is wrong.
Result<TileId> ParseTilePath(std::string_view path);

// The bytes of `tile` as of the head of `log`: a hash tile's 32-byte hashes, or a bundle's
// entries, each behind its big-endian uint16 length (each entry checked against its leaf, as
// LogReader::GetEntry does). Errors: NotFound beyond the head's tree; FailedPrecondition for a
// bundle holding an entry over kMaxBundledEntryBytes; the reader's errors.
Result<std::string> ReadTile(const LogReader& log, const TileId& tile);

// What WriteStaticTiles did.
struct StaticWrite {
  uint64_t from_size = 0;        // the size of the checkpoint the directory held before
  uint64_t tree_size = 0;        // the size of the checkpoint it holds now
  uint64_t files = 0;            // tiles and bundles written
  uint64_t skipped_bundles = 0;  // bundles not written: an entry too large for the format
};

// Brings directory `dir` (created if missing) up to `checkpoint`, the signed note of tree size
// `tree_size` of `log`'s ledger: every full tile and bundle past the size of the checkpoint
// the directory holds, the partial ones of `tree_size`, then `dir/checkpoint`. Each file is
// written beside its place and renamed into it, and the files are synced before the
// checkpoint is replaced, so the directory never names a tree it lacks a tile of, even after
// a crash. A tile's partial files are removed once its full one is written (the spec allows
// it). A bundle holding an entry too large for the format is left out and counted. Errors:
// FailedPrecondition if `dir` holds another log's checkpoint or a larger tree; the reader's
// and the file system's errors.
Result<StaticWrite> WriteStaticTiles(const LogReader& log, std::string_view checkpoint,
                                     uint64_t tree_size, const std::string& dir);

}  // namespace credledger::tlog

#endif  // CREDLEDGER_LEDGER_TLOG_TILES_H_
