// store_tamper: changes one byte of a stopped ledger's stored entry, the way an intruder with
// write access to the disk (but not the node key) would, for the audit test
// (tests/e2e/monitor_test.sh): `store_tamper DATA_DIR INDEX`.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ledger/data_dir.h"
#include "ledger/format.h"
#include "ledger/store.h"

int main(int argc, char** argv) {
  using namespace credledger;
  if (argc != 3) {
    std::fprintf(stderr, "usage: store_tamper DATA_DIR INDEX\n");
    return 2;
  }
  auto store = OpenLevelDbStore(StorePath(argv[1]));
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  const std::string key = format::EntryKey(std::strtoull(argv[2], nullptr, 10));
  std::string value;
  if (!(*store)->Get(key, &value).ok() || value.empty()) return 1;
  // A digit of an amount, a date or a number: the entry stays well-formed JSON.
  size_t at = value.find_first_of("0123456789", value.size() / 2);
  if (at == std::string::npos) at = value.size() / 2;
  value[at] = value[at] == '9' ? '8' : static_cast<char>(value[at] + 1);
  WriteBatch batch;
  batch.Put(key, value);
  return (*store)->Write(batch, /*sync=*/true).ok() ? 0 : 1;
}
