#include <map>

#include "crypto/mutex.h"
#include "ledger/store.h"

namespace credledger {

struct MemoryStore::Impl {
  Mutex mu;
  std::map<std::string, std::string, std::less<>> data GUARDED_BY(mu);
  std::optional<int> writes_left GUARDED_BY(mu);
  bool fail_one_only GUARDED_BY(mu) = false;  // writes_left is reset after the failure
  bool apply_failed_writes GUARDED_BY(mu) = false;
  bool fail_recover GUARDED_BY(mu) = false;
};

MemoryStore::MemoryStore() : impl_(std::make_unique<Impl>()) {}
MemoryStore::~MemoryStore() = default;

Status MemoryStore::Get(std::string_view key, std::string* value) {
  MutexLock lock(impl_->mu);
  auto it = impl_->data.find(key);
  if (it == impl_->data.end()) return Status::NotFound("no such key");
  *value = it->second;
  return Status::Ok();
}

Status MemoryStore::Write(const WriteBatch& batch, bool /*sync*/) {
  MutexLock lock(impl_->mu);
  Status result;
  if (impl_->writes_left.has_value()) {
    if (*impl_->writes_left <= 0) {
      result = Status::Unavailable("injected write failure");
      if (impl_->fail_one_only) impl_->writes_left.reset();
      if (!impl_->apply_failed_writes) return result;
    } else {
      --*impl_->writes_left;
    }
  }
  for (const auto& [key, value] : batch.ops()) {
    if (value.has_value()) {
      impl_->data[key] = *value;
    } else {
      impl_->data.erase(key);
    }
  }
  return result;
}

Status MemoryStore::Recover() {
  MutexLock lock(impl_->mu);
  if (impl_->fail_recover) return Status::Unavailable("injected recovery failure");
  return Status::Ok();
}

void MemoryStore::ApplyFailedWrites(bool apply) {
  MutexLock lock(impl_->mu);
  impl_->apply_failed_writes = apply;
}

void MemoryStore::FailRecover(bool fail) {
  MutexLock lock(impl_->mu);
  impl_->fail_recover = fail;
}

Status MemoryStore::Scan(std::string_view start,
                         const std::function<bool(std::string_view, std::string_view)>& visit) {
  // Copy under the lock so `visit` may call back into the store.
  std::vector<std::pair<std::string, std::string>> snapshot;
  {
    MutexLock lock(impl_->mu);
    for (auto it = impl_->data.lower_bound(start); it != impl_->data.end(); ++it) {
      snapshot.emplace_back(it->first, it->second);
    }
  }
  for (const auto& [k, v] : snapshot) {
    if (!visit(k, v)) break;
  }
  return Status::Ok();
}

void MemoryStore::FailWritesAfter(std::optional<int> successful_writes) {
  MutexLock lock(impl_->mu);
  impl_->writes_left = successful_writes;
  impl_->fail_one_only = false;
}

void MemoryStore::FailOneWriteAfter(int successful_writes) {
  MutexLock lock(impl_->mu);
  impl_->writes_left = successful_writes;
  impl_->fail_one_only = true;
}

void MemoryStore::Corrupt(std::string key, std::optional<std::string> value) {
  MutexLock lock(impl_->mu);
  if (value.has_value()) {
    impl_->data[std::move(key)] = std::move(*value);
  } else {
    impl_->data.erase(key);
  }
}

}  // namespace credledger
