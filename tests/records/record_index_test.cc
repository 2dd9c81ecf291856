#include "ledger/records/record_index.h"

#include <catch2/catch.hpp>

#include "crypto/encoding.h"
#include "ledger/format.h"

using namespace credledger;
using namespace credledger::records;

namespace {

const std::string kId(64, 'a'), kTarget(64, 'b'), kChange(64, 'c');

RecordInfo Penalty() {
  RecordInfo info;
  info.index = 300;  // more than one varint byte
  info.type = RecordType::kPenalty;
  info.agency = "sz-amr";
  info.subject = "914403001922038216";
  info.target = kTarget;
  info.status = "suspended";
  info.reversible_suspension = true;
  info.decision_date = "2026-01-01";
  info.severity = "general";
  info.regime = "2026";
  info.kinds = {"warning", "fine"};
  info.display_ended_on = "2026-07-03";
  info.repaired = true;
  info.changes = {{301, kChange, "suspended", false}, {1ull << 40, kId, "valid", true}};
  return info;
}

}  // namespace

TEST_CASE("a record's index value reads back as written, and a damaged one is refused",
          "[records][index]") {
  const RecordInfo info = Penalty();
  const std::string bytes = EncodeRecordInfo(info);
  auto decoded = DecodeRecordInfo(info.index, info.subject, bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == info);
  RecordInfo plain;
  plain.agency = "a";
  plain.subject = "s";
  auto decoded_plain = DecodeRecordInfo(0, plain.subject, EncodeRecordInfo(plain));
  REQUIRE(decoded_plain.ok());
  CHECK(*decoded_plain == plain);
  // Every truncation, every extension, and another version: DataLoss, never a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    CHECK(DecodeRecordInfo(info.index, info.subject, bytes.substr(0, n)).status().code() ==
          StatusCode::kDataLoss);
  }
  CHECK(DecodeRecordInfo(info.index, info.subject, bytes + "x").status().code() ==
        StatusCode::kDataLoss);
  std::string other = bytes;
  other[0] = 1;
  CHECK(DecodeRecordInfo(info.index, info.subject, other).status().code() == StatusCode::kDataLoss);
}

TEST_CASE("index keys sort as the queries need and say what they are", "[records][index]") {
  // A subject's keys in log order, and no subject's range inside another's.
  CHECK(index_keys::Subject("A", 2) < index_keys::Subject("A", 256));
  CHECK(index_keys::Subject("AB", 1) > index_keys::Subject("A", UINT64_MAX));
  // A document's first record, then the later ones: one scan from the first's key.
  CHECK(index_keys::Document(kId, 7).starts_with(index_keys::DocumentAnchor(kId)));
  CHECK(index_keys::DocumentAnchor(kId) < index_keys::Document(kId, 0));
  CHECK(DescribeIndexKey(index_keys::DocumentAnchor(kId)) ==
        "document " + kId + " (its first record)");
  // Records by log index: consecutive records share their keys' prefix.
  CHECK(index_keys::Record(300).size() == 2 + 8);
  CHECK(index_keys::Record(255) < index_keys::Record(256));
  CHECK(DescribeIndexKey(index_keys::Record(300)) == "record at index 300");
  CHECK(DescribeIndexKey(index_keys::Subject("914403001922038216", 17)) ==
        "subject 914403001922038216 at index 17");
  CHECK(DescribeIndexKey(index_keys::Document(kId, 9)) == "document " + kId + " at index 9");
  CHECK(DescribeIndexKey(index_keys::Config(5)) == "config entry 5");
  CHECK(DescribeIndexKey("e123") == "(not an index key)");
}

