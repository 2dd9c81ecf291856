// The C2SP tlog-tiles layout (ledger/tlog_tiles.h): paths as the spec spells them, tile and
// bundle bytes against the spec's definition computed from the entries by merkle.h, and the
// static-file writer. A Go client checks the same layout independently
// (tests/e2e/interop/tiles.go).
#include "ledger/tlog_tiles.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "ledger/checkpoint.h"
#include "ledger/ledger.h"
#include "ledger_util.h"
#include "test_util.h"

using namespace credledger;
using merkle::Hash;
using tlog::TileId;

namespace {

constexpr const char* kOrigin = "tiles.credledger.test/log";

struct TestLog {
  std::shared_ptr<MemoryStore> mem = std::make_shared<MemoryStore>();
  crypto::PrivateKey key = *crypto::PrivateKey::Generate(crypto::KeyAlgorithm::kEd25519);
  std::unique_ptr<Ledger> ledger;
  std::vector<std::string> entries;
  merkle::HashAlgorithm alg;

  explicit TestLog(merkle::HashAlgorithm alg = merkle::HashAlgorithm::kSha256) : alg(alg) {
    LedgerOptions options;
    options.max_block_delay = std::chrono::microseconds(200);
    options.max_block_entries = 5000;
    auto l =
        Ledger::Create(std::make_unique<testing::SharedStore>(mem), key, kOrigin, alg, {}, options);
    REQUIRE(l.ok());
    ledger = std::move(*l);
    entries.push_back(*ledger->log().GetEntry(0));  // the genesis entry
  }
  // Appends entries until the tree holds `size`.
  void GrowTo(uint64_t size, size_t entry_bytes = 0) {
    std::vector<std::future<Result<AppendReceipt>>> fs;
    while (entries.size() < size) {
      std::string e = "entry " + std::to_string(entries.size());
      if (entry_bytes > e.size()) e.resize(entry_bytes, '.');
      entries.push_back(e);
      fs.push_back(ledger->Submit(e));
    }
    for (auto& f : fs) REQUIRE(f.get().ok());
  }
  // MTH(D[begin:end]), from the entries, by merkle.h.
  Hash Mth(uint64_t begin, uint64_t end) const {
    std::vector<Hash> leaves;
    for (uint64_t i = begin; i < end; ++i) {
      leaves.push_back(merkle::LeafHash(alg, entries[i]));
    }
    return merkle::RootFromLeafHashes(alg, leaves);
  }
  // The spec's tile: MTH(D[(n*256 + i) * 256^l : (n*256 + i + 1) * 256^l]), i < width.
  std::string ExpectedTile(const TileId& t) const {
    std::string out;
    uint64_t span = 1;
    for (uint32_t l = 0; l < t.level; ++l) span *= 256;
    for (uint64_t i = 0; i < t.width; ++i) {
      Hash h = Mth((t.index * 256 + i) * span, (t.index * 256 + i + 1) * span);
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
    }
    return out;
  }
};

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every regular file under `dir`, relative to it.
std::set<std::string> FilesUnder(const std::filesystem::path& dir) {
  std::set<std::string> out;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) out.insert(std::filesystem::relative(f.path(), dir).string());
  }
  return out;
}

}  // namespace

