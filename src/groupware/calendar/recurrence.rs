//! The part of RFC 5545 recurrence rules (RRULE) ODB takes:
//! `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY`, `INTERVAL`, `COUNT` or `UNTIL`, and
//! `BYDAY` (weekdays, weekly rules only), expanded in Vietnam's local time
//! (Asia/Ho_Chi_Minh: UTC+7, no daylight saving since 1975). Excluded
//! dates (EXDATE) still count towards `COUNT`, as RFC 5545 has it.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};

use crate::error::{AppError, AppResult};

/// Vietnam's offset from UTC.
pub const VIETNAM_HOURS: i64 = 7;
/// Most occurrences a rule yields, to bound any expansion.
const MOST: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    Never,
    Count(u32),
    /// The last local date an occurrence may start on.
    Until(NaiveDate),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub frequency: Frequency,
    pub interval: u32,
    pub end: End,
    /// Weekdays, Monday first; empty means the start's weekday.
    pub by_day: Vec<Weekday>,
}

fn bad(why: &str) -> AppError {
    AppError::invalid("recurrence", why)
}

impl Rule {
    /// Parses `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10` (an `RRULE:` prefix allowed).
    pub fn parse(text: &str) -> AppResult<Rule> {
        let text = text.trim().trim_start_matches("RRULE:");
        let (mut frequency, mut interval, mut end, mut by_day) = (None, 1, End::Never, Vec::new());
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| bad("must be NAME=VALUE parts"))?;
            match key {
                "FREQ" => frequency = Some(parse_frequency(value)?),
                "INTERVAL" => {
                    interval = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=366).contains(n))
                        .ok_or_else(|| bad("INTERVAL must be 1 to 366"))?
                }
                "COUNT" if end == End::Never => {
                    end = End::Count(
                        value
                            .parse()
                            .ok()
                            .filter(|n| (1..=1000).contains(n))
                            .ok_or_else(|| bad("COUNT must be 1 to 1000"))?,
                    )
                }
                "UNTIL" if end == End::Never => end = End::Until(parse_until(value)?),
                "COUNT" | "UNTIL" => return Err(bad("COUNT and UNTIL exclude each other")),
                "BYDAY" => {
                    by_day = value
                        .split(',')
                        .map(parse_weekday)
                        .collect::<AppResult<_>>()?
                }
                "WKST" if value == "MO" => {}
                _ => {
                    return Err(bad(
                        "takes FREQ, INTERVAL, COUNT or UNTIL, BYDAY (and WKST=MO)",
                    ))
                }
            }
        }
        let frequency = frequency.ok_or_else(|| bad("needs FREQ"))?;
        if !by_day.is_empty() && frequency != Frequency::Weekly {
            return Err(bad("BYDAY is taken with FREQ=WEEKLY only"));
        }
        by_day.sort_by_key(|d: &Weekday| d.num_days_from_monday());
        by_day.dedup();
        Ok(Rule {
            frequency,
            interval,
            end,
            by_day,
        })
    }

    /// The rule as iCalendar writes it.
    pub fn written(&self) -> String {
        let frequency = match self.frequency {
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
            Frequency::Yearly => "YEARLY",
        };
        let mut text = format!("FREQ={frequency}");
        if self.interval != 1 {
            text.push_str(&format!(";INTERVAL={}", self.interval));
        }
        match &self.end {
            End::Never => {}
            End::Count(n) => text.push_str(&format!(";COUNT={n}")),
            End::Until(date) => text.push_str(&format!(";UNTIL={}", date.format("%Y%m%d"))),
        }
        if !self.by_day.is_empty() {
            let days: Vec<&str> = self.by_day.iter().map(|d| weekday_code(*d)).collect();
            text.push_str(&format!(";BYDAY={}", days.join(",")));
        }
        text
    }

    /// The starts of the occurrences of an event starting at `start`, in
    /// order, skipping `exceptions` (local dates), up to `before`.
    pub fn starts(
        &self,
        start: DateTime<Utc>,
        exceptions: &[NaiveDate],
        before: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let local = to_local(start);
        let mut out = Vec::new();
        let mut counted = 0u32;
        for candidate in self.candidates(local).take(MOST) {
            let at = to_utc(candidate);
            if at >= before || matches!(self.end, End::Until(last) if candidate.date() > last) {
                break;
            }
            counted += 1;
            if !exceptions.contains(&candidate.date()) {
                out.push(at);
            }
            if matches!(self.end, End::Count(n) if counted >= n) {
                break;
            }
        }
        out
    }

    /// Local starts the rule gives, in order, from `first`.
    fn candidates(&self, first: NaiveDateTime) -> Box<dyn Iterator<Item = NaiveDateTime> + '_> {
        let step = i64::from(self.interval);
        let time = first.time();
        match self.frequency {
            Frequency::Daily => Box::new((0..).map(move |i| first + Duration::days(i * step))),
            Frequency::Weekly => {
                let days = if self.by_day.is_empty() {
                    vec![first.weekday()]
                } else {
                    self.by_day.clone()
                };
                let monday = first.date()
                    - Duration::days(i64::from(first.weekday().num_days_from_monday()));
                Box::new(
                    (0..)
                        .flat_map(move |week: i64| {
                            let days = days.clone();
                            days.into_iter().map(move |d| {
                                monday
                                    + Duration::weeks(week * step)
                                    + Duration::days(i64::from(d.num_days_from_monday()))
                            })
                        })
                        .filter(move |date| *date >= first.date())
                        .map(move |date| date.and_time(time)),
                )
            }
            Frequency::Monthly | Frequency::Yearly => {
                let months = if self.frequency == Frequency::Monthly {
                    step
                } else {
                    step * 12
                };
                let (year, month, day) = (first.year(), first.month0(), first.day());
                Box::new((0..).filter_map(move |i: i64| {
                    let total = i64::from(year) * 12 + i64::from(month) + i * months;
                    let (y, m) = (
                        i32::try_from(total.div_euclid(12)).ok()?,
                        u32::try_from(total.rem_euclid(12)).ok()? + 1,
                    );
                    // a month without that day has no occurrence (RFC 5545)
                    NaiveDate::from_ymd_opt(y, m, day).map(|d| d.and_time(time))
                }))
            }
        }
    }
}

