// Entry validation (docs/RECORDS.md schemas) on arbitrary bytes. Invariants: a valid entry's
// canonical bytes are canonical JSON and validate again to the same entry.
#include "ledger/canonical_json.h"
#include "ledger/records/entry.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using credledger::fuzz::Check;
  auto entry = credledger::records::ValidateEntry(credledger::fuzz::AsText(data, size));
  if (!entry.ok()) {
    Check(entry.status().code() == credledger::StatusCode::kInvalidArgument,
          "an invalid entry is InvalidArgument");
    return 0;
  }
  bool canonical = false;
  Check(credledger::ParseJson(entry->canonical, &canonical).ok() && canonical,
        "an entry's canonical bytes are canonical JSON");
  auto again = credledger::records::ValidateEntry(entry->canonical);
  Check(again.ok(), "a valid entry's canonical bytes validate");
  Check(again->canonical == entry->canonical && again->signed_bytes == entry->signed_bytes &&
            again->agency == entry->agency && again->type == entry->type,
        "validation is stable under canonicalization");
  return 0;
}
