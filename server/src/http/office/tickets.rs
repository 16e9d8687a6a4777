//! 医療券/調剤券: pick the 指定医療機関, issue, read, amend, cancel, print.
//!
//! A ticket is committed before the answer is sent, with status `active`: the institution's
//! next verification sees it (there is no batch). The 交付番号 is issued by the app,
//! `YYYYMM-NNNNN` per office and 診療年月.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use domain::api::{
    InstitutionList, InstitutionOption, ReasonRequest, TicketInput, TicketPrint, TicketView,
};
use domain::codes::Sex;
use domain::error::FieldError;
use domain::numbers::{normalize_digits, ScoreTable};
use domain::paper::{paper_reasons, ticket_print, PrintInstitution, PrintOffice, PrintRecipient};
use domain::ticket::Ticket;
use domain::ticket_form::{build_ticket, TicketContext, FIELD_INSTITUTION, FIELD_PRESCRIBER};

use super::input::required_reason;
use super::recipients::path_id;
use super::store::{self, RecipientRow, Sequence};
use crate::auth::Caller;
use crate::db::{now_text, today_jst};
use crate::http::error::{ApiJson, AppError};
use crate::http::state::AppState;
use crate::store::institutions;
use crate::store::tickets::{self, NewTicket, StoredTicket};
use crate::{audit, scope};

const INSTITUTION_LIMIT: i64 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct InstitutionParams {
    q: Option<String>,
    table: Option<String>,
}

/// Any office may search the whole 指定医療機関 list (no personal data: not audited).
pub async fn institutions(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<InstitutionParams>, QueryRejection>,
) -> Result<Json<InstitutionList>, AppError> {
    scope::office(&caller)?;
    let Query(params) = params.map_err(|e| AppError::field("検索条件", e.body_text()))?;
    let typed = params.q.as_deref().unwrap_or("").trim().to_string();
    let digits = normalize_digits(&typed);
    let search = if typed.is_empty() {
        institutions::Search::Everything
    } else if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
        institutions::Search::CodePrefix(&digits)
    } else {
        institutions::Search::NameContains(&typed)
    };
    let table = match params.table.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            t.parse::<u8>()
                .ok()
                .and_then(ScoreTable::from_code)
                .ok_or_else(|| AppError::field("点数表", format!("点数表番号「{t}」は使えません。1（医科）、3（歯科）、4（調剤）、6（訪問看護）などです。")))?,
        ),
    };
    let mut rows = institutions::search(
        &state.db,
        search,
        table.map(ScoreTable::code),
        Some(today_jst()),
        INSTITUTION_LIMIT + 1,
    )
    .await?;
    let today_text = today_jst().format("%Y-%m-%d").to_string();
    let truncated = rows.len() > usize::try_from(INSTITUTION_LIMIT).unwrap_or(30);
    rows.truncate(usize::try_from(INSTITUTION_LIMIT).unwrap_or(30));
    let items = rows
        .into_iter()
        .map(|r| {
            let table = u8::try_from(r.score_table)
                .ok()
                .and_then(ScoreTable::from_code);
            InstitutionOption {
                code: r.code,
                name: r.name,
                score_table: table.map_or(0, ScoreTable::code),
                score_table_label: table.map(|t| t.label_ja().to_string()).unwrap_or_default(),
                online_capable: r.online_capable != 0,
                address: r.address,
                phone: r.phone,
                abolished_on: r.abolished_on.filter(|d| *d <= today_text),
            }
        })
        .collect();
    Ok(Json(InstitutionList { items, truncated }))
}

/// Is the code a registered 指定医療機関? Its name.
async fn institution_name(
    conn: &mut sqlx::AnyConnection,
    code: &str,
) -> Result<Option<String>, AppError> {
    Ok(crate::store::institutions::name(conn, code).await?)
}

