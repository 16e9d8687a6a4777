//! One page per file, by role. Each module is compiled only into the bundles that show it
//! (`domain::bundle::Bundle`, the `role-*` features of `app/Cargo.toml`).

#[cfg(feature = "role-signin")]
pub mod card_login;
#[cfg(feature = "role-office-tools")]
pub mod claims;
#[cfg(feature = "role-reception")]
pub mod clinic_home;
#[cfg(feature = "role-reception-lists")]
pub mod clinic_roster;
#[cfg(feature = "role-reception-lists")]
pub mod clinic_today;
#[cfg(feature = "role-reception")]
pub mod clinic_verify;
#[cfg(feature = "role-office")]
pub mod feed;
#[cfg(feature = "role-office-tools")]
pub mod health_import;
#[cfg(feature = "role-signin")]
pub mod login;
pub mod not_found;
// The operator's registry uses the office's form fields.
#[cfg(any(
    feature = "role-office",
    feature = "role-office-forms",
    feature = "role-office-tools",
    feature = "role-operator"
))]
pub mod office;
#[cfg(feature = "role-office")]
pub mod office_home;
#[cfg(feature = "role-operator")]
pub mod operator;
#[cfg(feature = "role-operator")]
pub mod operator_home;
#[cfg(feature = "role-portal")]
pub mod portal;
// The office home's alerts panel uses the screening follow-up's note check.
#[cfg(any(
    feature = "role-office",
    feature = "role-office-forms",
    feature = "role-office-tools",
    feature = "role-operator"
))]
pub mod screening;
