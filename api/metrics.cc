#include "api/metrics.h"

#include <algorithm>
#include <sstream>

namespace credledger::api {
namespace {

// Label values are route templates and methods: no quotes or backslashes, but escape anyway.
std::string Label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::Histogram::Observe(double seconds) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++buckets[i];
      break;
    }
  }
  ++count;
  sum += seconds;
}

void Metrics::Histogram::Write(std::ostream& out, const std::string& name,
                               const std::string& labels) const {
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets[i];
    out << name << "_bucket{" << labels << sep << "le=\"" << kBuckets[i] << "\"} " << cumulative
        << "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels + "}";
  out << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << count << "\n"
      << name << "_sum" << braces << " " << sum << "\n"
      << name << "_count" << braces << " " << count << "\n";
}

void Metrics::ObserveRequest(const std::string& route, const std::string& method, unsigned status,
                             double seconds) {
  // The method is the client's word: only the methods HTTP defines name a series, so that no
  // client can grow the label set (and this process's memory, and every scrape) at will.
  static constexpr std::string_view kMethods[] = {"GET",     "HEAD",  "POST",    "PUT",  "DELETE",
                                                  "OPTIONS", "PATCH", "CONNECT", "TRACE"};
  const bool known =
      std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods);
  const std::string label = known ? method : "other";
  MutexLock lock(mu_);
  ++requests_[{route, label, status}];
  durations_[{route, label}].Observe(seconds);
}

void Metrics::ObserveBlockCommit(double write_seconds, double wait_seconds, uint64_t entries) {
  MutexLock lock(mu_);
  block_commit_.Observe(write_seconds);
  block_wait_.Observe(wait_seconds);
  ++blocks_;
  block_entries_ += entries;
}

void Metrics::AddEntriesAppended(uint64_t n) {
  MutexLock lock(mu_);
  entries_appended_ += n;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  MutexLock lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::Exposition() const {
  MutexLock lock(mu_);
  std::ostringstream out;
  out << "# HELP credledger_http_requests_total HTTP requests answered, by route template, "
         "method and status.\n"
      << "# TYPE credledger_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out << "credledger_http_requests_total{route=\"" << Label(route) << "\",method=\""
        << Label(method) << "\",status=\"" << status << "\"} " << n << "\n";
  }
  out << "# HELP credledger_http_request_duration_seconds Time from a complete request to its "
         "response being queued, by route template and method.\n"
      << "# TYPE credledger_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : durations_) {
    h.Write(out, "credledger_http_request_duration_seconds",
            "route=\"" + Label(key.first) + "\",method=\"" + Label(key.second) + "\"");
  }
  out << "# HELP credledger_block_commit_seconds Time from handing a block to the store until "
         "it was durable (synced).\n"
      << "# TYPE credledger_block_commit_seconds histogram\n";
  block_commit_.Write(out, "credledger_block_commit_seconds", "");
  out << "# HELP credledger_block_wait_seconds Time from a block's oldest entry's arrival until "
         "the block was durable.\n"
      << "# TYPE credledger_block_wait_seconds histogram\n";
  block_wait_.Write(out, "credledger_block_wait_seconds", "");
  out << "# HELP credledger_blocks_committed_total Blocks this node made durable.\n"
      << "# TYPE credledger_blocks_committed_total counter\n"
      << "credledger_blocks_committed_total " << blocks_ << "\n"
      << "# HELP credledger_block_entries_total Entries in the blocks this node made durable.\n"
      << "# TYPE credledger_block_entries_total counter\n"
      << "credledger_block_entries_total " << block_entries_ << "\n";
  out << "# HELP credledger_entries_appended_total Entries this node appended and acknowledged.\n"
      << "# TYPE credledger_entries_appended_total counter\n"
      << "credledger_entries_appended_total " << entries_appended_ << "\n";
  for (const Gauge& g : gauges_) {
    out << "# HELP " << g.name << " " << g.help << "\n"
        << "# TYPE " << g.name << " gauge\n"
        << g.name << " " << g.read() << "\n";
  }
  return out.str();
}

}  // namespace credledger::api