/// Build the ticket from the form and check that its institutions are registered.
async fn checked_ticket(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    recipient: &RecipientRow,
    input: &TicketInput,
    former: Option<&StoredTicket>,
) -> Result<Ticket, AppError> {
    let district = match recipient.caseworker_login.as_deref() {
        Some(login) => store::staff_name(conn, &recipient.office_number, login).await?,
        None => None,
    };
    let ctx = TicketContext {
        today: today_jst(),
        qualification: recipient.period(),
        former: former.map(|f| f.ticket.clone()),
        district_contact: district.unwrap_or_else(|| caller.display_name.clone()),
        handling_contact: caller.display_name.clone(),
    };
    let issue_number = former.map_or("（採番前）", |f| f.ticket.issue_number.as_str());
    let built = build_ticket(input, issue_number, &ctx);
    let mut errors: Vec<FieldError> = built.as_ref().err().cloned().unwrap_or_default();
    // The institutions are checked even when other fields are wrong, so every problem shows at once.
    let institution = domain::numbers::InstitutionCode::parse(&input.institution_code).ok();
    let mut institution_name_found = None;
    if let Some(code) = &institution {
        institution_name_found = institution_name(conn, code.as_str()).await?;
        if institution_name_found.is_none() && !errors.iter().any(|e| e.field == FIELD_INSTITUTION)
        {
            errors.push(FieldError::new(
                FIELD_INSTITUTION,
                format!("医療機関コード「{code}」は指定医療機関として登録されていません。"),
            ));
        }
    }
    let prescriber = input
        .prescriber_code
        .as_deref()
        .and_then(|p| domain::numbers::InstitutionCode::parse(p).ok());
    let mut prescriber_name_found = None;
    if let Some(code) = &prescriber {
        prescriber_name_found = institution_name(conn, code.as_str()).await?;
        if prescriber_name_found.is_none() && !errors.iter().any(|e| e.field == FIELD_PRESCRIBER) {
            errors.push(FieldError::new(
                FIELD_PRESCRIBER,
                format!("医療機関コード「{code}」は指定医療機関として登録されていません。"),
            ));
        }
    }
    // An institution the operator marked 廃止 takes no ticket reaching its 廃止年月日.
    if let (Some(code), Ok(ticket)) = (&institution, &built) {
        if let Some(abolished) = institutions::abolished_on(conn, code.as_str()).await? {
            if ticket.valid_until >= abolished
                && !errors.iter().any(|e| e.field == FIELD_INSTITUTION)
            {
                errors.push(FieldError::new(
                    FIELD_INSTITUTION,
                    format!(
                        "医療機関コード「{code}」の指定医療機関は{}に廃止されています。有効期間はその前日までにしてください。",
                        domain::wareki::format_date(abolished)
                    ),
                ));
            }
        }
    }
    let mut ticket = match built {
        Ok(ticket) if errors.is_empty() => ticket,
        _ => return Err(AppError::validation(errors)),
    };
    ticket.institution_name = institution_name_found.unwrap_or_default();
    ticket.prescriber_name = prescriber_name_found;
    Ok(ticket)
}

/// No other ticket in force covers the same recipient, month, institution and 診療別 over
/// an overlapping 有効期間 (409 naming it).
async fn no_duplicate(
    conn: &mut sqlx::AnyConnection,
    recipient_id: i64,
    ticket: &Ticket,
    except_id: Option<i64>,
) -> Result<(), AppError> {
    let same = tickets::overlapping(&mut *conn, recipient_id, ticket, except_id).await?;
    if let Some(number) = same {
        return Err(AppError::conflict(format!(
            "同じ診療年月・指定医療機関・診療別で有効期間の重なる{}（交付番号 {number}）が既にあります。内容を変えるときはその券を修正してください。",
            ticket.ticket_type.label_ja()
        )));
    }
    Ok(())
}

/// Insert a ticket issued or renewed by `created_by` now (inside the caller's transaction); its id.
pub async fn insert_ticket(
    conn: &mut sqlx::AnyConnection,
    office: &str,
    recipient_id: i64,
    ticket: &Ticket,
    created_by: &str,
    renewed_from: Option<i64>,
) -> Result<i64, AppError> {
    let created_at = now_text();
    let new = NewTicket {
        office_number: office,
        recipient_id,
        ticket,
        created_at: &created_at,
        created_by,
        renewed_from,
    };
    Ok(tickets::insert(&mut *conn, &new).await?)
}

