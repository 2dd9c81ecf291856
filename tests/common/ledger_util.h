// Helpers for tests of the ledger core (and above).
#ifndef CREDLEDGER_TESTS_COMMON_LEDGER_UTIL_H_
#define CREDLEDGER_TESTS_COMMON_LEDGER_UTIL_H_

#include <memory>

#include "ledger/store.h"

namespace credledger::testing {

// A Store that forwards to one the test keeps: a Ledger owns its Store, and a test may want to
// read or damage it behind the Ledger's back, or keep it across Ledger lifetimes.
class BorrowedStore : public Store {
 public:
  explicit BorrowedStore(Store* s) : s_(s) {}
  Status Get(std::string_view key, std::string* value) override { return s_->Get(key, value); }
  Status Write(const WriteBatch& batch, bool sync) override { return s_->Write(batch, sync); }
  Status Scan(std::string_view start,
              const std::function<bool(std::string_view, std::string_view)>& visit) override {
    return s_->Scan(start, visit);
  }
  Status Recover() override { return s_->Recover(); }

 private:
  Store* s_;
};

// Lets a test keep a MemoryStore across Ledger lifetimes.
class SharedStore : public BorrowedStore {
 public:
  explicit SharedStore(std::shared_ptr<MemoryStore> s) : BorrowedStore(s.get()), s_(std::move(s)) {}

 private:
  std::shared_ptr<MemoryStore> s_;
};

}  // namespace credledger::testing

#endif  // CREDLEDGER_TESTS_COMMON_LEDGER_UTIL_H_
