// The working-day clock: which days are working days (weekends, public holidays and the
// adjusted working days that make up for them), and the deadlines counted in them. Set in the
// genesis, extended by admins' config entries (docs/RECORDS.md, "Working days"), so that
// anyone replaying the log computes the same deadlines.
//
// Counting (as Chinese administrative deadlines are counted, 期间开始之日不计算在内): a step due
// within n working days of a day D is due by the end of the n-th working day after D, in the
// calendar's time zone. A day the calendar does not cover yet (after `through`) counts by its
// weekday alone: a deadline that reaches it is provisional.
//
// Thread-safety: pure functions and immutable values.
#ifndef CREDLEDGER_LEDGER_RECORDS_CALENDAR_H_
#define CREDLEDGER_LEDGER_RECORDS_CALENDAR_H_

#include <map>
#include <set>
#include <string>
#include <string_view>

#include "crypto/status.h"
#include "ledger/canonical_json.h"
#include "ledger/records/schema.h"

namespace credledger::records {

struct WorkingCalendar {
  int utc_offset_minutes = 8 * 60;     // "+08:00": China Standard Time
  std::set<int> weekend = {6, 7};      // ISO weekdays: 1 Monday .. 7 Sunday
  std::string through;                 // the last day the lists cover (YYYY-MM-DD); "" none
  std::set<std::string> holidays;      // days off that are not weekend days
  std::set<std::string> working_days;  // weekend days worked (调休)

  bool IsWorkingDay(std::string_view date) const;
  // Whether `date` is on or before `through`.
  bool Covers(std::string_view date) const { return !through.empty() && date <= through; }
};

// The calendar as genesis and config entries write it:
//   {"time_zone": "+08:00", "weekend": [6, 7], "through": "2026-12-31",
//    "holidays": [dates], "working_days": [dates]}
// Errors: InvalidArgument naming the member (`pointer` is where it is).
Result<WorkingCalendar> ParseCalendar(const Json& v, const JsonPointer& pointer);
// `calendar` extended by config params {"through", "holidays", "working_days"}: every date
// listed after the calendar's `through` and on or before the new one (so a day once covered
// never changes, and no deadline already computed moves). Errors: InvalidArgument.
Result<WorkingCalendar> ExtendCalendar(WorkingCalendar calendar, const Json& params,
                                       const JsonPointer& pointer);
// The default genesis calendar: weekends, and China's 2026 public holidays and adjusted
// working days as the State Council's notice (国办发明电〔2025〕7号) sets them, through
// 2026-12-31.
Json DefaultCalendar();

// Deadlines in working days, by step: "repair_first_review" (from an application's receipt
// to its first review) and "repair_decision" (to the decision that cites it). A step not
// listed has no deadline. {"repair_first_review": 2} by default (DOMAIN.md).
using Deadlines = std::map<std::string, int>;
Result<Deadlines> ParseDeadlines(const Json& v, const JsonPointer& pointer);
Json DefaultDeadlines();

// Date arithmetic on YYYY-MM-DD (valid dates only).
std::string AddDays(std::string_view date, int days);
int IsoWeekday(std::string_view date);  // 1 Monday .. 7 Sunday
// The local date, in the calendar's time zone, of RFC 3339 UTC time `timestamp`.
std::string LocalDate(const WorkingCalendar& calendar, std::string_view timestamp);
// The n-th working day after `date` (n >= 1), and whether it is provisional (a day after
// `through` was counted).
struct DueDate {
  std::string date;
  bool provisional = false;
};
DueDate AddWorkingDays(const WorkingCalendar& calendar, std::string_view date, int n);

}  // namespace credledger::records

#endif  // CREDLEDGER_LEDGER_RECORDS_CALENDAR_H_
