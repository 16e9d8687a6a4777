//! One page per file, by role.

pub mod card_login;
pub mod claims;
pub mod clinic_home;
pub mod clinic_roster;
pub mod clinic_today;
pub mod clinic_verify;
pub mod feed;
pub mod health_import;
pub mod login;
pub mod not_found;
pub mod office;
pub mod office_home;
pub mod operator;
pub mod operator_home;
pub mod portal;
pub mod screening;
