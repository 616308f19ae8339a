//! Time is read here, at the edge, and passed into services so rules that depend
//! on it (effective dates, TOTP windows, session expiry) can be tested.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The date in Vietnam (UTC+7) at that instant.
pub fn date_in_vietnam(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(7)).date_naive()
}

#[derive(Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; tests move time forward with it.
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.offset.load(Ordering::Relaxed))
    }

    /// Today's date in Vietnam (UTC+7), where effective dates are decided.
    pub fn today(&self) -> NaiveDate {
        date_in_vietnam(self.now())
    }

    pub fn advance(&self, by: Duration) {
        self.offset.fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}
