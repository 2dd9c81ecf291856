#include "ledger/records/calendar.h"

#include <cstdio>

namespace credledger::records {
namespace {

constexpr size_t kMaxListedDays = 4000;  // about ten years of holidays and adjusted days

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DayNumber(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

std::string DateOfDayNumber(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  const int64_t y = yoe + era * 400 + (m <= 2);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(y), m, d);
  return buf;
}

int Digits(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

int64_t DayNumberOf(std::string_view date) {
  return DayNumber(Digits(date.substr(0, 4)), Digits(date.substr(5, 2)), Digits(date.substr(8, 2)));
}

Result<std::set<std::string>> ParseDates(const Json& v, const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(v, p, 0, kMaxListedDays));
  std::set<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    CREDLEDGER_RETURN_IF_ERROR(CheckDate(v[i], Child(p, i)));
    if (!out.insert(v[i].get<std::string>()).second) {
      return Violation(Child(p, i), "is listed twice");
    }
  }
  return out;
}

// "+08:00" -> 480.
Result<int> ParseOffset(const Json& v, const JsonPointer& p) {
  const auto bad = [&] { return Violation(p, "must be a UTC offset \"+HH:MM\" or \"-HH:MM\""); };
  if (!v.is_string()) return bad();
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return bad();
  for (size_t i : {1, 2, 4, 5}) {
    if (s[i] < '0' || s[i] > '9') return bad();
  }
  const int hours = Digits(s.substr(1, 2)), minutes = Digits(s.substr(4, 2));
  if (hours > 14 || minutes > 59) return bad();
  return (s[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
}

// Every listed day must be a day the lists did not cover and the new `through` does.
Status CheckWithin(const std::set<std::string>& days, const std::string& after,
                   const std::string& through, const JsonPointer& p) {
  for (const std::string& day : days) {
    if ((!after.empty() && day <= after) || day > through) {
      return Violation(p, day + " is outside (" + (after.empty() ? "-" : after) + ", " + through +
                              "]: a day the calendar covers never changes");
    }
  }
  return Status::Ok();
}

}  // namespace

bool WorkingCalendar::IsWorkingDay(std::string_view date) const {
  const std::string day(date);
  if (working_days.count(day)) return true;
  return !holidays.count(day) && !weekend.count(IsoWeekday(date));
}

Result<WorkingCalendar> ParseCalendar(const Json& v, const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(
      CheckObject(v, p, {"time_zone", "weekend", "through", "holidays", "working_days"}));
  WorkingCalendar c;
  CREDLEDGER_ASSIGN_OR_RETURN(c.utc_offset_minutes,
                              ParseOffset(At(v, "time_zone"), Child(p, "time_zone")));
  const Json& weekend = At(v, "weekend");
  CREDLEDGER_RETURN_IF_ERROR(CheckArray(weekend, Child(p, "weekend"), 0, 6));
  c.weekend.clear();
  for (size_t i = 0; i < weekend.size(); ++i) {
    const Json& day = weekend[i];
    if (!day.is_number_integer() || day.get<int64_t>() < 1 || day.get<int64_t>() > 7 ||
        !c.weekend.insert(day.get<int>()).second) {
      return Violation(Child(Child(p, "weekend"), i),
                       "must be an ISO weekday 1 (Monday) to 7 (Sunday), listed once");
    }
  }
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(v, "through"), Child(p, "through")));
  c.through = At(v, "through").get<std::string>();
  CREDLEDGER_ASSIGN_OR_RETURN(c.holidays, ParseDates(At(v, "holidays"), Child(p, "holidays")));
  CREDLEDGER_ASSIGN_OR_RETURN(c.working_days,
                              ParseDates(At(v, "working_days"), Child(p, "working_days")));
  CREDLEDGER_RETURN_IF_ERROR(CheckWithin(c.holidays, "", c.through, Child(p, "holidays")));
  CREDLEDGER_RETURN_IF_ERROR(CheckWithin(c.working_days, "", c.through, Child(p, "working_days")));
  for (const std::string& day : c.working_days) {
    if (c.holidays.count(day)) {
      return Violation(Child(p, "working_days"), day + " is a holiday too");
    }
  }
  return c;
}

