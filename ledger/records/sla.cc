#include "ledger/records/sla.h"

#include <optional>

#include "ledger/records/schema.h"

namespace credledger::records {
namespace {

constexpr const char* kFirstReview = "repair_first_review";
constexpr const char* kDecision = "repair_decision";

// A step due `days` working days after `received_on`, done by the change `done` (if any).
Result<SlaStep> Step(const char* name, int days, const WorkingCalendar& calendar,
                     const std::string& received_on, const std::string& as_of_date,
                     const std::optional<RecordInfo::Change>& done, const SlaLog& log) {
  SlaStep step;
  step.name = name;
  step.working_days = days;
  const DueDate due = AddWorkingDays(calendar, received_on, days);
  step.due_on = due.date;
  step.provisional = due.provisional;
  if (!done) {
    step.state = as_of_date > step.due_on ? "overdue" : "pending";
    return step;
  }
  step.done_by = done->record_id;
  CREDLEDGER_ASSIGN_OR_RETURN(step.done_at, log.AnchoredAt(done->index));
  step.done_on = LocalDate(calendar, step.done_at);
  step.state = step.done_on <= step.due_on ? "met" : "missed";
  return step;
}

bool Matches(const SlaCase& c, const std::string& state) {
  if (state.empty()) return true;
  if (state == "open") return c.open;
  if (state == "closed") return !c.open;
  for (const SlaStep& s : c.steps) {
    if (s.state == state) return true;
  }
  return false;
}

}  // namespace

Result<std::string> LogReaderSlaLog::AnchoredAt(uint64_t index) const {
  CREDLEDGER_ASSIGN_OR_RETURN(BlockHeader block, log_.BlockOfEntry(index));
  return block.timestamp;
}

Result<SlaReport> ComputeSla(const RecordIndex& index, const Registry& registry, const SlaLog& log,
                             uint64_t tree_size, std::string_view as_of, const SlaQuery& query) {
  CREDLEDGER_RETURN_IF_ERROR(CheckTimestamp(Json(std::string(as_of)), "as_of"));
  // The calendar only ever extends, so the latest knows every day an earlier one did.
  const WorkingCalendar& calendar = registry.CalendarAt(tree_size);
  SlaReport report;
  report.tree_size = tree_size;
  report.as_of = std::string(as_of);
  report.as_of_date = LocalDate(calendar, as_of);
  CREDLEDGER_ASSIGN_OR_RETURN(std::vector<uint64_t> applications,
                              index.RepairApplications(0, SIZE_MAX));
  for (uint64_t i : applications) {
    if (i >= tree_size) break;
    CREDLEDGER_ASSIGN_OR_RETURN(std::optional<RecordInfo> info, index.RecordAt(i));
    if (!info)
      return Status::DataLoss("repair application " + std::to_string(i) + " is not indexed");
    if (!query.agency.empty() && info->agency != query.agency) continue;
    SlaCase c;
    c.index = i;
    c.agency = info->agency;
    c.subject = info->subject;
    c.penalty = info->target;
    CREDLEDGER_ASSIGN_OR_RETURN(c.application, index.IdAt(i));
    CREDLEDGER_ASSIGN_OR_RETURN(c.received_at, log.AnchoredAt(i));
    c.received_on = LocalDate(calendar, c.received_at);
    c.status = StatusAt(*info, tree_size).status;
    std::optional<RecordInfo::Change> review, decision;
    for (const RecordInfo::Change& change : info->changes) {
      if (change.index >= tree_size) break;
      if (!review) {
        review = change;
      } else if (change.status == "decided") {
        decision = change;
      }
    }
    // The steps the deadlines in force at its receipt set.
    const Deadlines& deadlines = registry.DeadlinesAt(i);
    if (auto it = deadlines.find(kFirstReview); it != deadlines.end()) {
      CREDLEDGER_ASSIGN_OR_RETURN(
          SlaStep step,
          Step(kFirstReview, it->second, calendar, c.received_on, report.as_of_date, review, log));
      if (review) step.outcome = review->status;
      c.steps.push_back(std::move(step));
    }
    const bool not_accepted = review && review->status == "not_accepted";
    if (auto it = deadlines.find(kDecision); it != deadlines.end() && !not_accepted) {
      CREDLEDGER_ASSIGN_OR_RETURN(SlaStep step, Step(kDecision, it->second, calendar, c.received_on,
                                                     report.as_of_date, decision, log));
      if (decision) {
        CREDLEDGER_ASSIGN_OR_RETURN(std::string entry, log.Entry(decision->index));
        CREDLEDGER_ASSIGN_OR_RETURN(Json doc, ParseJson(entry));
        step.outcome = doc.at("body").value("decision", "");
      }
      c.steps.push_back(std::move(step));
    }
    for (const SlaStep& s : c.steps) {
      if (s.state == "pending" || s.state == "overdue") c.open = true;
    }
    if (!Matches(c, query.state)) continue;
    (c.open ? report.open : report.closed) += 1;
    for (const SlaStep& s : c.steps) {
      if (s.state == "met") ++report.met;
      if (s.state == "missed") ++report.missed;
      if (s.state == "pending") ++report.pending;
      if (s.state == "overdue") ++report.overdue;
    }
    if (i <= query.after_index) continue;
    if (report.cases.size() >= query.limit) {
      report.more = true;
      continue;
    }
    report.cases.push_back(std::move(c));
  }
  return report;
}

Json SlaReportJson(const SlaReport& report) {
  Json cases = Json::array();
  for (const SlaCase& c : report.cases) {
    Json steps = Json::array();
    for (const SlaStep& s : c.steps) {
      Json step = {{"step", s.name},
                   {"working_days", s.working_days},
                   {"due_on", s.due_on},
                   {"provisional", s.provisional},
                   {"state", s.state}};
      if (!s.done_by.empty()) {
        step["done_by"] = s.done_by;
        step["done_at"] = s.done_at;
        step["done_on"] = s.done_on;
        step["outcome"] = s.outcome;
      }
      steps.push_back(std::move(step));
    }
    cases.push_back({{"application", c.application},
                     {"index", c.index},
                     {"agency", c.agency},
                     {"subject", c.subject},
                     {"penalty", c.penalty},
                     {"received_at", c.received_at},
                     {"received_on", c.received_on},
                     {"status", c.status},
                     {"open", c.open},
                     {"steps", std::move(steps)}});
  }
  Json out = {{"tree_size", report.tree_size},
              {"as_of", report.as_of},
              {"as_of_date", report.as_of_date},
              {"summary",
               {{"open", report.open},
                {"closed", report.closed},
                {"met", report.met},
                {"missed", report.missed},
                {"pending", report.pending},
                {"overdue", report.overdue}}},
              {"cases", std::move(cases)}};
  if (report.more && !report.cases.empty()) out["next_after"] = report.cases.back().index;
  return out;
}

}  // namespace credledger::records
