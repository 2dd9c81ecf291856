// The working-day report: every repair application on the log, when it was received, when each
// step was due and when it was done, computed from the log alone (the applications and the
// records that answer them, the node-signed block timestamps that anchor each, and the
// registry's calendar and deadlines), so that anyone holding the log computes the same report
// (GET /v1/sla, `ledgerctl sla`; docs/RECORDS.md, "Working days").
//
// A step's clock:
//   - received: the timestamp of the block that holds the application (signed by the node;
//     the enterprise's own issued_at is its claim, not the receipt);
//   - due: the end of the n-th working day after the day received (the calendar in force at
//     the report's tree size, which only ever extends; n as the deadlines stood at the
//     application's index, so a later set_deadlines does not move a running clock);
//   - done: the timestamp of the block that holds the answer (repair_review for the first
//     review; the credit_repair citing the application for the decision).
// A step done on or before its due date is "met", after it "missed"; not done, it is
// "overdue" once the report's date is past the due date, else "pending".
//
// Thread-safety: pure functions over thread-safe readers.
#ifndef CREDLEDGER_LEDGER_RECORDS_SLA_H_
#define CREDLEDGER_LEDGER_RECORDS_SLA_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/log_reader.h"
#include "ledger/records/record_index.h"
#include "ledger/records/registry.h"

namespace credledger::records {

struct SlaStep {
  std::string name;  // "repair_first_review", "repair_decision"
  int working_days = 0;
  std::string due_on;        // local date: due by its end
  bool provisional = false;  // counted past the calendar's last covered day
  std::string state;         // met, missed, pending, overdue
  // Once done:
  std::string done_by;  // the answering record's id
  std::string done_at;  // its block's timestamp
  std::string done_on;  // the local date of done_at
  std::string outcome;  // accepted, not_accepted (review); approved, rejected (decision)
};

struct SlaCase {
  std::string application;  // record id
  uint64_t index = 0;
  std::string agency;   // the agency it is addressed to (the penalty's)
  std::string subject;  // the enterprise
  std::string penalty;  // record id
  std::string received_at, received_on;
  std::string status;  // the application's: valid (awaiting review), accepted, ...
  bool open = false;   // a step is pending or overdue
  std::vector<SlaStep> steps;
};

struct SlaQuery {
  std::string agency;        // only cases addressed to it; "" all
  std::string state;         // only cases with a step in this state, or "open"/"closed"; "" all
  uint64_t after_index = 0;  // cursor: cases after this application index
  size_t limit = SIZE_MAX;   // cases listed (the counts cover every case that matches)
};

struct SlaReport {
  uint64_t tree_size = 0;
  std::string as_of;       // RFC 3339 UTC: when pending steps were judged
  std::string as_of_date;  // its local date
  std::vector<SlaCase> cases;
  bool more = false;  // cases past `limit` match too; the next cursor is the last index
  // Over every matching case (not only those listed): cases open, closed; steps by state.
  uint64_t open = 0, closed = 0;
  uint64_t met = 0, missed = 0, pending = 0, overdue = 0;
};

// What the report reads of the log besides the record indexes: the node's own log
// (LogReaderSlaLog), or what an audit replaying it from outside kept (client/audit.h).
class SlaLog {
 public:
  virtual ~SlaLog() = default;
  // The timestamp of the block that holds entry `index` (an application or its answer).
  virtual Result<std::string> AnchoredAt(uint64_t index) const = 0;
  // Entry `index` (a credit repair citing an application).
  virtual Result<std::string> Entry(uint64_t index) const = 0;
};

class LogReaderSlaLog : public SlaLog {
 public:
  explicit LogReaderSlaLog(const LogReader& log) : log_(log) {}
  Result<std::string> AnchoredAt(uint64_t index) const override;
  Result<std::string> Entry(uint64_t index) const override { return log_.GetEntry(index); }

 private:
  const LogReader& log_;
};

// The report of the log as of `tree_size` (committed), `as_of` an RFC 3339 UTC time.
// `index` and `registry` describe the log at `tree_size` at least. Errors: InvalidArgument
// (as_of), the readers'.
Result<SlaReport> ComputeSla(const RecordIndex& index, const Registry& registry, const SlaLog& log,
                             uint64_t tree_size, std::string_view as_of,
                             const SlaQuery& query = {});

// {"tree_size", "as_of", "as_of_date", "summary": {...}, "cases": [...], "next_after"?}:
// docs/openapi.yaml, SlaReport.
Json SlaReportJson(const SlaReport& report);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_SLA_H_
