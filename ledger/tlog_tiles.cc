#include "ledger/tlog_tiles.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "ledger/checkpoint.h"
#include "ledger/format.h"

namespace credledger::tlog {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kWidth = format::kTileWidth;

// "x001/x234/067" for 1234067: 3-digit elements, all but the last behind an "x".
std::string EncodeIndex(uint64_t index) {
  std::string groups[7];  // 2^64 has 20 digits: at most 7 groups
  int count = 0;
  do {
    char digits[4];
    std::snprintf(digits, sizeof(digits), "%03u", static_cast<unsigned>(index % 1000));
    groups[count++] = digits;
    index /= 1000;
  } while (index > 0);
  std::string out;
  for (int i = count - 1; i >= 0; --i) {
    if (i > 0) out += 'x';
    out += groups[i];
    if (i > 0) out += '/';
  }
  return out;
}

// A decimal with no leading zeros ("0" itself allowed), at most `max`.
bool ParseSmallDecimal(std::string_view text, uint64_t max, uint64_t* out) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && *out <= max;
}

bool IsThreeDigits(std::string_view s) {
  return s.size() == 3 && std::isdigit(static_cast<unsigned char>(s[0])) &&
         std::isdigit(static_cast<unsigned char>(s[1])) &&
         std::isdigit(static_cast<unsigned char>(s[2]));
}

// Whether the hashes [256 index, 256 index + width) of a level holding `at_level` exist.
bool InLevel(uint64_t index, uint64_t width, uint64_t at_level) {
  return width <= at_level && index <= (at_level - width) / kWidth;
}

// Written beside its place and renamed into it, not synced: WriteStaticTiles syncs the whole
// file system once before the checkpoint names the files.
Status WriteFileUnsynced(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Status::Unavailable("creating " + path.parent_path().string() + ": " + ec.message());
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) return Status::Unavailable("writing " + tmp.string());
  }
  fs::rename(tmp, path, ec);
  if (ec) return Status::Unavailable("renaming " + tmp.string() + ": " + ec.message());
  return Status::Ok();
}

// Syncs the file system holding `dir`: every file written above, before the checkpoint names
// them. One syncfs instead of an fsync per file and directory.
Status SyncFileSystem(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("opening " + dir.string() + " to sync it");
  const int rc = ::syncfs(fd);
  ::close(fd);
  if (rc != 0) return Status::Unavailable("syncing the file system of " + dir.string());
  return Status::Ok();
}

// The checkpoint `dir` holds, if any.
Result<std::optional<Checkpoint>> HeldCheckpoint(const fs::path& dir) {
  std::ifstream in(dir / "checkpoint", std::ios::binary);
  if (!in) return std::optional<Checkpoint>();
  std::string note((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t body_end = note.find("\n\n");
  auto parsed = ParseCheckpointBody(
      std::string_view(note).substr(0, body_end == std::string::npos ? note.size() : body_end + 1));
  // Unreadable (a crash between the rename and its data reaching the disk): as if absent.
  // Writing from size 0 again rewrites the same bytes.
  if (!parsed.ok()) return std::optional<Checkpoint>();
  return std::optional<Checkpoint>(*parsed);
}

}  // namespace

std::string TilePath(const TileId& tile) {
  std::string path = tile.entries ? "tile/entries/" : "tile/" + std::to_string(tile.level) + "/";
  path += EncodeIndex(tile.index);
  if (!tile.full()) path += ".p/" + std::to_string(tile.width);
  return path;
}

Result<TileId> ParseTilePath(std::string_view path) {
  auto bad = [&](std::string_view why) {
    // Appended, not "..." + std::string(path): GCC 12 warns of a memcpy overlap there
    // (-Wrestrict, a false positive of its operator+ on an rvalue).
    std::string message = "\"";
    message.append(path).append("\" is not a tile path (").append(why).append(")");
    return Status::InvalidArgument(message);
  };
  if (!path.starts_with("tile/")) return bad("it does not start with tile/");
  std::string_view rest = path.substr(5);
  TileId tile;
  const size_t first = rest.find('/');
  if (first == std::string_view::npos) return bad("no index");
  if (rest.substr(0, first) == "entries") {
    tile.entries = true;
  } else {
    uint64_t level = 0;
    if (!ParseSmallDecimal(rest.substr(0, first), 63, &level)) {
      return bad("the level is a decimal from 0 to 63 without leading zeros");
    }
    tile.level = static_cast<uint32_t>(level);
  }
  rest = rest.substr(first + 1);
  // The width suffix: ".p/<W>", W from 1 to 255.
  if (const size_t dot = rest.find(".p/"); dot != std::string_view::npos) {
    uint64_t width = 0;
    if (!ParseSmallDecimal(rest.substr(dot + 3), 255, &width) || width == 0) {
      return bad("a partial tile's width is a decimal from 1 to 255 without leading zeros");
    }
    tile.width = width;
    rest = rest.substr(0, dot);
  }
  // The index: "x001/x234/067", and only that spelling of it (no "x000/" in front).
  uint64_t index = 0;
  size_t groups = 0;
  for (std::string_view left = rest; !left.empty();) {
    const size_t slash = left.find('/');
    std::string_view group = left.substr(0, slash);
    if (slash != std::string_view::npos && group.starts_with('x')) group.remove_prefix(1);
    if (!IsThreeDigits(group) || ++groups > 7) break;
    const uint64_t value =
        static_cast<uint64_t>((group[0] - '0') * 100 + (group[1] - '0') * 10 + (group[2] - '0'));
    if (index > (UINT64_MAX - value) / 1000) return bad("the index is too large");
    index = index * 1000 + value;
    left = slash == std::string_view::npos ? std::string_view() : left.substr(slash + 1);
  }
  if (EncodeIndex(index) != rest) {
    return bad(
        "the index is 3-digit elements, each but the last behind an x, with no leading "
        "x000 element");
  }
  tile.index = index;
  return tile;
}

Result<std::string> ReadTile(const LogReader& log, const TileId& tile) {
  std::string out;
  if (!tile.entries) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::vector<merkle::Hash> hashes,
                                log.TileHashes(tile.level, tile.index, tile.width));
    out.reserve(hashes.size() * sizeof(merkle::Hash));
    for (const merkle::Hash& h : hashes)
      out.append(reinterpret_cast<const char*>(h.data()), h.size());
    return out;
  }
  const uint64_t tree_size = log.Head().tree_size;
  if (!InLevel(tile.index, tile.width, tree_size)) {
    return Status::NotFound("entry bundle " + std::to_string(tile.index) + " of width " +
                            std::to_string(tile.width) + " is beyond the tree (" +
                            std::to_string(tree_size) + " entries)");
  }
  const uint64_t first = tile.index * kWidth;
  for (uint64_t i = first; i < first + tile.width; ++i) {
    CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, log.GetEntry(i));
    if (entry.size() > kMaxBundledEntryBytes) {
      return Status::FailedPrecondition(
          "entry " + std::to_string(i) + " has " + std::to_string(entry.size()) +
          " bytes, more than an entry bundle's 16-bit length can carry (65,535); read it at "
          "/v1/entries/" +
          std::to_string(i));
    }
    out.push_back(static_cast<char>(entry.size() >> 8));
    out.push_back(static_cast<char>(entry.size() & 0xff));
    out += entry;
  }
  return out;
}

