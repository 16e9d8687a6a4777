//! Reusable pieces, one component per file.

pub mod date_ja;
pub mod error_banner;
pub mod header;
pub mod load_error;
pub mod loading;
pub mod page_heading;
pub mod require_role;
pub mod stat;
pub mod update_banner;

pub use date_ja::{DateJa, DateRangeJa};
pub use error_banner::ErrorBanner;
pub use header::SiteHeader;
pub use load_error::LoadError;
pub use loading::Loading;
pub use page_heading::PageHeading;
pub use require_role::RequireRole;
pub use stat::Stat;
pub use update_banner::UpdateBanner;