TEST_CASE("tile paths are spelled as C2SP tlog-tiles spells them, and only so", "[tiles]") {
  struct Case {
    TileId tile;
    std::string path;
  };
  const Case cases[] = {
      {{.level = 0, .index = 0}, "tile/0/000"},
      {{.level = 0, .index = 1234067}, "tile/0/x001/x234/067"},  // the spec's example
      {{.level = 1, .index = 2, .width = 17}, "tile/1/002.p/17"},
      {{.level = 63, .index = 999}, "tile/63/999"},
      {{.level = 2, .index = 1000, .width = 1}, "tile/2/x001/000.p/1"},
      {{.entries = true, .index = 273, .width = 112}, "tile/entries/273.p/112"},
      {{.entries = true, .index = 1000000}, "tile/entries/x001/x000/000"},
      {{.level = 0, .index = UINT64_MAX}, "tile/0/x018/x446/x744/x073/x709/x551/615"},
  };
  for (const Case& c : cases) {
    CHECK(tlog::TilePath(c.tile) == c.path);
    auto parsed = tlog::ParseTilePath(c.path);
    REQUIRE(parsed.ok());
    CHECK(*parsed == c.tile);
  }
  for (const char* bad : {"tile/00/000",
                          "tile/64/000",
                          "tile/-1/000",
                          "tile/0/1",
                          "tile/0/0000",
                          "tile/0/x000/001",
                          "tile/0/001/002",
                          "tile/0/x001/x002",
                          "tile/0/000.p/0",
                          "tile/0/000.p/256",
                          "tile/0/000.p/01",
                          "tile/0/000.p/",
                          "tile/entries/000.p/5/6",
                          "tile/0/000/",
                          "tile/0/",
                          "tile/0",
                          "tiles/0/000",
                          "tile/entry/000",
                          "tile/0/x018/x446/x744/x073/x709/x551/616",
                          "tile/0/x001/x018/x446/x744/x073/x709/x551/615",
                          "tile/0/0x1",
                          "tile/0/x01/000"}) {
    auto parsed = tlog::ParseTilePath(bad);
    CHECK(parsed.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(parsed.status().message(), Catch::Contains("is not a tile path"));
  }
}

TEST_CASE("tiles and bundles hold what the spec defines, from the entries", "[tiles]") {
  TestLog log;
  // The spec's example size, and a size where a level-1 tile has just filled.
  for (uint64_t size : {uint64_t{70000}, uint64_t{65536}, uint64_t{65537}}) {
    if (size < log.entries.size()) continue;
    log.GrowTo(size);
    const LogReader& reader = log.ledger->log();
    std::vector<TileId> tiles;
    for (uint32_t level = 0; level < 3; ++level) {
      uint64_t at_level = size;
      for (uint32_t l = 0; l < level; ++l) at_level /= 256;
      for (uint64_t n : {uint64_t{0}, at_level / 256 - 1, at_level / 256}) {
        if (n * 256 >= at_level) continue;
        const uint64_t width = std::min<uint64_t>(256, at_level - n * 256);
        tiles.push_back({.level = level, .index = n, .width = width});
        if (width > 3) tiles.push_back({.level = level, .index = n, .width = width - 3});
      }
    }
    for (const TileId& t : tiles) {
      INFO(tlog::TilePath(t) << " at size " << size);
      auto bytes = tlog::ReadTile(reader, t);
      REQUIRE(bytes.ok());
      CHECK(*bytes == log.ExpectedTile(t));
    }
    // Bundles: each entry behind its big-endian uint16 length, hashing to its leaf.
    for (uint64_t n : {uint64_t{0}, size / 256}) {
      const uint64_t width = std::min<uint64_t>(256, size - n * 256);
      auto bundle = tlog::ReadTile(reader, {.entries = true, .index = n, .width = width});
      REQUIRE(bundle.ok());
      std::string expected;
      for (uint64_t i = n * 256; i < n * 256 + width; ++i) {
        expected.push_back(static_cast<char>(log.entries[i].size() >> 8));
        expected.push_back(static_cast<char>(log.entries[i].size() & 0xff));
        expected += log.entries[i];
      }
      CHECK(*bundle == expected);
    }
  }
  const LogReader& reader = log.ledger->log();
  const uint64_t size = reader.Head().tree_size;  // 70000: 273 full level-0 tiles, then 112
  // Beyond the tree: a wider partial than the tree holds, a full tile not yet full, a level
  // the tree does not reach, a bundle past the end.
  for (const TileId& t :
       {TileId{.level = 0, .index = 273, .width = 113}, TileId{.level = 0, .index = 273},
        TileId{.level = 1, .index = 1}, TileId{.level = 3, .index = 0, .width = 1},
        TileId{.level = 40, .index = 0, .width = 1},
        TileId{.entries = true, .index = 274, .width = 1}}) {
    INFO(tlog::TilePath(t));
    CHECK(tlog::ReadTile(reader, t).status().code() == StatusCode::kNotFound);
  }
  CHECK(size == 70000);
}

TEST_CASE("an SM3 ledger's tiles hold its SM3 hashes, in the same layout", "[tiles]") {
  TestLog log(merkle::HashAlgorithm::kSm3);
  log.GrowTo(300);
  for (const TileId& t :
       {TileId{.level = 0, .index = 0}, TileId{.level = 0, .index = 1, .width = 44},
        TileId{.level = 1, .index = 0, .width = 1}}) {
    INFO(tlog::TilePath(t));
    auto bytes = tlog::ReadTile(log.ledger->log(), t);
    REQUIRE(bytes.ok());
    CHECK(*bytes == log.ExpectedTile(t));
  }
  // Not SHA-256's: a generic C2SP client's root will not match the checkpoint.
  const Hash sha256_leaf = merkle::LeafHash(merkle::HashAlgorithm::kSha256, log.entries[0]);
  CHECK(tlog::ReadTile(log.ledger->log(), {.level = 0, .index = 0})->substr(0, 32) !=
        std::string(reinterpret_cast<const char*>(sha256_leaf.data()), 32));
}

TEST_CASE("an entry too large for a bundle's length is named, and its bundle left out", "[tiles]") {
  TestLog log;
  log.GrowTo(10);
  log.GrowTo(11, 65535);  // the largest a bundle carries
  log.GrowTo(12, 65536);  // one byte more
  log.GrowTo(300);
  const LogReader& reader = log.ledger->log();
  auto bundle = tlog::ReadTile(reader, {.entries = true, .index = 0});
  CHECK(bundle.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(bundle.status().message(),
             Catch::Contains("entry 11 has 65536 bytes") && Catch::Contains("/v1/entries/11"));
  auto first = tlog::ReadTile(reader, {.entries = true, .index = 0, .width = 11});
  REQUIRE(first.ok());
  size_t first_bytes = 0;
  for (int i = 0; i < 11; ++i) first_bytes += 2 + log.entries[i].size();
  CHECK(first->size() == first_bytes);
  CHECK(first->substr(first->size() - 65535 - 2, 2) == "\xff\xff");

  testing::TempDir temp;
  const auto dir = temp.path() / "tiles";
  auto checkpoint = log.ledger->SignedCheckpoint();
  REQUIRE(checkpoint.ok());
  auto written = tlog::WriteStaticTiles(reader, *checkpoint, 300, dir.string());
  REQUIRE(written.ok());
  CHECK(written->skipped_bundles == 1);
  CHECK_FALSE(std::filesystem::exists(dir / "tile/entries/000"));
  CHECK(std::filesystem::exists(dir / "tile/entries/001.p/44"));
  CHECK(std::filesystem::exists(dir / "tile/0/000"));
}

TEST_CASE("the static layout: the spec's file set, grown in place, checkpoint last", "[tiles]") {
  TestLog log;
  log.GrowTo(70000);
  const LogReader& reader = log.ledger->log();
  testing::TempDir temp;
  const auto dir = temp.path() / "tiles";
  auto checkpoint = log.ledger->SignedCheckpoint();
  REQUIRE(checkpoint.ok());
  auto written = tlog::WriteStaticTiles(reader, *checkpoint, 70000, dir.string());
  REQUIRE(written.ok());
  CHECK(written->from_size == 0);
  // The spec: "a tree of size 70,000 will be represented by 273 full level 0 tiles, one
  // partial level 0 tile of width 112, one full level 1 tile, one partial level 1 tile of
  // width 17, and one partial level 2 tile of width 1", and a bundle per level-0 tile.
  std::set<std::string> expected = {"checkpoint",     "tile/0/273.p/112",
                                    "tile/1/000",     "tile/1/001.p/17",
                                    "tile/2/000.p/1", "tile/entries/273.p/112"};
  for (uint64_t n = 0; n < 273; ++n) {
    expected.insert(tlog::TilePath({.level = 0, .index = n}));
    expected.insert(tlog::TilePath({.entries = true, .index = n}));
  }
  CHECK(FilesUnder(dir) == expected);
  CHECK(written->files == expected.size() - 1);
  CHECK(ReadFile(dir / "checkpoint") == *checkpoint);
  for (const std::string& f : expected) {
    if (f == "checkpoint") continue;
    auto tile = tlog::ParseTilePath(f);
    REQUIRE(tile.ok());
    CHECK(ReadFile(dir / f) == *tlog::ReadTile(reader, *tile));
  }
  // The same size again writes nothing.
  auto again = tlog::WriteStaticTiles(reader, *checkpoint, 70000, dir.string());
  REQUIRE(again.ok());
  CHECK(again->files == 0);

  // Grown past the end of tile 0/273: it is written full, its partial versions removed, and
  // the partial tiles of the older size that stay partial are kept beside the new ones.
  log.GrowTo(70000 + 200);
  auto next = log.ledger->SignedCheckpoint();
  REQUIRE(next.ok());
  auto grown = tlog::WriteStaticTiles(reader, *next, 70200, dir.string());
  REQUIRE(grown.ok());
  CHECK(grown->from_size == 70000);
  auto files = FilesUnder(dir);
  CHECK(files.count("tile/0/273") == 1);
  CHECK(files.count("tile/entries/273") == 1);
  CHECK(files.count("tile/0/273.p/112") == 0);
  CHECK(files.count("tile/entries/273.p/112") == 0);
  CHECK(files.count("tile/0/274.p/56") == 1);
  CHECK(files.count("tile/1/001.p/17") == 1);  // level 1 is still partial: both widths stay
  CHECK(files.count("tile/1/001.p/18") == 1);
  CHECK(ReadFile(dir / "checkpoint") == *next);

  // A directory of another log, or of a larger tree, is refused.
  auto smaller = tlog::WriteStaticTiles(reader, *checkpoint, 70000, dir.string());
  CHECK(smaller.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(smaller.status().message(), Catch::Contains("holds a tree of 70200 entries"));
  std::ofstream(dir / "checkpoint", std::ios::trunc) << "other.example/log\n5\n"
                                                     << std::string(43, 'A') << "=\n\n";
  auto other = tlog::WriteStaticTiles(reader, *next, 70200, dir.string());
  CHECK(other.status().code() == StatusCode::kFailedPrecondition);
  CHECK_THAT(other.status().message(), Catch::Contains("another log (other.example/log)"));
}