fn summary(ticket: &Ticket) -> String {
    let retro = if ticket.retroactive_reason.is_some() {
        "（事後委託）"
    } else {
        ""
    };
    format!(
        "{} {} {}分 {}{retro}",
        ticket.ticket_type.label_ja(),
        ticket.issue_number,
        ticket.treatment_month,
        ticket.institution_name
    )
}

pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(input): ApiJson<TicketInput>,
) -> Result<(StatusCode, Json<TicketView>), AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let mut conn = state.db.pool.acquire().await?;
    let recipient = store::recipient(&mut conn, &office, id).await?;
    let mut ticket = checked_ticket(&mut conn, &caller, &recipient, &input, None).await?;
    drop(conn);
    let mut tx = state.db.pool.begin().await?;
    let sequence = Sequence::Ticket {
        month: &ticket.treatment_month,
    };
    // Under the lock, so a double click cannot issue the same ticket twice.
    store::lock_sequence(&mut tx, &office, sequence).await?;
    no_duplicate(&mut tx, id, &ticket, None).await?;
    let number = store::issue_numbers(&mut tx, &office, sequence, 1)
        .await?
        .pop()
        .ok_or_else(|| AppError::from(anyhow::anyhow!("no 交付番号 issued")))?;
    ticket.issue_number = number;
    let ticket_id = insert_ticket(&mut tx, &office, id, &ticket, &caller.actor_id, None).await?;
    // 事後委託: the 未委託受診 alerts this ticket covers are settled with it.
    crate::alerts::settle_by_ticket(&mut tx, &office, &caller, id, &ticket).await?;
    tx.commit().await?;
    audit::record(
        &state.db,
        &caller,
        "ticket.create",
        Some(id),
        &format!("交付: {}", summary(&ticket)),
    )
    .await?;
    let mut conn = state.db.pool.acquire().await?;
    let view = store::ticket_view(&store::ticket(&mut conn, &office, ticket_id).await?);
    Ok((StatusCode::CREATED, Json(view)))
}

pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<TicketView>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let ticket_id = path_id(path, "医療券・調剤券")?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::ticket(&mut conn, &office, ticket_id).await?;
    drop(conn);
    let view = store::ticket_view(&row);
    audit::record(
        &state.db,
        &caller,
        "ticket.read",
        Some(row.recipient_id),
        &format!("閲覧: {}", summary(&view.ticket)),
    )
    .await?;
    Ok(Json(view))
}

fn must_be_active(row: &StoredTicket) -> Result<(), AppError> {
    if row.is_active() {
        Ok(())
    } else {
        Err(AppError::conflict(
            "この医療券・調剤券は取り消されています。",
        ))
    }
}

/// The items that differ, by their Japanese names.
fn changed_items(old: &Ticket, new: &Ticket) -> Vec<&'static str> {
    [
        ("有効開始日", old.valid_from != new.valid_from),
        ("有効終了日", old.valid_until != new.valid_until),
        ("指定医療機関", old.institution_code != new.institution_code),
        ("処方箋発行元", old.prescriber_code != new.prescriber_code),
        ("医療券・調剤券別", old.ticket_type != new.ticket_type),
        ("診療別", old.treatment_type != new.treatment_type),
        ("傷病名", old.injury_names != new.injury_names),
        ("本人支払額", old.self_pay_amount != new.self_pay_amount),
        (
            "単独・併用別",
            old.single_or_combined != new.single_or_combined,
        ),
        ("社会保険状況", old.social_insurance != new.social_insurance),
        ("感染症法", old.infection_law != new.infection_law),
        ("後期高齢者医療", old.elderly_care != new.elderly_care),
        (
            "都道府県費",
            old.prefectural_expense != new.prefectural_expense,
        ),
        ("地区担当員名", old.district_contact != new.district_contact),
        ("取扱担当者名", old.handling_contact != new.handling_contact),
        ("備考", old.remarks != new.remarks),
        (
            "事後委託の理由",
            old.retroactive_reason != new.retroactive_reason,
        ),
    ]
    .into_iter()
    .filter(|(_, differs)| *differs)
    .map(|(name, _)| name)
    .collect()
}

