// records_crash_writer: the process the records crash test (policy_test.cc) kills. It opens
// the domain ledger in the LevelDB store at argv[1] with the node key PEM argv[2], installs
// the record policy (whose indexes ride in each block's batch), and from argv[6] threads
// appends penalties signed with the agency key PEM argv[3] (the sample penalty argv[4], each
// with its own decision number and document), suspending every third one it got acknowledged
// (the sample status change argv[5]). Writes "<index> <record id>\n" to stdout for every
// acknowledged append. Decision numbers start with argv[7], so each cycle's are new. Runs
// until killed.
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "crypto/encoding.h"
#include "ledger/data_dir.h"
#include "ledger/records/policy.h"

using namespace credledger;

namespace {

[[noreturn]] void Die(int code, const std::string& why) {
  std::fprintf(stderr, "records_crash_writer: %s\n", why.c_str());
  _exit(code);
}

Json LoadJson(const char* path) {
  auto text = ReadFileToString(path);
  if (!text.ok()) Die(3, text.status().ToString());
  auto doc = ParseJson(*text);
  if (!doc.ok()) Die(3, doc.status().ToString());
  return *doc;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    Die(2,
        "usage: records_crash_writer STORE_DIR NODE_KEY AGENCY_KEY PENALTY.json "
        "CHANGE.json THREADS CYCLE");
  }
  auto node_pem = ReadFileToString(argv[2]);
  auto agency_pem = ReadFileToString(argv[3]);
  if (!node_pem.ok() || !agency_pem.ok()) Die(3, "cannot read the keys");
  auto node_key = crypto::PrivateKey::FromPem(*node_pem);
  auto agency_key = crypto::PrivateKey::FromPem(*agency_pem);
  if (!node_key.ok() || !agency_key.ok()) Die(3, "cannot parse the keys");
  const Json penalty = LoadJson(argv[4]);
  const Json change = LoadJson(argv[5]);
  const int threads = std::stoi(argv[6]);
  const std::string cycle = argv[7];

  auto store = OpenLevelDbStore(argv[1]);
  if (!store.ok()) Die(4, store.status().ToString());
  LedgerOptions options;
  options.max_block_delay = std::chrono::microseconds(200);
  auto ledger = Ledger::Open(std::move(*store), std::move(*node_key), options);
  if (!ledger.ok()) Die(5, ledger.status().ToString());
  auto policy = records::RecordPolicy::Open(**ledger);
  if (!policy.ok()) Die(5, policy.status().ToString());
  (*ledger)->SetAdmissionPolicy(*policy);

  std::mutex out_mu;
  auto append = [&](const Json& entry) {
    auto signed_entry = records::SignEntry(entry, *agency_key);
    if (!signed_entry.ok()) Die(6, signed_entry.status().ToString());
    auto r = (*ledger)->Append(signed_entry->canonical);
    if (!r.ok()) Die(6, r.status().ToString());
    const std::string id = crypto::HexEncode(r->leaf_hash);
    std::string line = std::to_string(r->index) + " " + id + "\n";
    std::lock_guard lock(out_mu);
    // One write per acknowledgement: what the parent reads was acknowledged.
    if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      _exit(7);
    }
    return id;
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        const std::string number = cycle + "c" + std::to_string(t) + "t" + std::to_string(i);
        Json p = penalty;
        p["body"]["decision_number"] = number;
        p["body"]["decision_document_hash"] =
            crypto::HexEncode(crypto::Hash(crypto::HashAlgorithm::kSha256, number));
        const std::string id = append(p);
        if (i % 3 == 0) {
          Json c = change;
          c["body"]["target"] = id;
          c["refs"] = {id};
          append(c);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}
