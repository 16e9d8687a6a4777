//! The システム運用者's sections of `/operator` (`pages::operator_home`): the per-office
//! compliance table and the institution registry.

pub mod compliance;
pub mod registry;

pub use compliance::CompliancePanel;
pub use registry::RegistryPanel;
