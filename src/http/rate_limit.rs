//! A fixed-window request limit per client address, for the sign-in routes:
//! it slows guessing before the per-account and per-address failure counts
//! (which live in the database) even come into play.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use chrono::{DateTime, Duration, Utc};

use crate::error::AppError;
use crate::http::AppState;

pub const REQUESTS_PER_WINDOW: u32 = 30;
pub const WINDOW: Duration = Duration::minutes(1);
/// Past this many tracked addresses, stale windows are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Default)]
pub struct SignInLimiter {
    windows: Mutex<HashMap<IpAddr, (DateTime<Utc>, u32)>>,
}

impl SignInLimiter {
    /// Counts a request; `Err(seconds)` when the address is over its limit.
    pub fn admit(&self, address: IpAddr, now: DateTime<Utc>) -> Result<(), i64> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now - *start < WINDOW);
        }
        let entry = windows.entry(address).or_insert((now, 0));
        if now - entry.0 >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        if entry.1 > REQUESTS_PER_WINDOW {
            Err((entry.0 + WINDOW - now).num_seconds().max(1))
        } else {
            Ok(())
        }
    }
}

pub async fn limit_sign_in(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let verdict = match req.app_data::<web::Data<AppState>>() {
        Some(state) => match state.client_address(req.request()) {
            Some(client) => state
                .sign_in_limiter
                .admit(crate::context::limit_key(client), state.clock.now()),
            None => Ok(()),
        },
        None => Ok(()),
    };
    match verdict {
        Ok(()) => next.call(req).await,
        Err(retry_after_seconds) => Err(AppError::Throttled {
            retry_after_seconds,
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_over_its_limit_waits_for_the_next_window() {
        let limiter = SignInLimiter::default();
        let (one, other): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let start = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        for _ in 0..REQUESTS_PER_WINDOW {
            assert!(limiter.admit(one, start).is_ok());
        }
        assert_eq!(limiter.admit(one, start + Duration::seconds(20)), Err(40));
        assert!(
            limiter.admit(other, start).is_ok(),
            "limits are per address"
        );
        assert!(limiter.admit(one, start + WINDOW).is_ok());
    }
}
