// A progress bar on stderr for ledgerctl's long verbs (reindex, fsck): redrawn in place on a
// terminal, at most ten times a second; otherwise (a log file, CI) one line per tenth done.
#ifndef CREDLEDGER_TOOLS_PROGRESS_H_
#define CREDLEDGER_TOOLS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace credledger::tools {

class ProgressBar {
 public:
  // "<verb> [#####     ]  50.0%  500 / 1000 <unit>  12000/s  ETA 1m02s"
  ProgressBar(std::string verb, std::string unit);
  // `done` of `total` so far.
  void Show(uint64_t done, uint64_t total);
  // Ends the bar's line (on a terminal).
  void Finish();

 private:
  const std::string verb_;
  const std::string unit_;
  const bool terminal_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  uint64_t first_done_ = UINT64_MAX;  // where this run started (a resumed reindex)
  int last_tenth_ = -1;
  bool drawn_ = false;
};

}  // namespace credledger::tools

#endif  // CREDLEDGER_TOOLS_PROGRESS_H_