Result<StaticWrite> WriteStaticTiles(const LogReader& log, std::string_view checkpoint,
                                     uint64_t tree_size, const std::string& dir) {
  const fs::path root(dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::Unavailable("creating " + dir + ": " + ec.message());
  CREDLEDGER_ASSIGN_OR_RETURN(std::optional<Checkpoint> held, HeldCheckpoint(root));
  StaticWrite result;
  result.tree_size = tree_size;
  if (held) {
    if (held->origin != log.params().origin) {
      return Status::FailedPrecondition(dir + " holds the tiles of another log (" + held->origin +
                                        ")");
    }
    if (held->tree_size > tree_size) {
      return Status::FailedPrecondition(
          dir + " holds a tree of " + std::to_string(held->tree_size) +
          " entries, larger than this log's " + std::to_string(tree_size));
    }
    result.from_size = held->tree_size;
  }
  if (held && held->tree_size == tree_size) return result;

  auto write = [&](const TileId& tile) -> Status {
    auto bytes = ReadTile(log, tile);
    if (!bytes.ok() && tile.entries && bytes.status().code() == StatusCode::kFailedPrecondition) {
      ++result.skipped_bundles;
      return Status::Ok();
    }
    CREDLEDGER_RETURN_IF_ERROR(bytes.status());
    CREDLEDGER_RETURN_IF_ERROR(WriteFileUnsynced(root / TilePath(tile), *bytes));
    ++result.files;
    if (tile.full()) {
      // Its partial versions, if any, are superseded.
      fs::remove_all(root / (TilePath(tile) + ".p"), ec);
    }
    return Status::Ok();
  };
  // Level L holds (size >> 8L) hashes: full tiles up to the last multiple of 256, then one
  // partial. Bundles follow level 0.
  for (uint32_t level = 0; level < 8 && (tree_size >> (format::kTileHeight * level)) > 0; ++level) {
    const uint64_t at_level = tree_size >> (format::kTileHeight * level);
    const uint64_t before = result.from_size >> (format::kTileHeight * level);
    for (uint64_t index = before / kWidth; index < at_level / kWidth; ++index) {
      CREDLEDGER_RETURN_IF_ERROR(write({.entries = false, .level = level, .index = index}));
      if (level == 0) CREDLEDGER_RETURN_IF_ERROR(write({.entries = true, .index = index}));
    }
    if (const uint64_t width = at_level % kWidth; width > 0) {
      const TileId partial{.level = level, .index = at_level / kWidth, .width = width};
      CREDLEDGER_RETURN_IF_ERROR(write(partial));
      if (level == 0) {
        CREDLEDGER_RETURN_IF_ERROR(
            write({.entries = true, .index = partial.index, .width = width}));
      }
    }
  }
  CREDLEDGER_RETURN_IF_ERROR(SyncFileSystem(root));
  CREDLEDGER_RETURN_IF_ERROR(WriteFileUnsynced(root / "checkpoint", checkpoint));
  return result;
}

}  // namespace credledger::tlog
