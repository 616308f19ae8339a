//! ODB, the Officials Database: organizations, staffing quotas, cadres, civil
//! servants and public employees of Vietnam's whole political system.

pub mod audit;
pub mod auth;
pub mod catalogs;
pub mod clock;
pub mod config;
pub mod context;
pub mod crypto;
pub mod db;
pub mod dossiers;
pub mod error;
pub mod export;
pub mod fixtures;
pub mod groupware;
pub mod http;
pub mod ids;
pub mod imports;
mod macros;
pub mod officials;
pub mod org;
pub mod pagination;
pub mod party;
pub mod patch;
pub mod portal;
pub mod reports;
pub mod routes;
pub mod staffing;
pub mod startup;
pub mod sync;
pub mod text;
pub mod validation;
