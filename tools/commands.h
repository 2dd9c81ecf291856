// ledgerctl's verbs. Each takes its arguments (after the verb) and returns a Status; the
// caller prints a non-OK Status to stderr and exits non-zero.
#ifndef CREDLEDGER_TOOLS_COMMANDS_H_
#define CREDLEDGER_TOOLS_COMMANDS_H_

#include <string>
#include <vector>

#include "crypto/status.h"
#include "ledger/canonical_json.h"

namespace credledger::tools {

using Args = std::vector<std::string>;

// Prints `j` to stdout as one line of RFC 8785 JSON.
Status PrintJson(const Json& j);

// A new directory for work too large for memory (an audit's replay, fsck's rebuilt indexes),
// removed with everything in it when this is destroyed, whatever the outcome: anything
// opened in it must be closed first.
class ScratchDir {
 public:
  // Makes `parent`/`name`.XXXXXX. Errors: Unavailable naming the directory.
  static Result<ScratchDir> Create(const std::string& parent, const std::string& name);
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

Status KeygenCommand(const Args& args);
Status InitCommand(const Args& args);
Status AppendCommand(const Args& args);
Status EntryCommand(const Args& args);
Status SignCommand(const Args& args);
Status ErasureRequestCommand(const Args& args);
Status GenesisCommand(const Args& args);
Status ConfigCommand(const Args& args);
Status LicenseIdCommand(const Args& args);
Status RegistryCommand(const Args& args);
// tools/maintenance.cc: on a stopped node's data directory.
Status ReindexCommand(const Args& args);
// DataLoss naming the first damage found (ledgerctl exits 1).
Status FsckCommand(const Args& args);
Status CheckpointCommand(const Args& args);
Status ProveCommand(const Args& args);
Status BenchCommand(const Args& args);
Status BenchRecordsCommand(const Args& args);
Status BenchEntriesCommand(const Args& args);
Status BenchBundlesCommand(const Args& args);
// tools/bench_scale.cc
Status BenchScaleCommand(const Args& args);
Status BenchReadsCommand(const Args& args);
// tools/verify.cc. VerifyCommand: Unauthenticated if the bundle is not authentic,
// FailedPrecondition if it is but its record is not in force (ledgerctl exits 3).
Status BundleCommand(const Args& args);
Status VerifyCommand(const Args& args);
Status QrCommand(const Args& args);
// tools/monitor.cc. MonitorCommand: DataLoss on an alarm (ledgerctl exits 4).
Status MonitorCommand(const Args& args);
Status AuditCommand(const Args& args);
Status SlaCommand(const Args& args);
Status AccessLogCommand(const Args& args);
// tools/soak.cc. Internal if a request failed, ResourceExhausted if memory grew past the bound.
Status SoakCommand(const Args& args);

}  // namespace credledger::tools

#endif  // CREDLEDGER_TOOLS_COMMANDS_H_
