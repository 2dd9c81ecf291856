#include "api/metrics.h"

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

void Metrics::ObserveRequest(const std::string& route, const std::string& method, unsigned status,
                             double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = durations_[{route, method}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddEntriesAppended(uint64_t n) {
  std::lock_guard lock(mu_);
  entries_appended_ += n;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

std::string Metrics::Exposition() const {
  std::lock_guard lock(mu_);
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
    const std::string labels =
        "route=\"" + Label(key.first) + "\",method=\"" + Label(key.second) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out << "credledger_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
          << "\"} " << cumulative << "\n";
    }
    out << "credledger_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} "
        << h.count << "\n"
        << "credledger_http_request_duration_seconds_sum{" << labels << "} " << h.sum << "\n"
        << "credledger_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
  }
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