Result<WorkingCalendar> ExtendCalendar(WorkingCalendar c, const Json& params,
                                       const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(params, p, {"through", "holidays", "working_days"}));
  CREDLEDGER_RETURN_IF_ERROR(CheckDate(At(params, "through"), Child(p, "through")));
  const std::string through = At(params, "through").get<std::string>();
  if (!c.through.empty() && through <= c.through) {
    return Violation(Child(p, "through"), "must be after the calendar's " + c.through);
  }
  CREDLEDGER_ASSIGN_OR_RETURN(std::set<std::string> holidays,
                              ParseDates(At(params, "holidays"), Child(p, "holidays")));
  CREDLEDGER_ASSIGN_OR_RETURN(std::set<std::string> working,
                              ParseDates(At(params, "working_days"), Child(p, "working_days")));
  CREDLEDGER_RETURN_IF_ERROR(CheckWithin(holidays, c.through, through, Child(p, "holidays")));
  CREDLEDGER_RETURN_IF_ERROR(CheckWithin(working, c.through, through, Child(p, "working_days")));
  for (const std::string& day : working) {
    if (holidays.count(day)) return Violation(Child(p, "working_days"), day + " is a holiday too");
  }
  if (c.holidays.size() + holidays.size() + c.working_days.size() + working.size() >
      kMaxListedDays) {
    return Violation(
        p, "the calendar would list more than " + std::to_string(kMaxListedDays) + " days");
  }
  c.through = through;
  c.holidays.merge(holidays);
  c.working_days.merge(working);
  return c;
}

Json DefaultCalendar() {
  Json holidays = Json::array();
  // 国办发明电〔2025〕7号: 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节 (days off).
  const std::pair<const char*, int> ranges[] = {
      {"2026-01-01", 3}, {"2026-02-15", 9}, {"2026-04-04", 3}, {"2026-05-01", 5},
      {"2026-06-19", 3}, {"2026-09-25", 3}, {"2026-10-01", 7}};
  for (const auto& [first, days] : ranges) {
    for (int i = 0; i < days; ++i) holidays.push_back(AddDays(first, i));
  }
  return {{"time_zone", "+08:00"},
          {"weekend", {6, 7}},
          {"through", "2026-12-31"},
          {"holidays", holidays},
          // The weekend days worked to make up for them.
          {"working_days",
           {"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}}};
}

Result<Deadlines> ParseDeadlines(const Json& v, const JsonPointer& p) {
  CREDLEDGER_RETURN_IF_ERROR(CheckObject(v, p, {}, {"repair_first_review", "repair_decision"}));
  Deadlines out;
  for (const auto& [step, days] : v.items()) {
    if (!days.is_number_integer() || days.get<int64_t>() < 1 || days.get<int64_t>() > 365) {
      return Violation(Child(p, step), "must be a number of working days, 1-365");
    }
    out[step] = days.get<int>();
  }
  return out;
}

Json DefaultDeadlines() { return {{"repair_first_review", 2}}; }

std::string AddDays(std::string_view date, int days) {
  return DateOfDayNumber(DayNumberOf(date) + days);
}

int IsoWeekday(std::string_view date) {
  // 1970-01-01 was a Thursday (4).
  const int64_t n = DayNumberOf(date);
  return static_cast<int>(((n % 7) + 7 + 3) % 7) + 1;
}

std::string LocalDate(const WorkingCalendar& calendar, std::string_view timestamp) {
  const int64_t minutes = Digits(timestamp.substr(11, 2)) * 60 + Digits(timestamp.substr(14, 2)) +
                          calendar.utc_offset_minutes;
  int64_t day_shift = 0;
  if (minutes >= 24 * 60) day_shift = 1;
  if (minutes < 0) day_shift = -1;
  return DateOfDayNumber(DayNumberOf(timestamp.substr(0, 10)) + day_shift);
}

DueDate AddWorkingDays(const WorkingCalendar& calendar, std::string_view date, int n) {
  DueDate due;
  int64_t day = DayNumberOf(date);
  while (n > 0) {
    ++day;
    const std::string d = DateOfDayNumber(day);
    if (!calendar.Covers(d)) due.provisional = true;
    if (calendar.IsWorkingDay(d)) --n;
  }
  due.date = DateOfDayNumber(day);
  return due;
}

}  // namespace credledger::records
