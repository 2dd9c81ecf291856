// A rogue leader, for the follower tests (tests/e2e/follower/rogue_test.sh): appends one entry
// (read from stdin) to the stopped leader's store in DATA_DIR although the record policy
// refuses it, as a leader patched to skip its checks would, with the policy's indexes sealed
// as if all were well, so that ledgerd serves the log again. Prints the entry's index. What a
// follower must catch. Never for anything but tests.
// Usage: rogue_append DATA_DIR < ENTRY
#include <iostream>
#include <iterator>

#include "ledger/data_dir.h"
#include "ledger/records/policy.h"

namespace {

using namespace credledger;

// Delegates to the real policy, but admits what it refuses.
class AdmitAnyway : public AdmissionPolicy {
 public:
  explicit AdmitAnyway(std::shared_ptr<records::SharedRecordPolicy> policy)
      : policy_(std::move(policy)) {}
  Status Admit(std::string_view entry, const merkle::Hash& leaf_hash, uint64_t index,
               const EntryChecks* checks, WriteBatch* writes) override {
    Status refused = policy_->Admit(entry, leaf_hash, index, checks, writes);
    if (!refused.ok())
      std::cerr << "rogue_append: admitted although " << refused.ToString() << "\n";
    return Status::Ok();
  }
  void Seal(uint64_t tree_size, WriteBatch* writes) override { policy_->Seal(tree_size, writes); }
  void Committed(uint64_t tree_size) override { policy_->Committed(tree_size); }
  void RolledBack(uint64_t first_index) override { policy_->RolledBack(first_index); }

 private:
  std::shared_ptr<records::SharedRecordPolicy> policy_;
};

int Fail(const Status& s) {
  std::cerr << "rogue_append: " << s.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: rogue_append DATA_DIR < ENTRY\n";
    return 2;
  }
  std::string entry((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  while (!entry.empty() && entry.back() == '\n') entry.pop_back();
  auto ledger = OpenLedgerInDir(argv[1]);
  if (!ledger.ok()) return Fail(ledger.status());
  auto policy = records::RecordPolicy::Open(**ledger);
  if (!policy.ok()) return Fail(policy.status());
  (*ledger)->SetAdmissionPolicy(
      std::make_shared<AdmitAnyway>(std::make_shared<records::SharedRecordPolicy>(*policy)));
  auto receipt = (*ledger)->Append(std::move(entry));
  if (!receipt.ok()) return Fail(receipt.status());
  std::cout << receipt->index << "\n";
  return 0;
}
