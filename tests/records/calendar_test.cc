// The working-day clock (ledger/records/calendar.h): China's 2026 calendar as the State
// Council's notice sets it, the counting rule, time zones, and a calendar that only extends.
#include "ledger/records/calendar.h"

#include <catch2/catch.hpp>

using namespace credledger;
using namespace credledger::records;

namespace {

WorkingCalendar Default() {
  auto c = ParseCalendar(DefaultCalendar(), "/calendar");
  REQUIRE(c.ok());
  return *c;
}

}  // namespace

TEST_CASE("dates: weekdays and day arithmetic across months, years and leap days", "[calendar]") {
  CHECK(IsoWeekday("1970-01-01") == 4);  // a Thursday
  CHECK(IsoWeekday("2026-12-02") == 3);  // a Wednesday
  CHECK(IsoWeekday("2026-02-15") == 7);  // the notice: 2月15日（周日）
  CHECK(IsoWeekday("2026-10-10") == 6);  // 10月10日（周六）上班
  CHECK(IsoWeekday("2000-02-29") == 2);
  CHECK(AddDays("2026-12-31", 1) == "2027-01-01");
  CHECK(AddDays("2028-02-28", 1) == "2028-02-29");
  CHECK(AddDays("2026-03-01", -1) == "2026-02-28");
  CHECK(AddDays("1969-12-31", 1) == "1970-01-01");
}

TEST_CASE("working days: weekends, 2026's public holidays and adjusted working days",
          "[calendar]") {
  const WorkingCalendar c = Default();
  CHECK(c.IsWorkingDay("2026-12-02"));
  CHECK_FALSE(c.IsWorkingDay("2026-12-05"));  // Saturday
  CHECK_FALSE(c.IsWorkingDay("2026-10-01"));  // 国庆节
  CHECK_FALSE(c.IsWorkingDay("2026-02-23"));  // the Spring Festival's last day off, a Monday
  CHECK(c.IsWorkingDay("2026-01-04"));        // a Sunday worked
  CHECK(c.IsWorkingDay("2026-02-28"));        // a Saturday worked
  int off = 0;
  for (std::string d = "2026-01-01"; d <= "2026-12-31"; d = AddDays(d, 1))
    off += !c.IsWorkingDay(d);
  // 2026 has 261 weekdays; the 13 days of statutory holiday (13 since 2025) fall on them, and
  // the days moved to make bridges are worked on weekends: 261 - 13 = 248 working days.
  CHECK(365 - off == 248);

  // "Within 2 working days of receipt": the day received is not counted.
  CHECK(AddWorkingDays(c, "2026-12-02", 2).date == "2026-12-04");  // Wed -> Fri
  CHECK(AddWorkingDays(c, "2026-12-04", 2).date == "2026-12-08");  // Fri -> Tue
  CHECK(AddWorkingDays(c, "2026-12-05", 2).date == "2026-12-08");  // received on a Saturday
  CHECK(AddWorkingDays(c, "2026-09-30", 2).date == "2026-10-09");  // over the National Day
  CHECK(AddWorkingDays(c, "2026-10-09", 2).date == "2026-10-12");  // Saturday 10-10 is worked
  CHECK(AddWorkingDays(c, "2026-02-13", 2).date == "2026-02-24");  // Sat 2-14 worked, then 9 off
  CHECK_FALSE(AddWorkingDays(c, "2026-12-02", 2).provisional);
  // Past the days the calendar covers, weekdays alone count, and the answer says so.
  const DueDate past = AddWorkingDays(c, "2026-12-31", 2);
  CHECK(past.date == "2027-01-04");
  CHECK(past.provisional);
}

TEST_CASE("local dates: a block's UTC time in the calendar's time zone", "[calendar]") {
  const WorkingCalendar c = Default();
  CHECK(LocalDate(c, "2026-12-03T15:59:59.999Z") == "2026-12-03");
  CHECK(LocalDate(c, "2026-12-03T16:00:00Z") == "2026-12-04");
  CHECK(LocalDate(c, "2026-12-31T23:00:00Z") == "2027-01-01");
  Json west = DefaultCalendar();
  west["time_zone"] = "-05:30";
  auto w = ParseCalendar(west, "/calendar");
  REQUIRE(w.ok());
  CHECK(LocalDate(*w, "2026-03-01T05:00:00Z") == "2026-02-28");
}

TEST_CASE("the calendar extends and never changes a day it covers, and bad calendars say why",
          "[calendar]") {
  const WorkingCalendar c = Default();
  const Json y2027 = {
      {"through", "2027-12-31"}, {"holidays", {"2027-01-01"}}, {"working_days", Json::array()}};
  auto extended = ExtendCalendar(c, y2027, "/params");
  REQUIRE(extended.ok());
  CHECK_FALSE(extended->IsWorkingDay("2027-01-01"));
  const DueDate due = AddWorkingDays(*extended, "2026-12-31", 2);
  CHECK(due.date == "2027-01-05");
  CHECK_FALSE(due.provisional);

  Json rewrite = y2027;
  rewrite["holidays"] = {"2026-12-07"};  // a covered day made a holiday after the fact
  Status s = ExtendCalendar(c, rewrite, "/params").status();
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message() ==
        "/params/holidays: 2026-12-07 is outside (2026-12-31, 2027-12-31]: a day the calendar "
        "covers never changes");
  Json shorter = y2027;
  shorter["through"] = "2026-06-30";
  CHECK(ExtendCalendar(c, shorter, "/params").status().message() ==
        "/params/through: must be after the calendar's 2026-12-31");

  Json bad = DefaultCalendar();
  bad["time_zone"] = "CST";
  CHECK(ParseCalendar(bad, "/calendar").status().message() ==
        "/calendar/time_zone: must be a UTC offset \"+HH:MM\" or \"-HH:MM\"");
  bad = DefaultCalendar();
  bad["weekend"] = {1, 2, 3, 4, 5, 6, 7};
  CHECK(ParseCalendar(bad, "/calendar").status().code() == StatusCode::kInvalidArgument);
  bad = DefaultCalendar();
  bad["working_days"].push_back("2026-10-01");
  CHECK(ParseCalendar(bad, "/calendar").status().message() ==
        "/calendar/working_days: 2026-10-01 is a holiday too");
  CHECK(ParseDeadlines({{"repair_first_review", 0}}, "/deadlines").status().message() ==
        "/deadlines/repair_first_review: must be a number of working days, 1-365");
  CHECK(ParseDeadlines({{"lunch", 1}}, "/deadlines").status().code() ==
        StatusCode::kInvalidArgument);
}
