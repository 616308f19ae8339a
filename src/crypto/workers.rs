//! Batches over a table's rows, in parallel on disjoint id ranges (one
//! connection each, so PostgreSQL works on as many cores), committed one at
//! a time so that what is reported is exactly what is committed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};
use uuid::Uuid;

use super::keyring::CryptoError;

/// Called after each committed batch with a name (a column) and how many
/// values of it are done so far.
pub type Progress<'p> = &'p mut (dyn FnMut(&str, u64) + Send);

/// Running totals per name, reported in commit order.
pub(crate) struct Reporter<'p> {
    totals: Vec<(&'static str, u64)>,
    progress: Progress<'p>,
}

impl<'p> Reporter<'p> {
    pub(crate) fn new(progress: Progress<'p>) -> Self {
        Reporter {
            totals: Vec::new(),
            progress,
        }
    }

    fn record(&mut self, counts: &[(&'static str, u64)]) {
        for &(name, count) in counts.iter().filter(|(_, n)| *n > 0) {
            let index = match self.totals.iter().position(|(n, _)| *n == name) {
                Some(index) => index,
                None => {
                    self.totals.push((name, 0));
                    self.totals.len() - 1
                }
            };
            self.totals[index].1 += count;
            (self.progress)(name, self.totals[index].1);
        }
    }
}

/// The part of the id space one worker walks (both ends included), where
/// it has got to, and how many rows its next batch reads.
pub(crate) struct Cursor {
    pub(crate) from: Uuid,
    pub(crate) to: Uuid,
    pub(crate) rows: i64,
}

impl Cursor {
    /// `workers` equal slices of the uuid space (ids are random, so the
    /// rows split about evenly).
    fn split(workers: usize, rows: i64) -> Vec<Cursor> {
        let n = u128::try_from(workers.max(1)).unwrap_or(1);
        let width = u128::MAX / n;
        (0..n)
            .map(|i| Cursor {
                from: Uuid::from_u128(i * width),
                to: Uuid::from_u128(if i + 1 == n {
                    u128::MAX
                } else {
                    (i + 1) * width - 1
                }),
                rows,
            })
            .collect()
    }

    /// Moves past `id`; false when that was the end of the range.
    pub(crate) fn past(&mut self, id: Uuid) -> bool {
        match id.as_u128().checked_add(1) {
            Some(next) if id < self.to => {
                self.from = Uuid::from_u128(next);
                true
            }
            _ => false,
        }
    }
}

/// What one batch did: counts by name, and whether its range has more.
pub(crate) struct Step {
    pub(crate) counts: Vec<(&'static str, u64)>,
    pub(crate) more: bool,
}

/// Runs `batch` over every range, one worker per connection, until each
/// range is exhausted; returns the total of all counts. Each batch is its
/// own transaction; a worker commits only while holding the reporter, so
/// commits and reports alternate, and a failure — or a panic in the
/// progress callback — stops the other workers before their next commit.
pub(crate) fn run_pass<B>(
    conns: &mut [PgConnection],
    reporter: &Mutex<Reporter<'_>>,
    rows: i64,
    batch: &B,
) -> Result<u64, CryptoError>
where
    B: Fn(&mut PgConnection, &mut Cursor) -> Result<Step, CryptoError> + Sync,
{
    let failed = AtomicBool::new(false);
    let cursors = Cursor::split(conns.len(), rows);
    std::thread::scope(|scope| {
        let workers: Vec<_> = conns
            .iter_mut()
            .zip(cursors)
            .map(|(conn, cursor)| {
                let failed = &failed;
                scope.spawn(move || work(conn, cursor, reporter, batch, failed))
            })
            .collect();
        let mut total = 0;
        let mut first_error = None;
        for worker in workers {
            match worker.join() {
                Ok(Ok(done)) => total += done,
                Ok(Err(error)) => {
                    first_error.get_or_insert(error);
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        first_error.map_or(Ok(total), Err)
    })
}

fn work<B>(
    conn: &mut PgConnection,
    mut cursor: Cursor,
    reporter: &Mutex<Reporter<'_>>,
    batch: &B,
    failed: &AtomicBool,
) -> Result<u64, CryptoError>
where
    B: Fn(&mut PgConnection, &mut Cursor) -> Result<Step, CryptoError>,
{
    let mut done = 0;
    while !failed.load(Ordering::SeqCst) {
        let committed = conn.transaction::<_, CryptoError, _>(|conn| {
            let step = batch(conn, &mut cursor)?;
            // Held across the commit, which happens as this closure returns.
            let reporter = reporter
                .lock()
                .map_err(|_| CryptoError::Refused("another worker stopped".into()))?;
            Ok((step, reporter))
        });
        match committed {
            Ok((step, mut reporter)) => {
                reporter.record(&step.counts);
                done += step.counts.iter().map(|(_, n)| n).sum::<u64>();
                if !step.more {
                    return Ok(done);
                }
            }
            Err(error) => {
                failed.store(true, Ordering::SeqCst);
                return Err(error);
            }
        }
    }
    Ok(done)
}

/// Batches read and write every row of a table whatever row-level security
/// says: as a role that cannot bypass it, fail rather than skip rows.
pub(crate) fn bypass_row_security(conns: &mut [PgConnection]) -> Result<(), CryptoError> {
    for conn in conns {
        diesel::sql_query("SET row_security = off").execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_the_id_space_without_overlap() {
        let ranges = Cursor::split(2, 10);
        assert_eq!(ranges[0].from, Uuid::nil());
        assert_eq!(ranges[1].to, Uuid::max());
        assert_eq!(ranges[0].to.as_u128() + 1, ranges[1].from.as_u128());
        let mut last = Cursor::split(1, 10).remove(0);
        assert!(!last.past(Uuid::max()));
        assert!(last.past(Uuid::nil()));
        assert_eq!(last.from.as_u128(), 1);
    }

    #[test]
    fn totals_are_reported_per_name_and_only_when_they_grow() {
        let mut calls = Vec::new();
        let mut progress = |name: &str, total: u64| calls.push((name.to_owned(), total));
        let mut reporter = Reporter::new(&mut progress);
        reporter.record(&[("phone", 3), ("email", 0)]);
        reporter.record(&[("phone", 2), ("email", 1)]);
        drop(reporter);
        assert_eq!(
            calls,
            [
                ("phone".to_owned(), 3),
                ("phone".to_owned(), 5),
                ("email".to_owned(), 1)
            ]
        );
    }
}
