#include <map>
#include <mutex>

#include "ledger/store.h"

namespace credledger {

struct MemoryStore::Impl {
  std::mutex mu;
  std::map<std::string, std::string, std::less<>> data;
  std::optional<int> writes_left;
  bool apply_failed_writes = false;
  bool fail_recover = false;
};

MemoryStore::MemoryStore() : impl_(std::make_unique<Impl>()) {}
MemoryStore::~MemoryStore() = default;

Status MemoryStore::Get(std::string_view key, std::string* value) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->data.find(key);
  if (it == impl_->data.end()) return Status::NotFound("no such key");
  *value = it->second;
  return Status::Ok();
}

Status MemoryStore::Write(const WriteBatch& batch, bool /*sync*/) {
  std::lock_guard lock(impl_->mu);
  Status result;
  if (impl_->writes_left.has_value()) {
    if (*impl_->writes_left <= 0) {
      result = Status::Unavailable("injected write failure");
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
  std::lock_guard lock(impl_->mu);
  if (impl_->fail_recover) return Status::Unavailable("injected recovery failure");
  return Status::Ok();
}

void MemoryStore::ApplyFailedWrites(bool apply) {
  std::lock_guard lock(impl_->mu);
  impl_->apply_failed_writes = apply;
}

void MemoryStore::FailRecover(bool fail) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_recover = fail;
}

Status MemoryStore::Scan(std::string_view start,
                         const std::function<bool(std::string_view, std::string_view)>& visit) {
  // Copy under the lock so `visit` may call back into the store.
  std::vector<std::pair<std::string, std::string>> snapshot;
  {
    std::lock_guard lock(impl_->mu);
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
  std::lock_guard lock(impl_->mu);
  impl_->writes_left = successful_writes;
}

void MemoryStore::Corrupt(std::string key, std::optional<std::string> value) {
  std::lock_guard lock(impl_->mu);
  if (value.has_value()) {
    impl_->data[std::move(key)] = std::move(*value);
  } else {
    impl_->data.erase(key);
  }
}

}  // namespace credledger
