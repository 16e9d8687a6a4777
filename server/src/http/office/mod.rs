//! The 福祉事務所 portal (product.md §2 I): 被保護者台帳, 資格情報 and their registration
//! deadlines, 医療券/調剤券 (issue, amend, cancel, print, next month's renewal), 閲覧制限,
//! and the supervisor's view.
//!
//! Scope: every handler starts from `scope::office` (or `scope::supervisor_office`), and
//! every recipient or ticket is read with the caller's office number in the `WHERE` clause,
//! so an id from another office answers exactly like an id that does not exist (404).
//! Every read or write of a recipient's data is written to the audit log.
//!
//! - [`recipients`]: search, create, read, edit, 個人番号 reveal, 閲覧制限, staff list;
//! - [`qualification`]: 保護開始・再開・停止・廃止, pending decisions, deadlines;
//! - [`tickets`]: 指定医療機関 search, issue, amend, cancel, print;
//! - [`renew`]: next month's tickets from this month's, previewed then committed;
//! - [`supervisor`]: the whole office at a glance;
//! - [`store`]: rows as stored and the views built from them (tickets are read and written by
//!   `crate::store::tickets`), the office calendar, and the numbers the app issues;
//! - [`visits`]: one recipient's 受診状況 (verifications, tickets, 健診・薬剤情報);
//! - [`input`]: the checks of request fields the handlers share (reasons, flags).

mod closed_days;
mod input;
mod qualification;
mod recipients;
mod renew;
mod store;
mod supervisor;
mod tickets;
mod visits;

use axum::routing::{delete, get, post, put};
use axum::Router;

use domain::api::{
    ClosedDayImport, ClosedDayInput, ClosedDayList, Deadlines, InstitutionList,
    QualificationRequest, ReasonRequest, RecipientDetail, RecipientInput, RecipientNotice,
    RecipientPage, RecipientVisits, RenewCommit, RenewPreview, RenewRequest, RenewResult,
    RestrictionRequest, RevealRequest, RevealedIndividualNumber, StaffMember, SupervisorView,
    TicketInput, TicketPrint, TicketView,
};

