#include "ledger/format.h"

#include "crypto/encoding.h"

namespace credledger::format {

void PutBigEndian64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}

uint64_t GetBigEndian64(std::string_view bytes) {
  uint64_t v = 0;
  for (char c : bytes.substr(0, 8)) v = v << 8 | static_cast<uint8_t>(c);
  return v;
}

std::string EntryKey(uint64_t index) {
  std::string k(1, kEntryPrefix);
  PutBigEndian64(&k, index);
  return k;
}

std::string LeafKey(const crypto::Digest& leaf_hash) {
  std::string k(1, kLeafPrefix);
  k.append(reinterpret_cast<const char*>(leaf_hash.data()), leaf_hash.size());
  return k;
}

namespace {

std::string TileKeyWithPrefix(char prefix, uint32_t tile_level, uint64_t tile_index) {
  std::string k(1, prefix);
  k.push_back(static_cast<char>(tile_level));
  PutBigEndian64(&k, tile_index);
  return k;
}

std::string DescribeTile(std::string_view key) {
  return "tree tile " + std::to_string(static_cast<uint8_t>(key[1])) + "/" +
         std::to_string(GetBigEndian64(key.substr(2)));
}

}  // namespace

std::string TileKey(uint32_t tile_level, uint64_t tile_index) {
  return TileKeyWithPrefix(kTilePrefix, tile_level, tile_index);
}

std::string TileMiddleRowKey(uint32_t tile_level, uint64_t tile_index) {
  return TileKeyWithPrefix(kTileRowPrefix, tile_level, tile_index);
}

std::string BlockKey(uint64_t height) {
  std::string k(1, kBlockPrefix);
  PutBigEndian64(&k, height);
  return k;
}

std::string DescribeKey(std::string_view key) {
  if (key == kParamsKey) return "the ledger parameters";
  if (key == kHeadKey) return "the head pointer";
  if (key == kFollowedCheckpointKey) return "the leader's checkpoint this follower serves";
  if (key.size() == 9 && key[0] == kEntryPrefix) {
    return "entry " + std::to_string(GetBigEndian64(key.substr(1)));
  }
  if (key.size() == 9 && key[0] == kBlockPrefix) {
    return "block " + std::to_string(GetBigEndian64(key.substr(1)));
  }
  if (key.size() == 10 && key[0] == kTilePrefix) return DescribeTile(key);
  if (key.size() == 10 && key[0] == kTileRowPrefix) return "the middle row of " + DescribeTile(key);
  if (key.size() == 33 && key[0] == kLeafPrefix) {
    return "the leaf index of " +
           crypto::HexEncode(
               std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(key.data()) + 1, 4)) +
           "...";
  }
  return "a key of " + std::to_string(key.size()) + " bytes not in the ledger's layout";
}

}  // namespace credledger::format