TEST_CASE("pending index writes: over the store, into the block, dropped or kept",
          "[records][index]") {
  MemoryStore store;
  WriteBatch durable;
  durable.Put("xk2", "durable 2");
  durable.Put("xk4", "durable 4");
  REQUIRE(store.Write(durable, false).ok());
  PendingIndex pending(&store, nullptr, PendingIndex::Durability::kBlocks);
  WriteBatch block;
  pending.Put(10, "xk1", "pending 1", &block);
  pending.Put(10, "xk4", "pending 4", &block);
  pending.Put(11, "xk4", "pending 4 again", &block);
  CHECK(block.size() == 3);  // the block carries them; the store does not, yet
  std::string v;
  REQUIRE(pending.Get("xk4", &v).ok());
  CHECK(v == "pending 4 again");
  REQUIRE(pending.Get("xk2", &v).ok());
  CHECK(v == "durable 2");
  CHECK(pending.Get("xk9", &v).code() == StatusCode::kNotFound);
  auto scan = [&](std::string_view start) {
    std::vector<std::string> seen;
    REQUIRE(pending
                .Scan("xk", start,
                      [&](std::string_view k, std::string_view value) {
                        seen.push_back(std::string(k) + "=" + std::string(value));
                        return true;
                      })
                .ok());
    return seen;
  };
  CHECK(scan("xk") ==
        std::vector<std::string>{"xk1=pending 1", "xk2=durable 2", "xk4=pending 4 again"});
  CHECK(scan("xk3") == std::vector<std::string>{"xk4=pending 4 again"});
  // Entry 11's block failed: its writes go, entry 10's stay.
  pending.RolledBack(11);
  REQUIRE(pending.Get("xk4", &v).ok());
  CHECK(v == "pending 4");
  // Entry 10's block is durable (the ledger wrote it): what is pending of it is forgotten.
  CHECK(pending.Committed(11).ok());
  REQUIRE(pending.Get("xk4", &v).ok());
  CHECK(v == "durable 4");  // the block's batch was not written here: the store decides
  CHECK(pending.Get("xk1", &v).code() == StatusCode::kNotFound);

  // A verifier's own store: committed writes land in it.
  MemoryStore own;
  PendingIndex owned(&own, nullptr, PendingIndex::Durability::kOwnStore);
  owned.Put(1, "xa", "1", nullptr);
  owned.Put(2, "xb", "2", nullptr);
  REQUIRE(owned.Committed(2).ok());
  CHECK(own.Get("xa", &v).ok());
  CHECK(own.Get("xb", &v).code() == StatusCode::kNotFound);
}

namespace {

// The log's leaves, as a vector: what LogLeaves reads from a log reader.
class VectorLeaves : public LeafIndex {
 public:
  std::vector<merkle::Hash> leaves;
  Result<std::optional<uint64_t>> Find(const merkle::Hash& leaf) const override {
    for (size_t i = 0; i < leaves.size(); ++i) {
      if (leaves[i] == leaf) return std::optional<uint64_t>(i);
    }
    return std::optional<uint64_t>();
  }
  Result<merkle::Hash> At(uint64_t index) const override {
    if (index >= leaves.size()) return Status::NotFound("beyond the log");
    return leaves[index];
  }
};

merkle::Hash Leaf(uint8_t b) {
  merkle::Hash h{};
  h.fill(b);
  return h;
}

}  // namespace

TEST_CASE("record ids translate through the log's leaves and the admitted ones",
          "[records][index]") {
  MemoryStore store;
  VectorLeaves log;
  log.leaves = {Leaf(0), Leaf(1)};  // entries 0 and 1 are durable and shown
  PendingIndex pending(&store, &log, PendingIndex::Durability::kBlocks);
  pending.PutLeaf(2, Leaf(2));
  pending.PutLeaf(3, Leaf(3));
  CHECK(*pending.Find(Leaf(1)).value() == 1);  // the log's
  CHECK(*pending.Find(Leaf(3)).value() == 3);  // admitted, not yet durable
  CHECK(!pending.Find(Leaf(9)).value());
  CHECK(pending.At(0).value() == Leaf(0));
  CHECK(pending.At(3).value() == Leaf(3));
  CHECK(pending.At(4).status().code() == StatusCode::kNotFound);
  // Entry 3's block failed.
  pending.RolledBack(3);
  CHECK(!pending.Find(Leaf(3)).value());
  CHECK(pending.At(3).status().code() == StatusCode::kNotFound);
  // Entry 2's block is durable, but the log shows it only after Committed returns: the leaf
  // stays until the next block commits.
  REQUIRE(pending.Committed(3).ok());
  CHECK(*pending.Find(Leaf(2)).value() == 2);
  CHECK(pending.At(2).value() == Leaf(2));
  log.leaves.push_back(Leaf(2));
  pending.PutLeaf(3, Leaf(4));
  REQUIRE(pending.Committed(4).ok());
  CHECK(*pending.Find(Leaf(2)).value() == 2);  // now the log's
  CHECK(*pending.Find(Leaf(4)).value() == 3);  // still here
  CHECK(pending.At(3).value() == Leaf(4));

  // A verifier's own store has no log: every leaf stays.
  MemoryStore own;
  PendingIndex owned(&own, nullptr, PendingIndex::Durability::kOwnStore);
  owned.PutLeaf(1, Leaf(1));
  owned.PutLeaf(2, Leaf(2));
  REQUIRE(owned.Committed(3).ok());
  REQUIRE(owned.Committed(3).ok());
  CHECK(*owned.Find(Leaf(1)).value() == 1);
  CHECK(owned.At(2).value() == Leaf(2));
  CHECK(owned.At(0).status().code() == StatusCode::kNotFound);  // the genesis is not admitted
}
