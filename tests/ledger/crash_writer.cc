// crash_writer: the process the crash test kills. It opens the LevelDB ledger at argv[1] with
// the node key PEM at argv[2], appends unique entries from argv[4] threads as fast as it can,
// and writes "<index> <entry>\n" to stdout for every acknowledged append. Entries are
// "<argv[3]>c<thread>t<i>", so each cycle's entries are new. Runs until killed.
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/data_dir.h"
#include "ledger/ledger.h"

int main(int argc, char** argv) {
  using namespace credledger;
  if (argc != 5) {
    std::fprintf(stderr, "usage: crash_writer STORE_DIR NODE_KEY_PEM CYCLE THREADS\n");
    return 2;
  }
  auto pem = ReadFileToString(argv[2]);
  if (!pem.ok()) return 3;
  auto key = crypto::PrivateKey::FromPem(*pem);
  auto store = OpenLevelDbStore(argv[1]);
  if (!key.ok() || !store.ok()) return 4;
  LedgerOptions options;
  options.max_block_delay = std::chrono::microseconds(200);
  auto ledger = Ledger::Open(std::move(*store), std::move(*key), options);
  if (!ledger.ok()) {
    std::fprintf(stderr, "crash_writer: %s\n", ledger.status().ToString().c_str());
    return 5;
  }
  const std::string cycle = argv[3];
  const int threads = std::stoi(argv[4]);
  std::mutex out_mu;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = 0;; ++i) {
        std::string entry = cycle + "c" + std::to_string(t) + "t" + std::to_string(i);
        auto r = (*ledger)->Append(entry);
        if (!r.ok()) _exit(6);
        std::string line = std::to_string(r->index) + " " + entry + "\n";
        std::lock_guard lock(out_mu);
        // One write per acknowledgement: what the parent reads was acknowledged.
        if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          _exit(7);
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}
