#include "node/block_stage.h"

#include <filesystem>
#include <fstream>

#include "ledger/data_dir.h"
#include "ledger/format.h"

namespace credledger::node {
namespace {

constexpr std::string_view kSuffix = ".block";

// The height a staged file's name gives, if it is one.
std::optional<uint64_t> HeightOfFile(const std::string& name) {
  if (name.size() <= kSuffix.size() || !name.ends_with(kSuffix)) return std::nullopt;
  const std::string digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 20 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(digits);
}

}  // namespace

void EncodeBlock(const BlockHeader& header, const std::vector<std::string_view>& entries,
                 std::string* out) {
  out->append(header.ToJson());
  out->push_back('\n');
  for (std::string_view entry : entries) {
    format::PutBigEndian64(out, entry.size());
    out->append(entry);
  }
}

Result<std::vector<StagedBlock>> DecodeBlocks(std::string_view bytes) {
  std::vector<StagedBlock> blocks;
  while (!bytes.empty()) {
    const std::string name = "block " + std::to_string(blocks.size() + 1) + " of the body";
    const size_t newline = bytes.find('\n');
    if (newline == std::string_view::npos) {
      return Status::InvalidArgument(name + ": no header line");
    }
    auto header = ParseBlockHeader(bytes.substr(0, newline));
    if (!header.ok()) return header.status().WithContext(name);
    bytes.remove_prefix(newline + 1);
    StagedBlock block{std::move(*header), {}};
    if (block.header.entry_count > bytes.size() / 8) {
      return Status::InvalidArgument(name + ": the body ends before its " +
                                     std::to_string(block.header.entry_count) + " entries");
    }
    block.entries.reserve(block.header.entry_count);
    for (uint64_t i = 0; i < block.header.entry_count; ++i) {
      if (bytes.size() < 8)
        return Status::InvalidArgument(name + ": entry " + std::to_string(i) + " has no length");
      const uint64_t length = format::GetBigEndian64(bytes.substr(0, 8));
      bytes.remove_prefix(8);
      if (length > bytes.size()) {
        return Status::InvalidArgument(name + ": entry " + std::to_string(i) +
                                       " is longer than what is left of the body");
      }
      block.entries.emplace_back(bytes.substr(0, length));
      bytes.remove_prefix(length);
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

Result<std::unique_ptr<BlockStage>> BlockStage::Open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  auto stage = std::unique_ptr<BlockStage>(new BlockStage(dir));
  // A temporary file is a write a crash cut short: it was never staged.
  for (const auto& file : std::filesystem::directory_iterator(dir, ec)) {
    if (file.path().extension() == ".tmp") std::filesystem::remove(file.path(), ec);
  }
  return stage;
}

std::string BlockStage::PathOf(uint64_t height) const {
  std::string digits = std::to_string(height);
  // Zero-padded so that a listing sorts by height.
  return dir_ + "/" + std::string(20 - digits.size(), '0') + digits + std::string(kSuffix);
}

std::vector<uint64_t> BlockStage::Heights() const {
  std::vector<uint64_t> heights;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir_, ec)) {
    if (auto height = HeightOfFile(file.path().filename().string())) heights.push_back(*height);
  }
  std::sort(heights.begin(), heights.end());
  return heights;
}

Status BlockStage::Put(const BlockHeader& header, const std::vector<std::string_view>& entries) {
  std::string bytes;
  EncodeBlock(header, entries, &bytes);
  return PutEncoded(header.height, bytes);
}

Status BlockStage::PutEncoded(uint64_t height, std::string_view encoded) {
  MutexLock lock(mu_);
  CREDLEDGER_RETURN_IF_ERROR(DropIf([](uint64_t h, uint64_t from) { return h >= from; }, height));
  return WriteFileAtomically(PathOf(height), encoded, 0600);
}

Result<std::optional<StagedBlock>> BlockStage::Get(uint64_t height) const {
  const std::string path = PathOf(height);
  auto bytes = ReadFileToString(path);
  if (bytes.status().code() == StatusCode::kNotFound) return std::optional<StagedBlock>();
  if (!bytes.ok()) return bytes.status();
  auto blocks = DecodeBlocks(*bytes);
  if (!blocks.ok() || blocks->size() != 1 || (*blocks)[0].header.height != height) {
    return Status::DataLoss(path + " is not the staged block " + std::to_string(height) +
                            (blocks.ok() ? std::string() : ": " + blocks.status().ToString()));
  }
  return std::optional<StagedBlock>(std::move((*blocks)[0]));
}

Status BlockStage::DropThrough(uint64_t height) {
  MutexLock lock(mu_);
  return DropIf([](uint64_t h, uint64_t through) { return h <= through; }, height);
}

Status BlockStage::DropFrom(uint64_t from) {
  MutexLock lock(mu_);
  return DropIf([](uint64_t h, uint64_t bound) { return h >= bound; }, from);
}

Status BlockStage::DropIf(bool (*drop)(uint64_t height, uint64_t bound), uint64_t bound) {
  bool dropped = false;
  for (uint64_t height : Heights()) {
    if (!drop(height, bound)) continue;
    std::error_code ec;
    std::filesystem::remove(PathOf(height), ec);
    if (ec) return Status::Unavailable("cannot remove " + PathOf(height) + ": " + ec.message());
    dropped = true;
  }
  // A dropped block must stay dropped: a later one staged at its height is another block.
  return dropped ? SyncDirectory(dir_) : Status::Ok();
}

}  // namespace credledger::node
