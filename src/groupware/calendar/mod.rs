//! Calendars and meetings (AP5): unit and personal calendars, invitees and
//! their answers, recurring events, iCalendar export.

pub mod ics;
pub mod input;
pub mod model;
pub mod recurrence;
pub mod repo;
pub mod routes;
pub mod service;
