// LeafFilter: an in-memory blocked Bloom filter over every leaf hash in the log, so that the
// sequencer's idempotency check (is this entry already in the log?) skips the store look-up
// for the common case of a new entry. A "maybe" still goes to the store, so false positives
// cost a read, never a wrong answer.
//
// Leaf hashes are uniformly random, so their own bits pick the block and the bits within it:
// no rehashing. 16 bits per entry, 8 probes in one 64-byte block (false positive rate well
// under 1%).
//
// Thread-compatible: used by the sequencer thread only.
#ifndef CREDLEDGER_LEDGER_INTERNAL_LEAF_FILTER_H_
#define CREDLEDGER_LEDGER_INTERNAL_LEAF_FILTER_H_

#include <cstdint>
#include <cstring>
#include <vector>

#include "ledger/merkle.h"

namespace credledger::internal {

class LeafFilter {
 public:
  // Room for `capacity` leaves at the designed false-positive rate.
  explicit LeafFilter(uint64_t capacity) : capacity_(capacity), blocks_(BlocksFor(capacity)) {}

  uint64_t capacity() const { return capacity_; }
  // The capacity a filter of `bytes` bytes has at the designed false-positive rate.
  static uint64_t CapacityFor(uint64_t bytes) {
    return std::max<uint64_t>(1, bytes * 8 / kBitsPerEntry);
  }
  // Bytes of memory the filter holds.
  uint64_t bytes() const { return blocks_.size() * sizeof(Block); }
  uint64_t size() const { return size_; }

  void Add(const merkle::Hash& leaf) {
    Block& b = blocks_[BlockIndex(leaf)];
    for (int k = 0; k < kProbes; ++k) {
      uint16_t bit = Probe(leaf, k);
      b.words[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
    ++size_;
  }

  bool MayContain(const merkle::Hash& leaf) const {
    const Block& b = blocks_[BlockIndex(leaf)];
    for (int k = 0; k < kProbes; ++k) {
      uint16_t bit = Probe(leaf, k);
      if ((b.words[bit >> 6] & (uint64_t{1} << (bit & 63))) == 0) return false;
    }
    return true;
  }

 private:
  static constexpr int kProbes = 8;
  static constexpr uint64_t kBitsPerEntry = 16;
  struct alignas(64) Block {
    uint64_t words[8] = {};
  };

  static size_t BlocksFor(uint64_t capacity) {
    return static_cast<size_t>(std::max<uint64_t>(1, capacity * kBitsPerEntry / 512));
  }
  size_t BlockIndex(const merkle::Hash& leaf) const {
    uint64_t v;
    std::memcpy(&v, leaf.data(), sizeof v);
    return static_cast<size_t>(v % blocks_.size());
  }
  // 9 bits (0..511) per probe, from bytes 8.. of the hash: independent of the block index.
  static uint16_t Probe(const merkle::Hash& leaf, int k) {
    size_t byte = 8 + static_cast<size_t>(k) * 2;
    return static_cast<uint16_t>((leaf[byte] << 8 | leaf[byte + 1]) & 511);
  }

  uint64_t capacity_;
  uint64_t size_ = 0;
  std::vector<Block> blocks_;
};

}  // namespace credledger::internal

#endif  // CREDLEDGER_LEDGER_INTERNAL_LEAF_FILTER_H_
