//! The 福祉事務所 pages (地区担当員・査察指導員): 被保護者台帳, 資格, 医療券・調剤券
//! (issue, amend, cancel, print), next month's renewal, a recipient's 受診状況 and the
//! supervisor's view.
//! The `/office` home itself is `pages::office_home`, which shows [`DeadlinesPanel`].

pub mod alerts_panel;
pub mod closed_days;
pub mod deadlines_panel;
pub mod fields;
pub mod institution_picker;
pub mod qualification_panel;
pub mod recipient_detail;
pub mod recipient_form;
pub mod recipient_notice;
pub mod recipient_search;
pub mod renew;
pub mod restriction_panel;
pub mod supervisor;
pub mod ticket_form;
pub mod ticket_months;
pub mod ticket_print;
pub mod visits;

pub use alerts_panel::AlertsPanel;
pub use closed_days::ClosedDaysPage;
pub use deadlines_panel::DeadlinesPanel;
pub use recipient_detail::RecipientDetailPage;
pub use recipient_form::{RecipientEdit, RecipientNew};
pub use recipient_notice::RecipientNoticePage;
pub use recipient_search::RecipientSearch;
pub use renew::RenewTickets;
pub use supervisor::SupervisorPage;
pub use ticket_form::{TicketEdit, TicketNew};
pub use ticket_print::TicketPrintPage;
pub use visits::RecipientVisitsPage;

use domain::api::{ApiError, ErrorCode, StaffMember};
use leptos::prelude::*;
use leptos_router::params::ParamsMap;

use crate::api::Failure;

/// `:id` of the route as a database id.
pub(crate) fn recipient_id(params: &ParamsMap) -> Option<i64> {
    params.get("id").and_then(|id| id.parse().ok())
}

/// What a malformed id in the address means to the person: nothing there.
pub(crate) fn not_found() -> Failure {
    Failure::Api {
        status: 404,
        error: ApiError {
            code: ErrorCode::NotFound,
            message: "見つかりません。アドレスを確認してください。".to_string(),
            fields: Vec::new(),
            duplicates: Vec::new(),
        },
    }
}

/// 性別 code → 男 / 女.
pub(crate) fn sex_label(code: &str) -> &'static str {
    match code {
        "1" => "男",
        "2" => "女",
        _ => "不明",
    }
}

/// The office's staff by login, to show a 地区担当員 or 交付者 by name: a login ID is for
/// signing in, not for people to read.
#[derive(Clone, Copy)]
pub(crate) struct StaffNames(LocalResource<Result<Vec<StaffMember>, Failure>>);

impl StaffNames {
    pub(crate) fn load() -> Self {
        Self(LocalResource::new(|| async move {
            crate::api::office_staff().await
        }))
    }

    /// The display name of `login` (reactive): empty while the list loads, the login itself
    /// for someone no longer on the staff list.
    pub(crate) fn name(self, login: &str) -> String {
        match self.0.get() {
            None => String::new(),
            Some(Ok(staff)) => staff_name(&staff, login),
            Some(Err(_)) => login.to_string(),
        }
    }
}

fn staff_name(staff: &[StaffMember], login: &str) -> String {
    staff
        .iter()
        .find(|m| m.login == login)
        .map_or_else(|| login.to_string(), |m| m.display_name.clone())
}
