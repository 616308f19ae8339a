pub mod members;
pub mod stats;
pub mod transfers;
pub mod units;