use super::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/office/recipients",
            get(recipients::search).post(recipients::create),
        )
        .route(
            "/api/office/recipients/{id}",
            get(recipients::detail).put(recipients::update),
        )
        .route(
            "/api/office/recipients/{id}/reveal-individual-number",
            post(recipients::reveal_individual_number),
        )
        .route(
            "/api/office/recipients/{id}/restriction",
            put(recipients::set_restriction),
        )
        .route("/api/office/staff", get(recipients::staff))
        .route(
            "/api/office/recipients/{id}/qualification",
            post(qualification::record),
        )
        .route(
            "/api/office/qualification-events/{event_id}/register",
            post(qualification::register),
        )
        .route(
            "/api/office/qualification-events/{event_id}/withdraw",
            post(qualification::withdraw),
        )
        .route("/api/office/deadlines", get(qualification::deadlines))
        .route("/api/office/institutions", get(tickets::institutions))
        .route("/api/office/recipients/{id}/tickets", post(tickets::issue))
        .route(
            "/api/office/tickets/{ticket_id}",
            get(tickets::read).put(tickets::amend),
        )
        .route(
            "/api/office/tickets/{ticket_id}/cancel",
            post(tickets::cancel),
        )
        .route("/api/office/tickets/{ticket_id}/print", get(tickets::print))
        .route("/api/office/tickets/renew/preview", post(renew::preview))
        .route("/api/office/tickets/renew", post(renew::commit))
        .route("/api/office/supervisor", get(supervisor::view))
        .route(
            "/api/office/recipients/{id}/notice",
            get(recipients::notice),
        )
        .route("/api/office/recipients/{id}/visits", get(visits::read))
        .route(
            "/api/office/closed-days",
            get(closed_days::list).post(closed_days::add),
        )
        .route("/api/office/closed-days/import", post(closed_days::import))
        .route(
            "/api/office/closed-days/{date}",
            delete(closed_days::remove),
        )
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const OFFICE: &str = "地区担当員・査察指導員（自事務所）";
    const SUPERVISOR: &str = "査察指導員（自事務所）";
    vec![
        Operation::new(
            "get",
            "/api/office/recipients",
            "被保護者台帳の検索（?q=受給者番号・カナ・氏名・生年月日・ケース番号 &status=active|ended|none|pending &mine=true &page=1）",
            OFFICE,
        )
        .response::<RecipientPage>(g),
        Operation::new(
            "post",
            "/api/office/recipients",
            "被保護者の登録（受給者番号はアプリが採番。201）",
            OFFICE,
        )
        .request::<RecipientInput>(g)
        .response::<RecipientDetail>(g),
        Operation::new(
            "get",
            "/api/office/recipients/{id}",
            "被保護者の詳細（個人番号はマスク、資格の履歴と登録期限、月別の医療券、紙が必要な理由）",
            OFFICE,
        )
        .response::<RecipientDetail>(g),
        Operation::new(
            "put",
            "/api/office/recipients/{id}",
            "被保護者の修正（受給者番号は変更不可）",
            OFFICE,
        )
        .request::<RecipientInput>(g)
        .response::<RecipientDetail>(g),
        Operation::new(
            "post",
            "/api/office/recipients/{id}/reveal-individual-number",
            "個人番号の表示（理由を記録）",
            SUPERVISOR,
        )
        .request::<RevealRequest>(g)
        .response::<RevealedIndividualNumber>(g),
        Operation::new(
            "put",
            "/api/office/recipients/{id}/restriction",
            "閲覧制限の設定・解除（理由つき）",
            OFFICE,
        )
        .request::<RestrictionRequest>(g)
        .response::<RecipientDetail>(g),
        Operation::new(
            "get",
            "/api/office/staff",
            "事務所の地区担当員・査察指導員（担当の選択肢）",
            OFFICE,
        )
        .response::<Vec<StaffMember>>(g),
        Operation::new(
            "post",
            "/api/office/recipients/{id}/qualification",
            "資格の異動（保護開始・再開・停止・廃止）の登録、または決定のみの記録",
            OFFICE,
        )
        .request::<QualificationRequest>(g)
        .response::<RecipientDetail>(g),
        Operation::new(
            "post",
            "/api/office/qualification-events/{event_id}/register",
            "記録済みの決定の資格登録",
            OFFICE,
        )
        .response::<RecipientDetail>(g),
        Operation::new(
            "post",
            "/api/office/qualification-events/{event_id}/withdraw",
            "記録済み（未登録）の決定の取り下げ",
            OFFICE,
        )
        .request::<ReasonRequest>(g)
        .response::<RecipientDetail>(g),
        Operation::new(
            "get",
            "/api/office/deadlines",
            "資格登録の期限超過・本日期限（?all=true で事務所全体）",
            OFFICE,
        )
        .response::<Deadlines>(g),
        Operation::new(
            "get",
            "/api/office/institutions",
            "指定医療機関の検索（?q=コードまたは名称 &table=点数表番号）",
            OFFICE,
        )
        .response::<InstitutionList>(g),
        Operation::new(
            "post",
            "/api/office/recipients/{id}/tickets",
            "医療券・調剤券の交付（交付番号はアプリが採番。201）",
            OFFICE,
        )
        .request::<TicketInput>(g)
        .response::<TicketView>(g),
        Operation::new(
            "get",
            "/api/office/tickets/{ticket_id}",
            "医療券・調剤券の内容",
            OFFICE,
        )
        .response::<TicketView>(g),
        Operation::new(
            "put",
            "/api/office/tickets/{ticket_id}",
            "医療券・調剤券の修正（診療年月は変更不可）",
            OFFICE,
        )
        .request::<TicketInput>(g)
        .response::<TicketView>(g),
        Operation::new(
            "post",
            "/api/office/tickets/{ticket_id}/cancel",
            "医療券・調剤券の取消（理由つき）",
            OFFICE,
        )
        .request::<ReasonRequest>(g)
        .response::<TicketView>(g),
        Operation::new(
            "get",
            "/api/office/tickets/{ticket_id}/print",
            "紙の医療券・調剤券の印刷データ（全項目、和暦）",
            OFFICE,
        )
        .response::<TicketPrint>(g),
        Operation::new(
            "post",
            "/api/office/tickets/renew/preview",
            "翌月分の医療券・調剤券の一括交付: プレビュー（担当分。査察指導員は事務所全体）",
            OFFICE,
        )
        .request::<RenewRequest>(g)
        .response::<RenewPreview>(g),
        Operation::new(
            "post",
            "/api/office/tickets/renew",
            "翌月分の医療券・調剤券の一括交付: プレビューどおりに確定",
            OFFICE,
        )
        .request::<RenewCommit>(g)
        .response::<RenewResult>(g),
        Operation::new(
            "get",
            "/api/office/supervisor",
            "査察指導員の画面: 担当別の件数、本日交付の券、期限超過の資格登録",
            SUPERVISOR,
        )
        .response::<SupervisorView>(g),
        Operation::new(
            "get",
            "/api/office/recipients/{id}/notice",
            "資格確認のご案内（公費負担者番号・受給者番号・事務所の連絡先。印刷用、閲覧を記録）",
            OFFICE,
        )
        .response::<RecipientNotice>(g),
        Operation::new(
            "get",
            "/api/office/recipients/{id}/visits",
            "受診状況（?months=1〜12、既定3: 月ごと・医療機関ごと・日ごとの資格確認とそれを委託する医療券、未委託の日、本人のポータルと同じ健診・薬剤情報。閲覧を記録）",
            OFFICE,
        )
        .response::<RecipientVisits>(g),
        Operation::new(
            "get",
            "/api/office/closed-days",
            "事務所が設定した閉庁日の一覧（祝日・土日・年末年始は設定不要）",
            OFFICE,
        )
        .response::<ClosedDayList>(g),
        Operation::new(
            "post",
            "/api/office/closed-days",
            "閉庁日の追加（日付は和暦・西暦、名称必須。登録済みは409）",
            SUPERVISOR,
        )
        .request::<ClosedDayInput>(g)
        .response::<ClosedDayList>(g),
        Operation::new(
            "post",
            "/api/office/closed-days/import",
            "閉庁日の一括登録（1行に1日、「日付,名称」。誤りがあれば行番号を示して全件取り込まない）",
            SUPERVISOR,
        )
        .request::<ClosedDayImport>(g)
        .response::<ClosedDayList>(g),
        Operation::new(
            "delete",
            "/api/office/closed-days/{date}",
            "閉庁日の削除（日付はYYYY-MM-DD。他事務所・未登録は404）",
            SUPERVISOR,
        )
        .response::<ClosedDayList>(g),
    ]
}
