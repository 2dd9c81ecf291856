// Request metrics in the Prometheus text exposition format (version 0.0.4):
//   credledger_http_requests_total{route,method,status}            counter
//   credledger_http_request_duration_seconds{route,method}          histogram
// plus gauges and counters the node sets from the ledger (tree size, entries appended, block
// commit latency, pending queue depth). Routes are the route templates ("/v1/entries/{index}"),
// never raw paths, so the label set stays bounded whatever clients send.
//
// Thread-safety: all methods may be called concurrently.
#ifndef CREDLEDGER_API_METRICS_H_
#define CREDLEDGER_API_METRICS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "crypto/mutex.h"

namespace credledger::api {

class Metrics {
 public:
  // Latency buckets, seconds (le).
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};

  // One answered request. `route` is a route template (or "unmatched"); `method` may be any
  // token a client sent: methods HTTP does not define are counted as "other", so the series
  // stay a fixed set whatever clients send.
  void ObserveRequest(const std::string& route, const std::string& method, unsigned status,
                      double seconds);
  void AddEntriesAppended(uint64_t n);
  // A durable block: credledger_block_commit_seconds (store write until durable),
  // credledger_block_wait_seconds (oldest entry's arrival until durable), histograms, and
  // credledger_block_entries_total.
  void ObserveBlockCommit(double write_seconds, double wait_seconds, uint64_t entries);

  // A gauge read at exposition time (name, help, read).
  void AddGauge(std::string name, std::string help, std::function<double()> read);

  std::string Exposition() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};  // cumulative counts are built on output
    uint64_t count = 0;
    double sum = 0;
    void Observe(double seconds);
    // The _bucket, _sum and _count lines of metric `name` with `labels` ("" for none).
    void Write(std::ostream& out, const std::string& name, const std::string& labels) const;
  };
  struct Gauge {
    std::string name, help;
    std::function<double()> read;
  };
  mutable Mutex mu_;
  std::map<std::tuple<std::string, std::string, unsigned>, uint64_t> requests_ GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Histogram> durations_ GUARDED_BY(mu_);
  uint64_t entries_appended_ GUARDED_BY(mu_) = 0;
  Histogram block_commit_ GUARDED_BY(mu_);
  Histogram block_wait_ GUARDED_BY(mu_);
  uint64_t blocks_ GUARDED_BY(mu_) = 0;
  uint64_t block_entries_ GUARDED_BY(mu_) = 0;
  std::vector<Gauge> gauges_ GUARDED_BY(mu_);
};

}  // namespace credledger::api

#endif  // CREDLEDGER_API_METRICS_H_
