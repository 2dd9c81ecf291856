// Shared by the libFuzzer targets: an invariant that does not hold is a crash, which
// libFuzzer reports with the input that caused it (saved as crash-<sha1>).
#ifndef CREDLEDGER_TESTS_FUZZ_FUZZ_UTIL_H_
#define CREDLEDGER_TESTS_FUZZ_FUZZ_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace credledger::fuzz {

inline void Check(bool holds, const char* invariant) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant);
  std::abort();
}

// Check, printing `what` (the answer that broke it, say) first: a CI log that only keeps the
// end of a run still shows it, whether or not the failing input was kept.
inline void Check(bool holds, const char* invariant, std::string_view what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s; what broke it:\n%.*s\n", invariant,
               static_cast<int>(std::min<size_t>(what.size(), 2000)), what.data());
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Inputs of the form "<first line>\n<rest>" (a verifier key, then what it verifies).
inline std::pair<std::string_view, std::string_view> SplitFirstLine(std::string_view text) {
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return {text, {}};
  return {text.substr(0, nl), text.substr(nl + 1)};
}

}  // namespace credledger::fuzz

#endif  // CREDLEDGER_TESTS_FUZZ_FUZZ_UTIL_H_
