//! Which WebAssembly bundle of the app serves which page.
//!
//! The app is built once per role (`scripts/build-app.sh`: one Trunk entry `<name>.html`
//! per [`Bundle`], each with only its role's pages), so a recipient's phone never downloads
//! the caseworker's forms or the 健診 reader. The server answers a page path with the HTML of
//! [`Bundle::for_path`] (`server/src/http/spa.rs`), and a bundle that is asked to show a path
//! it does not hold reloads the page so the server gives the right one (`app/src/app.rs`).
//! The service worker (`public/sw.js`) keeps the same table for offline reloads; a server
//! test checks the two agree.

/// One Trunk entry of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bundle {
    /// `/`, `/login` and any path no role owns: ID + password, or the マイナンバーカード.
    Signin,
    /// `/clinic…`: the reception desk (works offline): its home and 資格確認.
    Reception,
    /// The reception desk's lists (work offline too): 一括照会 (`/clinic/roster`) and
    /// 本日の確認 (`/clinic/today`).
    ReceptionLists,
    /// `/office…`: the 福祉事務所 portal (home, 台帳 search and records, 資格, 日次連携,
    /// the supervisor's view).
    Office,
    /// The office's forms: a record's new and edit forms, the 医療券 forms, the renewal of
    /// next month's tickets, the office's 閉庁日.
    OfficeForms,
    /// The office's heavy pages: screening, 健診・薬剤情報の取り込み, 請求前資格確認, print,
    /// a recipient's 受診状況 (its tables and charts of 健診・薬剤情報).
    OfficeTools,
    /// `/me…`: the recipient portal (works offline).
    Portal,
    /// `/operator…`: the operator's compliance table and institution registry.
    Operator,
}

/// Path prefixes of [`Bundle::OfficeTools`] (each also owns the paths below it).
pub const OFFICE_TOOLS_PREFIXES: &[&str] = &[
    "/office/screening",
    "/office/health-import",
    "/office/claims",
];

impl Bundle {
    pub const ALL: [Bundle; 8] = [
        Bundle::Signin,
        Bundle::Reception,
        Bundle::ReceptionLists,
        Bundle::Office,
        Bundle::OfficeForms,
        Bundle::OfficeTools,
        Bundle::Portal,
        Bundle::Operator,
    ];

    /// The file stem of its Trunk entry and of the HTML in `dist/` (`office-tools.html`).
    pub fn name(self) -> &'static str {
        match self {
            Bundle::Signin => "signin",
            Bundle::Reception => "reception",
            Bundle::ReceptionLists => "reception-lists",
            Bundle::Office => "office",
            Bundle::OfficeForms => "office-forms",
            Bundle::OfficeTools => "office-tools",
            Bundle::Portal => "portal",
            Bundle::Operator => "operator",
        }
    }

    /// The bundle that shows the page at `path` (a URL path, without query).
    pub fn for_path(path: &str) -> Bundle {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/clinic/roster") || under("/clinic/today") {
            Bundle::ReceptionLists
        } else if under("/clinic") {
            Bundle::Reception
        } else if under("/me") {
            Bundle::Portal
        } else if OFFICE_TOOLS_PREFIXES.iter().any(|prefix| under(prefix))
            || is_print_or_visits(path)
        {
            Bundle::OfficeTools
        } else if OFFICE_FORMS_PREFIXES.iter().any(|prefix| under(prefix)) || is_form(path) {
            Bundle::OfficeForms
        } else if under("/office") {
            Bundle::Office
        } else if under("/operator") {
            Bundle::Operator
        } else {
            Bundle::Signin
        }
    }
}

/// Path prefixes of [`Bundle::OfficeForms`] (each also owns the paths below it).
pub const OFFICE_FORMS_PREFIXES: &[&str] = &[
    "/office/recipients/new",
    "/office/renew",
    "/office/closed-days",
];

/// The forms of one record or ticket: `/office/recipients/:id/edit`,
/// `/office/recipients/:id/tickets/new`, `/office/tickets/:id/edit`.
fn is_form(path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["", "office", "recipients", id, "edit"]
        | ["", "office", "recipients", id, "tickets", "new"]
        | ["", "office", "tickets", id, "edit"] => !id.is_empty(),
        _ => false,
    }
}

/// The printed forms (`/office/tickets/:id/print`, `/office/recipients/:id/notice`) and a
/// recipient's 受診状況 (`/office/recipients/:id/visits`).
fn is_print_or_visits(path: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["", "office", "tickets", id, "print"]
        | ["", "office", "recipients", id, "notice" | "visits"] => !id.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_prefix_goes_to_its_bundle() {
        for (path, bundle) in [
            ("/", Bundle::Signin),
            ("/login", Bundle::Signin),
            ("/no-such-page", Bundle::Signin),
            ("/clinical", Bundle::Signin),
            ("/clinic", Bundle::Reception),
            ("/clinic/verify", Bundle::Reception),
            ("/clinic/roster", Bundle::ReceptionLists),
            ("/clinic/roster/", Bundle::ReceptionLists),
            ("/clinic/today", Bundle::ReceptionLists),
            ("/clinic/todays", Bundle::Reception),
            ("/me", Bundle::Portal),
            ("/me/tickets", Bundle::Portal),
            ("/media", Bundle::Signin),
            ("/office", Bundle::Office),
            ("/office/recipients/12", Bundle::Office),
            ("/office/recipients", Bundle::Office),
            ("/office/recipients/", Bundle::Office),
            ("/office/recipients/newer", Bundle::Office),
            ("/office/feed", Bundle::Office),
            ("/office/supervisor", Bundle::Office),
            ("/office/recipients/new", Bundle::OfficeForms),
            ("/office/recipients/new/", Bundle::OfficeForms),
            ("/office/recipients/12/edit", Bundle::OfficeForms),
            ("/office/recipients/12/edit/", Bundle::OfficeForms),
            ("/office/recipients/12/tickets/new", Bundle::OfficeForms),
            ("/office/recipients//edit", Bundle::Office),
            ("/office/recipients/12/tickets", Bundle::Office),
            ("/office/tickets/3/edit", Bundle::OfficeForms),
            ("/office/renew", Bundle::OfficeForms),
            ("/office/closed-days", Bundle::OfficeForms),
            ("/office/closed-days-x", Bundle::Office),
            ("/operator", Bundle::Operator),
            ("/operator/institutions", Bundle::Operator),
            ("/operators", Bundle::Signin),
            ("/office/screening", Bundle::OfficeTools),
            ("/office/screening/", Bundle::OfficeTools),
            ("/office/screenings", Bundle::Office),
            ("/office/health-import", Bundle::OfficeTools),
            ("/office/claims", Bundle::OfficeTools),
            ("/office/tickets/3/print", Bundle::OfficeTools),
            ("/office/recipients/12/notice", Bundle::OfficeTools),
            ("/office/recipients/12/notice/", Bundle::OfficeTools),
            ("/office/recipients/12/visits", Bundle::OfficeTools),
            ("/office/tickets//print", Bundle::Office),
        ] {
            assert_eq!(Bundle::for_path(path), bundle, "{path}");
        }
    }

    #[test]
    fn names_are_distinct_file_stems() {
        let names: std::collections::BTreeSet<_> = Bundle::ALL.iter().map(|b| b.name()).collect();
        assert_eq!(names.len(), Bundle::ALL.len());
        assert!(names
            .iter()
            .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '-')));
    }
}
