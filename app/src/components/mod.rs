//! Reusable pieces, one component per file.

pub mod card_reader;
pub mod checkup_deadline;
pub mod date_ja;
pub mod error_banner;
pub mod header;
pub mod health_records;
pub mod load_error;
pub mod loading;
pub mod page_heading;
pub mod reception_status;
pub mod require_role;
pub mod ruby;
pub mod stat;
pub mod trend_chart;
pub mod update_banner;
pub mod verification_result;

pub use checkup_deadline::CheckupDeadlineCard;
pub use date_ja::{DateJa, DateRangeJa};
pub use error_banner::ErrorBanner;
pub use header::SiteHeader;
pub use health_records::ClinicHealthRecords;
pub use load_error::LoadError;
pub use loading::Loading;
pub use page_heading::PageHeading;
pub use reception_status::ReceptionStatus;
pub use require_role::RequireRole;
pub use ruby::Ruby;
pub use stat::Stat;
pub use trend_chart::TrendChart;
pub use update_banner::UpdateBanner;
pub use verification_result::{UnconfirmedView, VerificationResultView};
