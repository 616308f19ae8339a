//! The personnel résumé (Sơ yếu lý lịch) of one profile in the official
//! layouts Mẫu 2C-BNV/2008 and Mẫu 2C/TCTW-98, as a page to print or a PDF.

mod html;
pub mod layout;
pub mod model;
mod pdf;
mod repo;
pub mod routes;
pub mod service;
