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
    /// `/clinic…`: the reception desk (works offline).
    Reception,
    /// `/office…` and `/operator…`: the 福祉事務所 portal and the operator's home.
    Office,
    /// The office's heavy pages: screening, 健診・薬剤情報の取り込み, 請求前資格確認, print,
    /// a recipient's 受診状況 (its tables and charts of 健診・薬剤情報).
    OfficeTools,
    /// `/me…`: the recipient portal (works offline).
    Portal,
}

/// Path prefixes of [`Bundle::OfficeTools`] (each also owns the paths below it).
pub const OFFICE_TOOLS_PREFIXES: &[&str] = &[
    "/office/screening",
    "/office/health-import",
    "/office/claims",
];

impl Bundle {
    pub const ALL: [Bundle; 5] = [
        Bundle::Signin,
        Bundle::Reception,
        Bundle::Office,
        Bundle::OfficeTools,
        Bundle::Portal,
    ];

    /// The file stem of its Trunk entry and of the HTML in `dist/` (`office-tools.html`).
    pub fn name(self) -> &'static str {
        match self {
            Bundle::Signin => "signin",
            Bundle::Reception => "reception",
            Bundle::Office => "office",
            Bundle::OfficeTools => "office-tools",
            Bundle::Portal => "portal",
        }
    }

    /// The bundle that shows the page at `path` (a URL path, without query).
    pub fn for_path(path: &str) -> Bundle {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if under("/clinic") {
            Bundle::Reception
        } else if under("/me") {
            Bundle::Portal
        } else if OFFICE_TOOLS_PREFIXES.iter().any(|prefix| under(prefix))
            || is_print_or_visits(path)
        {
            Bundle::OfficeTools
        } else if under("/office") || under("/operator") {
            Bundle::Office
        } else {
            Bundle::Signin
        }
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
            ("/me", Bundle::Portal),
            ("/me/tickets", Bundle::Portal),
            ("/media", Bundle::Signin),
            ("/office", Bundle::Office),
            ("/office/recipients/12", Bundle::Office),
            ("/office/recipients/12/edit", Bundle::Office),
            ("/office/tickets/3/edit", Bundle::Office),
            ("/office/feed", Bundle::Office),
            ("/operator", Bundle::Office),
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
