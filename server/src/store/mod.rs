//! The store layer: one module per aggregate, the only code that writes SQL for its
//! tables. Stores take and return domain types (or small record types where the domain
//! type lacks a stored field), and import nothing from `http`, `cli` or the services.

pub mod offices;
pub mod people;