pub fn to_local(at: DateTime<Utc>) -> NaiveDateTime {
    (at + Duration::hours(VIETNAM_HOURS)).naive_utc()
}

pub fn to_utc(local: NaiveDateTime) -> DateTime<Utc> {
    (local - Duration::hours(VIETNAM_HOURS)).and_utc()
}

fn parse_frequency(value: &str) -> AppResult<Frequency> {
    Ok(match value {
        "DAILY" => Frequency::Daily,
        "WEEKLY" => Frequency::Weekly,
        "MONTHLY" => Frequency::Monthly,
        "YEARLY" => Frequency::Yearly,
        _ => return Err(bad("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")),
    })
}

/// `20261231` or `20261231T165959Z` (taken as that local date).
fn parse_until(value: &str) -> AppResult<NaiveDate> {
    let date = value.get(..8).unwrap_or_default();
    NaiveDate::parse_from_str(date, "%Y%m%d")
        .map_err(|_| bad("UNTIL must be a date such as 20261231"))
}

const WEEKDAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "MO"),
    (Weekday::Tue, "TU"),
    (Weekday::Wed, "WE"),
    (Weekday::Thu, "TH"),
    (Weekday::Fri, "FR"),
    (Weekday::Sat, "SA"),
    (Weekday::Sun, "SU"),
];

fn parse_weekday(code: &str) -> AppResult<Weekday> {
    WEEKDAYS
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(d, _)| *d)
        .ok_or_else(|| bad("BYDAY takes MO, TU, WE, TH, FR, SA, SU"))
}

fn weekday_code(day: Weekday) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(d, _)| *d == day)
        .map_or("MO", |(_, c)| c)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        to_utc(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap())
    }

    fn local_days(starts: &[DateTime<Utc>]) -> Vec<String> {
        starts
            .iter()
            .map(|s| to_local(*s).format("%m-%d %H:%M").to_string())
            .collect()
    }

    #[test]
    fn a_weekly_rule_crosses_the_month_with_its_exception_left_out() {
        let rule = Rule::parse("RRULE:FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6").unwrap();
        let exceptions = [NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()];
        let starts = rule.starts(at("2026-11-26 08:30"), &exceptions, at("2027-02-01 00:00"));
        // Thu 26 Nov, Mon 30 Nov, (Thu 3 Dec excluded, still counted), Mon 7, Thu 10, Mon 14
        assert_eq!(
            local_days(&starts),
            [
                "11-26 08:30",
                "11-30 08:30",
                "12-07 08:30",
                "12-10 08:30",
                "12-14 08:30"
            ]
        );
        assert_eq!(rule.written(), "FREQ=WEEKLY;COUNT=6;BYDAY=MO,TH");
    }

    #[test]
    fn monthly_rules_skip_months_without_the_day_and_until_is_a_local_date() {
        let rule = Rule::parse("FREQ=MONTHLY;UNTIL=20270430").unwrap();
        let starts = rule.starts(at("2027-01-31 07:00"), &[], at("2028-01-01 00:00"));
        assert_eq!(local_days(&starts), ["01-31 07:00", "03-31 07:00"]);
        let daily = Rule::parse("FREQ=DAILY;INTERVAL=2").unwrap();
        let starts = daily.starts(at("2026-11-30 23:00"), &[], at("2026-12-05 00:00"));
        assert_eq!(
            local_days(&starts),
            ["11-30 23:00", "12-02 23:00", "12-04 23:00"]
        );
    }

    #[test]
    fn what_is_not_taken_is_refused() {
        for bad in [
            "",
            "FREQ=HOURLY",
            "FREQ=DAILY;BYDAY=MO",
            "FREQ=WEEKLY;COUNT=2;UNTIL=20270101",
            "FREQ=DAILY;BYMONTH=1",
            "FREQ=DAILY;COUNT=0",
        ] {
            assert!(Rule::parse(bad).is_err(), "{bad}");
        }
    }
}
