// ledgerctl's verbs on a stopped node's data directory: reindex and fsck.
#include <chrono>
#include <filesystem>
#include <iostream>

#include "ledger/data_dir.h"
#include "ledger/format.h"
#include "ledger/log_reader.h"
#include "ledger/records/policy.h"
#include "ledger/scrub.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/progress.h"

namespace credledger::tools {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The store of data directory `dir`, which no ledgerd may be serving (`lock` holds it), and a
// reader of its log.
struct OpenedLog {
  DataDirLock lock;
  Store* store = nullptr;  // owned by `log`
  std::unique_ptr<LogReader> log;
};

Result<OpenedLog> OpenStoppedLog(const std::string& dir, const LevelDbOptions& options) {
  CREDLEDGER_ASSIGN_OR_RETURN(DataDirLock lock, DataDirLock::Acquire(dir));
  if (!std::filesystem::exists(StorePath(dir))) return Status::NotFound("no ledger in " + dir);
  CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                              OpenLevelDbStore(StorePath(dir), options));
  Store* raw = store.get();
  CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> log, LogReader::Open(std::move(store)));
  return OpenedLog{std::move(lock), raw, std::move(log)};
}

// Compares the record indexes of `store` with `fresh`, built from scratch from the same log:
// every key of `fresh` has the same value in `store`, and `store` has no other.
Status CompareIndexes(Store* store, Store* fresh) {
  const std::string prefix(1, records::index_keys::kPrefix);
  uint64_t fresh_keys = 0, store_keys = 0;
  Status mismatch;
  auto scan_prefix = [&](Store* s,
                         const std::function<bool(std::string_view, std::string_view)>& visit) {
    return s->Scan(prefix, [&](std::string_view key, std::string_view value) {
      return key.starts_with(prefix) && visit(key, value);
    });
  };
  CREDLEDGER_RETURN_IF_ERROR(scan_prefix(fresh, [&](std::string_view key, std::string_view value) {
    ++fresh_keys;
    std::string stored;
    Status s = store->Get(key, &stored);
    if (!s.ok() || stored != value) {
      mismatch = Status::DataLoss(
          "the record index key " + records::DescribeIndexKey(key) +
          (s.ok() ? " holds another value" : " is missing (" + s.ToString() + ")") +
          " than a rebuild from the log gives: run `ledgerctl reindex "
          "--rebuild`");
      return false;
    }
    return true;
  }));
  CREDLEDGER_RETURN_IF_ERROR(mismatch);
  CREDLEDGER_RETURN_IF_ERROR(scan_prefix(store, [&](std::string_view, std::string_view) {
    ++store_keys;
    return true;
  }));
  if (store_keys != fresh_keys) {
    return Status::DataLoss("the store holds " + std::to_string(store_keys) +
                            " record index keys, a rebuild from the log " +
                            std::to_string(fresh_keys) + ": run `ledgerctl reindex --rebuild`");
  }
  return Status::Ok();
}

}  // namespace

Status ReindexCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"data"}, {"rebuild"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string dir, flags.Required("data"));
  // Every entry is read and checked against its leaf; damage elsewhere is fsck's to find.
  CREDLEDGER_ASSIGN_OR_RETURN(OpenedLog opened, OpenStoppedLog(dir, LevelDbOptions{}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, opened.log->GetEntry(0));
  if (!records::IsDomainGenesis(genesis)) {
    return Status::FailedPrecondition(dir +
                                      " holds a plain log (init --origin): it has no "
                                      "record indexes");
  }
  const auto start = std::chrono::steady_clock::now();
  // A store from before the tree tiles' middle rows were stored gets them first (at 10M
  // entries, 39,000 tiles read and hashed in seconds); later runs find none missing.
  ProgressBar rows_bar("tile rows", "tiles");
  Result<uint64_t> rows =
      AddMissingTileRows(opened.store, *opened.log,
                         [&](uint64_t done, uint64_t total) { rows_bar.Show(done, total); });
  rows_bar.Finish();
  CREDLEDGER_RETURN_IF_ERROR(rows.status());
  ProgressBar clear("clear", "keys");
  ProgressBar bar("reindex", "entries");
  bool cleared = false;
  Status s = records::RecordPolicy::Reindex(
      opened.store, *opened.log, flags.Has("rebuild"),
      [&](uint64_t indexed, uint64_t tree_size) {
        clear.Finish();
        bar.Show(indexed, tree_size);
      },
      4096,
      [&](uint64_t deleted, uint64_t keys) {
        cleared = true;
        clear.Show(deleted, keys);
      });
  bar.Finish();
  CREDLEDGER_RETURN_IF_ERROR(s);
  if (cleared) {
    // The old keys' deletions, and the old values under them, leave the disk only when their
    // tables are rewritten: at once, rather than whenever compaction reaches them (at 10M
    // entries, 20 s; the store went from 0.64x to 0.57x the entry bytes).
    std::cerr << "compacting the record indexes..." << std::flush;
    const std::string prefix(1, records::index_keys::kPrefix);
    CREDLEDGER_RETURN_IF_ERROR(
        opened.store->CompactRange(prefix, std::string(1, static_cast<char>(prefix[0] + 1))));
    std::cerr << " done\n";
  }
  // As a node's clean close does: the recent writes go into tables, and the tables this wrote
  // are read once and recorded (store/CHECKED-TABLES), so that the next start does not read
  // them (after a reindex at 10M entries, seconds of its start).
  CREDLEDGER_RETURN_IF_ERROR(opened.store->FlushToTables());
  CREDLEDGER_RETURN_IF_ERROR(opened.store->CheckNewFiles());
  return PrintJson({{"indexed_tree_size", opened.log->Head().tree_size},
                    {"tile_rows_added", *rows},
                    {"seconds", SecondsSince(start)}});
}

