//! Groupware for CCOP staff (AP4 to AP6, DB4): the correspondence
//! register first, the most used and the hardest to get right
//! (docs/decisions/0026-correspondence-register.md).

pub mod access;
pub mod calendar;
pub mod correspondence;
pub mod notices;
pub mod people;
pub mod rooms;
pub mod tasks;
pub mod trips;
