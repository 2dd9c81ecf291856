#include "tools/progress.h"

#include <unistd.h>

#include <cstdio>

namespace credledger::tools {
namespace {

std::string Duration(double seconds) {
  const auto s = static_cast<uint64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  }
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(std::string verb, std::string unit)
    : verb_(std::move(verb)),
      unit_(std::move(unit)),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void ProgressBar::Show(uint64_t done, uint64_t total) {
  const auto now = std::chrono::steady_clock::now();
  if (first_done_ == UINT64_MAX) first_done_ = done;
  const double fraction = total == 0 ? 1.0 : static_cast<double>(done) / static_cast<double>(total);
  const int tenth = static_cast<int>(fraction * 10);
  if (terminal_) {
    if (done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
  } else if (tenth == last_tenth_) {
    return;
  }
  last_draw_ = now;
  last_tenth_ = tenth;
  const double seconds = std::chrono::duration<double>(now - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(done - first_done_) / seconds : 0;
  std::string bar(20, ' ');
  for (int i = 0; i < static_cast<int>(fraction * 20); ++i) bar[static_cast<size_t>(i)] = '#';
  char line[256];
  std::snprintf(line, sizeof line, "%s [%s] %5.1f%%  %llu / %llu %s  %.0f/s  ETA %s", verb_.c_str(),
                bar.c_str(), fraction * 100, static_cast<unsigned long long>(done),
                static_cast<unsigned long long>(total), unit_.c_str(), rate,
                rate > 0 ? Duration(static_cast<double>(total - done) / rate).c_str() : "?");
  std::fprintf(stderr, terminal_ ? "\r%s\033[K" : "%s\n", line);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (terminal_ && drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace credledger::tools
