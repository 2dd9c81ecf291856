// Byte formats of the ledger store. Normative description: docs/DESIGN.md ("Data layout").
// Change both together.
#ifndef CREDLEDGER_LEDGER_FORMAT_H_
#define CREDLEDGER_LEDGER_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/hash.h"

namespace credledger::format {

inline constexpr int kFormatVersion = 1;

// Key prefixes (one byte each). All integers in keys are big-endian so that keys sort in
// numeric order.
inline constexpr char kEntryPrefix = 'e';    // e | u64 index          -> entry bytes
inline constexpr char kLeafPrefix = 'h';     // h | 32-byte leaf hash  -> u64 index
inline constexpr char kTilePrefix = 't';     // t | u8 level | u64 idx -> 1..256 hashes
inline constexpr char kBlockPrefix = 'b';    // b | u64 height         -> block header JSON
inline constexpr char kTileRowPrefix = 'r';  // r | u8 level | u64 idx -> a full tile's row 4
inline constexpr std::string_view kParamsKey = "m:params";  // -> ledger parameters JSON
inline constexpr std::string_view kHeadKey = "m:head";      // -> u64 latest block height
// A follower's (Ledger::OpenFollower): the latest checkpoint of its leader that it verified
// against its own copy of the log, which it serves.
inline constexpr std::string_view kFollowedCheckpointKey = "m:followed";

// A tile holds up to 256 consecutive hashes of one tree level (8 levels per tile level),
// as in C2SP tlog-tiles.
inline constexpr int kTileHeight = 8;
inline constexpr uint64_t kTileWidth = uint64_t{1} << kTileHeight;
// A full tile's middle row (its row 4: 16 hashes, each the root of 16 of its hashes) is stored
// beside it, so that a proof from a tile read cold hashes about 22 nodes instead of 255.
inline constexpr int kTileMiddleRow = kTileHeight / 2;
inline constexpr uint64_t kTileMiddleWidth = kTileWidth >> kTileMiddleRow;

void PutBigEndian64(std::string* out, uint64_t v);
// REQUIRES: bytes.size() == 8.
uint64_t GetBigEndian64(std::string_view bytes);

std::string EntryKey(uint64_t index);
std::string LeafKey(const crypto::Digest& leaf_hash);
std::string TileKey(uint32_t tile_level, uint64_t tile_index);
std::string BlockKey(uint64_t height);
std::string TileMiddleRowKey(uint32_t tile_level, uint64_t tile_index);

// What a store key names, for error messages: "entry 150", "block 3", "tree tile 0/2",
// "the middle row of tree tile 0/2",
// "the leaf index of 3fa2b1c0…", "the head pointer", "the ledger parameters".
std::string DescribeKey(std::string_view key);

}  // namespace credledger::format

#endif  // CREDLEDGER_LEDGER_FORMAT_H_