pub async fn amend(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(input): ApiJson<TicketInput>,
) -> Result<Json<TicketView>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let ticket_id = path_id(path, "医療券・調剤券")?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::ticket(&mut conn, &office, ticket_id).await?;
    must_be_active(&row)?;
    let recipient = store::recipient(&mut conn, &office, row.recipient_id).await?;
    let old = row.ticket.clone();
    let mut input = input;
    // Blank contacts keep what the ticket says.
    if input.handling_contact.trim().is_empty() {
        input.handling_contact = old.handling_contact.clone();
    }
    if input.district_contact.trim().is_empty() {
        input.district_contact = old.district_contact.clone();
    }
    let ticket = checked_ticket(&mut conn, &caller, &recipient, &input, Some(&row)).await?;
    no_duplicate(&mut conn, recipient.id, &ticket, Some(row.id)).await?;
    tickets::amend(
        &mut *conn,
        &office,
        ticket_id,
        &ticket,
        &now_text(),
        &caller.actor_id,
    )
    .await?;
    let view = store::ticket_view(&store::ticket(&mut conn, &office, ticket_id).await?);
    drop(conn);
    let changed = changed_items(&old, &view.ticket);
    let what = if changed.is_empty() {
        "変更なし".to_string()
    } else {
        changed.join("、")
    };
    audit::record(
        &state.db,
        &caller,
        "ticket.amend",
        Some(row.recipient_id),
        &format!("修正（{what}）: {}", summary(&view.ticket)),
    )
    .await?;
    Ok(Json(view))
}

pub async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(request): ApiJson<ReasonRequest>,
) -> Result<Json<TicketView>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let ticket_id = path_id(path, "医療券・調剤券")?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::ticket(&mut conn, &office, ticket_id).await?;
    must_be_active(&row)?;
    let reason = required_reason("取消理由", &request.reason)?;
    let now = now_text();
    tickets::cancel(
        &mut *conn,
        &office,
        ticket_id,
        &reason,
        &now,
        &caller.actor_id,
    )
    .await?;
    let view = store::ticket_view(&store::ticket(&mut conn, &office, ticket_id).await?);
    drop(conn);
    audit::record(
        &state.db,
        &caller,
        "ticket.cancel",
        Some(row.recipient_id),
        &format!("取消（理由: {reason}）: {}", summary(&view.ticket)),
    )
    .await?;
    Ok(Json(view))
}

pub async fn print(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<TicketPrint>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let ticket_id = path_id(path, "医療券・調剤券")?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::ticket(&mut conn, &office, ticket_id).await?;
    if !row.is_active() {
        return Err(AppError::conflict(
            "取り消された医療券・調剤券は印刷できません。",
        ));
    }
    let recipient = store::recipient(&mut conn, &office, row.recipient_id).await?;
    drop(conn);
    let office_row = store::office_row(&state.db, &office).await?;
    let ticket = row.ticket.clone();
    let issued_on = store::jst_date_of(&row.created_at).unwrap_or_else(today_jst);
    let sex = Sex::from_code(&recipient.sex_code()).unwrap_or(Sex::Male);
    let birth_date = store::parse_date(&recipient.birth_date)
        .ok_or_else(|| AppError::from(anyhow::anyhow!("stored birth_date")))?;
    let reasons = paper_reasons(row.holder.card, Some(row.institution.online_capable));
    let form = ticket_print(
        &ticket,
        issued_on,
        &PrintOffice {
            number: office.clone(),
            name: office_row.name,
            postal_code: office_row.postal_code,
            address: office_row.address,
            phone: office_row.phone,
        },
        &PrintRecipient {
            recipient_number: recipient.recipient_number.clone(),
            name: recipient.name.clone(),
            name_kana: recipient.name_kana.clone(),
            sex,
            birth_date,
            postal_code: recipient.postal_code.clone(),
            address: recipient.address.clone(),
            restricted: recipient.restricted != 0,
        },
        &PrintInstitution {
            address: row.institution.address.clone(),
            phone: row.institution.phone.clone(),
        },
        &reasons,
    );
    audit::record(
        &state.db,
        &caller,
        "ticket.print",
        Some(recipient.id),
        &format!("紙の券を印刷: {}", summary(&ticket)),
    )
    .await?;
    Ok(Json(form))
}
