//! `/office/health-import`: the caseworker brings 健診 results (特定健診 CDA archive or the
//! 健診 CSV) and 薬剤情報 (レセ電) into the office, and writes the office's 健診 back out as a
//! CDA archive (product.md §2 II, issue 7).
//!
//! Each file is read here first, in WebAssembly, with the same parsers as the server
//! (`domain::checkup::parse_upload`, `domain::receipt::parse_receipts`): a broken file is
//! listed record by record before anything is sent. Then it is sent as it is with a progress
//! bar (`crate::upload`), and the server's report is shown; records whose recipient the
//! server cannot find can be left out and the rest imported (`?skip_unmatched=1`).
//!
//! One component per file: [`import_section`] (choose, check, send, report),
//! [`record_errors`] (the table of problems), [`upload_progress`], [`export`].

pub mod export;
pub mod import_section;
pub mod record_errors;
pub mod upload_progress;

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::PageHeading;
use export::CheckupExport;
use import_section::{ImportKind, ImportSection};

#[component]
pub fn HealthImportPage() -> impl IntoView {
    view! {
        <section class="page health-import">
            <PageHeading title="健診結果・薬剤情報の取り込み" testid="health-import-heading"/>
            <p class="lead">
                "ファイルはまずこの端末で読み取り、誤りがあれば記録ごとに表示します。"
                "誤りのないファイルだけを送信し、取り込み結果を表示します。"
                "1件でも誤りがあるファイルからは、何も取り込まれません。"
            </p>
            <p class="hint">
                "前年度の健診結果の登録期限（11月1日）と登録状況は、"
                <A href="/office">"福祉事務所ホーム"</A>
                "に表示しています。"
            </p>
            <ImportSection kind=ImportKind::Checkups/>
            <ImportSection kind=ImportKind::Receipts/>
            <CheckupExport/>
        </section>
    }
}
