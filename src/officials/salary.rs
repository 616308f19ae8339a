//! Salary by the tables: a rank's scale (Decree 204/2004) or a leadership
//! table (resolution 730/2004, decision 128-QĐ/TW), the coefficient each
//! step carries, and when the next step is due.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use validator::Validate;

/// A salary table as its catalog entry describes it: the coefficient of
/// each step, and the months between steps.
#[derive(Debug, Clone, Deserialize)]
pub struct Scale {
    pub coefficients: Vec<f64>,
    pub interval_months: u32,
}

impl Scale {
    /// The coefficient of `step` (from 1), if the table has that step.
    pub fn coefficient(&self, step: i16) -> Option<f64> {
        let index = usize::try_from(step).ok()?.checked_sub(1)?;
        self.coefficients.get(index).copied()
    }

    /// When the step after `step`, held since `since`, is due: the rank's
    /// interval plus any extension by decision (kéo dài). None at the top
    /// step, where seniority beyond the frame takes over.
    pub fn next_raise(
        &self,
        step: i16,
        since: NaiveDate,
        extension_months: u32,
    ) -> Option<NaiveDate> {
        let top = i16::try_from(self.coefficients.len()).ok()?;
        if step >= top {
            return None;
        }
        since.checked_add_months(Months::new(self.interval_months + extension_months))
    }
}

/// Hundredths, the exact form coefficients are stored and compared in.
pub fn hundredths(coefficient: f64) -> i64 {
    (coefficient * 100.0).round() as i64
}

/// Diễn biến lương (item 39): one step held from the record's from_date,
/// by a rank's scale or a leadership table (exactly one of the two codes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct SalaryEntry {
    /// NgachBacLuong (rank catalog)
    #[validate(length(min = 1, max = 40))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_code: Option<String>,
    /// Bảng lương chức vụ (leadership_salary catalog)
    #[validate(length(min = 1, max = 40))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leadership_salary_code: Option<String>,
    #[validate(range(min = 1, max = 20))]
    pub salary_step: i16,
    /// HeSoLuong, 1.00 to 13.00
    #[validate(range(min = 1.0, max = 13.0))]
    pub salary_coefficient: f64,
    /// PhanTramHuong
    #[validate(range(min = 0, max = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<i16>,
    /// The decision granting the step.
    #[validate(length(min = 1, max = 200))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_number: Option<String>,
    /// Nâng lương trước thời hạn: granted early by that decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_raise: Option<bool>,
    /// Kéo dài thời gian nâng lương: months the next step is put off by decision.
    #[validate(range(min = 1, max = 24))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_months: Option<i16>,
}

impl SalaryEntry {
    /// Whether `other` states the same step on the same table.
    pub fn same_step(&self, other: &SalaryEntry) -> bool {
        self.rank_code == other.rank_code
            && self.leadership_salary_code == other.leadership_salary_code
            && self.salary_step == other.salary_step
            && hundredths(self.salary_coefficient) == hundredths(other.salary_coefficient)
    }

    pub fn extension(&self) -> u32 {
        self.extension_months
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn a1() -> Scale {
        Scale {
            coefficients: vec![2.34, 2.67, 3.00, 3.33, 3.66, 3.99, 4.32, 4.65, 4.98],
            interval_months: 36,
        }
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn steps_carry_their_coefficients() {
        assert_eq!(a1().coefficient(4), Some(3.33));
        assert_eq!(a1().coefficient(0), None);
        assert_eq!(a1().coefficient(10), None);
    }

    #[test]
    fn the_next_raise_follows_the_interval_and_extensions_and_stops_at_the_top() {
        let since = day(2023, 7, 1);
        assert_eq!(a1().next_raise(4, since, 0), Some(day(2026, 7, 1)));
        assert_eq!(a1().next_raise(4, since, 6), Some(day(2027, 1, 1)));
        assert_eq!(a1().next_raise(9, since, 0), None);
    }
}
