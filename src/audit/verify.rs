//! Walking the whole chain, row by row, against itself and the checkpoints.

use diesel::PgConnection;

use super::chain::{self, ChainRow, GENESIS};
use super::checkpoint::{Checkpoint, CheckpointStore};

/// Rows per query: bounds memory however long the log grows.
const BATCH: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub rows: u64,
    pub last_id: Option<i64>,
    pub last_hash_hex: Option<String>,
    /// Checkpoints found in the table with the hash they recorded.
    pub checkpoints_checked: usize,
}

/// The first thing found wrong, naming the row (by id) where it shows.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("audit row {id} was altered (its content does not match its hash)")]
    Altered { id: i64 },
    #[error("audit row {id} does not link to row {} (its prev_hash differs from that row's hash: one of them was rewritten)", id - 1)]
    BrokenLink { id: i64 },
    #[error("audit rows {first} to {} are missing (gap before row {found}): rows were deleted", found - 1)]
    Gap { first: i64, found: i64 },
    #[error(
        "audit row {id} is out of sequence (ids run gaplessly from 1): a row was inserted by hand"
    )]
    OutOfSequence { id: i64 },
    #[error("checkpoint at id {id} (hash {hash}) not matched: row {id} is missing or different (the log was truncated or rewritten)")]
    CheckpointMismatch { id: i64, hash: String },
    #[error("checkpoint file line {line} has a bad signature or format ({reason}): the file was tampered with")]
    BadCheckpoint { line: usize, reason: &'static str },
    #[error("database error while verifying the audit log: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("checkpoint file error: {0}")]
    Io(#[from] std::io::Error),
}

/// Checks every row's hash, every link, that ids run gaplessly from 1, and,
/// given a store, that every checkpoint is still in the table unchanged:
/// only the checkpoints, kept outside the database, catch a chain rewritten
/// and re-hashed from some row on, or cut short at the end.
/// Stops at the first problem, the lowest id.
pub fn verify(
    conn: &mut PgConnection,
    checkpoints: Option<&CheckpointStore>,
) -> Result<VerifyReport, VerifyError> {
    let marks = match checkpoints {
        Some(store) => store.read_all()?,
        None => Vec::new(),
    };
    let mut walk = Walk::new(marks);
    let mut after = i64::MIN;
    loop {
        let rows = chain::batch_after(conn, after, BATCH)?;
        for row in &rows {
            walk.step(row)?;
        }
        match rows.last() {
            Some(last) if rows.len() as i64 == BATCH => after = last.id,
            _ => break,
        }
    }
    walk.finish()
}

/// The state carried from one row to the next.
struct Walk {
    expected_id: i64,
    prev_hash: Vec<u8>,
    rows: u64,
    /// Sorted by id; `next` is the first not yet reached.
    marks: Vec<Checkpoint>,
    next: usize,
}

impl Walk {
    fn new(mut marks: Vec<Checkpoint>) -> Self {
        marks.sort_by_key(|m| m.id);
        Walk {
            expected_id: 1,
            prev_hash: GENESIS.to_vec(),
            rows: 0,
            marks,
            next: 0,
        }
    }

    fn step(&mut self, row: &ChainRow) -> Result<(), VerifyError> {
        if row.id < self.expected_id {
            return Err(VerifyError::OutOfSequence { id: row.id });
        }
        if row.id > self.expected_id {
            return Err(VerifyError::Gap {
                first: self.expected_id,
                found: row.id,
            });
        }
        if !row.is_intact() {
            return Err(VerifyError::Altered { id: row.id });
        }
        if row.prev_hash != self.prev_hash {
            return Err(VerifyError::BrokenLink { id: row.id });
        }
        self.check_marks(row)?;
        self.expected_id = row.id + 1;
        self.prev_hash.clone_from(&row.hash);
        self.rows += 1;
        Ok(())
    }

    /// Every checkpoint at or below this row must name this very row and hash
    /// (one below it would have matched an earlier row already).
    fn check_marks(&mut self, row: &ChainRow) -> Result<(), VerifyError> {
        let hash = hex::encode(&row.hash);
        while let Some(mark) = self.marks.get(self.next).filter(|m| m.id <= row.id) {
            if mark.id != row.id || !mark.hash.eq_ignore_ascii_case(&hash) {
                return Err(mismatch(mark));
            }
            self.next += 1;
        }
        Ok(())
    }

    /// A checkpoint beyond the last row means the end of the log was cut off.
    fn finish(self) -> Result<VerifyReport, VerifyError> {
        if let Some(mark) = self.marks.get(self.next) {
            return Err(mismatch(mark));
        }
        let last_id = (self.rows > 0).then_some(self.expected_id - 1);
        Ok(VerifyReport {
            rows: self.rows,
            last_id,
            last_hash_hex: last_id.map(|_| hex::encode(&self.prev_hash)),
            checkpoints_checked: self.next,
        })
    }
}

fn mismatch(mark: &Checkpoint) -> VerifyError {
    VerifyError::CheckpointMismatch {
        id: mark.id,
        hash: mark.hash.clone(),
    }
}