Status FsckCommand(const Args& args) {
  CREDLEDGER_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(args, {"data"}, {"indexes"}));
  CREDLEDGER_ASSIGN_OR_RETURN(std::string dir, flags.Required("data"));
  const auto start = std::chrono::steady_clock::now();
  // 1. Every live file of the store, read through with its checksums.
  LevelDbOptions options;
  options.check_files = LevelDbOptions::FileCheck::kAll;
  options.describe_key = format::DescribeKey;
  options.block_cache_bytes = 8 << 20;  // one pass: a cache would not be read again
  std::cerr << "fsck: reading every file of " << StorePath(dir) << " with its checksums\n";
  CREDLEDGER_ASSIGN_OR_RETURN(OpenedLog opened, OpenStoppedLog(dir, options));
  const double files_seconds = SecondsSince(start);
  // 2. The log: every block, entry and root.
  ProgressBar bar("fsck", "entries");
  Status scrubbed = ScrubLog(*opened.log, [&](const ScrubProgress& p) {
    bar.Show(p.entries, p.tree_size);
    return true;
  });
  bar.Finish();
  CREDLEDGER_RETURN_IF_ERROR(scrubbed);
  const uint64_t tree_size = opened.log->Head().tree_size;
  Json report = {{"tree_size", tree_size},
                 {"blocks", opened.log->Head().block_height + 1},
                 {"files_seconds", files_seconds},
                 {"log_seconds", SecondsSince(start) - files_seconds}};
  // 3. A domain ledger's record indexes: that they describe the whole log, and with
  // --indexes that they are what a rebuild from the log gives.
  CREDLEDGER_ASSIGN_OR_RETURN(std::string genesis, opened.log->GetEntry(0));
  if (records::IsDomainGenesis(genesis)) {
    records::StoreSource source(opened.store);
    records::RecordIndex index(&source, /*leaves=*/nullptr);
    CREDLEDGER_ASSIGN_OR_RETURN(std::optional<uint64_t> indexed, index.IndexedSize());
    if (indexed.value_or(1) != tree_size) {
      return Status::FailedPrecondition("the record indexes describe tree size " +
                                        std::to_string(indexed.value_or(1)) + ", the log holds " +
                                        std::to_string(tree_size) + ": run `ledgerctl reindex`");
    }
    if (flags.Has("indexes")) {
      const auto rebuild_start = std::chrono::steady_clock::now();
      CREDLEDGER_ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Create(dir, "fsck-indexes"));
      LevelDbOptions create;
      create.create_if_missing = true;
      CREDLEDGER_ASSIGN_OR_RETURN(std::unique_ptr<Store> fresh,
                                  OpenLevelDbStore(scratch.path() + "/store", create));
      ProgressBar rebuild("rebuild", "entries");
      Status built = records::RecordPolicy::Reindex(
          fresh.get(), *opened.log, /*rebuild=*/true,
          [&](uint64_t done, uint64_t total) { rebuild.Show(done, total); });
      rebuild.Finish();
      if (built.ok()) built = CompareIndexes(opened.store, fresh.get());
      fresh.reset();  // closed before its directory is removed
      CREDLEDGER_RETURN_IF_ERROR(built);
      report["indexes_seconds"] = SecondsSince(rebuild_start);
    }
    report["indexes"] =
        flags.Has("indexes") ? "equal to a rebuild from the log" : "describe the whole log";
  }
  report["seconds"] = SecondsSince(start);
  return PrintJson(report);
}

}  // namespace credledger::tools
