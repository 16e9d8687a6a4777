//! The home screen of each role: what a caseworker, a receptionist, a recipient and an
//! operator see first after signing in.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use domain::api::{
    InstitutionHome, OfficeHome, OperatorHome, RecipientHome, RecipientSummary, TicketBrief,
    PORTAL_RESTRICTED_WITHHELD,
};
use domain::numbers::InstitutionCode;

use super::error::AppError;
use super::state::AppState;
use crate::auth::Caller;
use crate::db::today_jst;
use crate::store::tickets;
use crate::{audit, scope, store};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/office/home", get(office_home))
        .route("/api/institution/home", get(institution_home))
        .route("/api/me/home", get(recipient_home))
        .route("/api/operator/home", get(operator_home))
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    vec![
        Operation::new(
            "get",
            "/api/office/home",
            "福祉事務所ホーム",
            "地区担当員・査察指導員（自事務所）",
        )
        .response::<OfficeHome>(g),
        Operation::new(
            "get",
            "/api/institution/home",
            "医療機関・薬局ホーム",
            "医療機関・薬局 受付（自機関）",
        )
        .response::<InstitutionHome>(g),
        Operation::new(
            "get",
            "/api/me/home",
            "被保護者ポータルのホーム",
            "被保護者（本人）",
        )
        .response::<RecipientHome>(g),
        Operation::new(
            "get",
            "/api/operator/home",
            "運用者ホーム",
            "システム運用者",
        )
        .response::<OperatorHome>(g),
    ]
}

fn month_of(date: chrono::NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

fn summary(row: store::people::SummaryRow) -> RecipientSummary {
    let store::people::SummaryRow {
        id,
        recipient_number,
        name,
        name_kana,
        birth_date,
        qualified_from,
        qualified_until,
        card_held,
        restricted,
    } = row;
    RecipientSummary {
        id,
        recipient_number,
        name,
        name_kana,
        birth_date,
        qualified_from,
        qualified_until,
        has_card: card_held != 0,
        restricted: restricted != 0,
    }
}

async fn office_home(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OfficeHome>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let db = &state.db;
    let today = today_jst();
    let today_text = today.to_string();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let mut conn = db.pool.acquire().await?;
    let (name, phone) = store::offices::name_and_phone(&mut conn, &office)
        .await?
        .ok_or_else(|| anyhow::anyhow!("office {office} is not stored"))?;
    drop(conn);
    let (total, active, without_card) =
        store::people::office_totals(db, &office, &today_text).await?;
    let tickets_this_month =
        tickets::count_active_of_office_month(&db.pool, &office, &month_of(today)).await?;
    let yesterday_count =
        store::verifications::count_of_office_on(&db.pool, &office, &yesterday).await?;
    let rows = store::people::recently_updated(db, &office, 10).await?;
    let recent: Vec<RecipientSummary> = rows.into_iter().map(summary).collect();
    let ids: Vec<i64> = recent.iter().map(|r| r.id).collect();
    audit::record_many(
        db,
        &caller,
        "recipient.list",
        &ids,
        "福祉事務所ホームの最近の受給者",
    )
    .await?;
    Ok(Json(OfficeHome {
        office_number: office,
        office_name: name,
        office_phone: phone.unwrap_or_default(),
        recipients_active: u64::try_from(active).unwrap_or(0),
        recipients_total: u64::try_from(total).unwrap_or(0),
        recipients_without_card: u64::try_from(without_card).unwrap_or(0),
        tickets_this_month,
        verifications_yesterday: yesterday_count,
        recent,
    }))
}

async fn institution_home(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<InstitutionHome>, AppError> {
    let code = scope::institution(&caller)?.to_string();
    let db = &state.db;
    let today = today_jst();
    let (name, score_table, online) = store::institutions::home_row(db, &code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("institution {code} is not stored"))?;
    let tickets_this_month =
        tickets::count_active_at_institution_month(&db.pool, &code, &month_of(today)).await?;
    let verified =
        store::verifications::count_at_institution_on(&db.pool, &code, &today.to_string()).await?;
    let label = u8::try_from(score_table)
        .ok()
        .and_then(domain::numbers::ScoreTable::from_code)
        .map(|t| t.label_ja().to_string())
        .or_else(|| {
            InstitutionCode::parse(&code)
                .ok()
                .map(|c| c.score_table().label_ja().to_string())
        })
        .unwrap_or_default();
    Ok(Json(InstitutionHome {
        institution_code: code,
        institution_name: name,
        score_table: label,
        online_capable: online != 0,
        tickets_this_month,
        verifications_today: verified,
    }))
}

async fn recipient_home(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RecipientHome>, AppError> {
    let id = scope::own_recipient(&caller)?;
    let db = &state.db;
    let today = today_jst();
    let store::people::OwnRecord {
        name,
        office_number,
        recipient_number,
        qualified_from,
        qualified_until,
        restricted,
    } = store::people::own_record(db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("recipient {id} is not stored"))?;
    let mut conn = db.pool.acquire().await?;
    let (office_name, office_phone) = store::offices::name_and_phone(&mut conn, &office_number)
        .await?
        .ok_or_else(|| anyhow::anyhow!("office {office_number} is not stored"))?;
    drop(conn);
    let rows = tickets::active_of_recipient_in_month(&db.pool, id, &month_of(today)).await?;
    audit::record(db, &caller, "portal.home", Some(id), "").await?;
    Ok(Json(RecipientHome {
        name,
        office_number,
        office_name,
        office_phone: office_phone.unwrap_or_default(),
        recipient_number,
        qualified_from,
        qualified_until,
        tickets_this_month: rows
            .into_iter()
            .map(|stored| {
                let t = stored.ticket;
                // 閲覧制限: not where the recipient is treated (someone else may hold the card).
                let (institution_code, institution_name) = if restricted != 0 {
                    (String::new(), PORTAL_RESTRICTED_WITHHELD.to_string())
                } else {
                    (t.institution_code.as_str().to_string(), t.institution_name)
                };
                TicketBrief {
                    ticket_type: t.ticket_type.code().to_string(),
                    treatment_month: t.treatment_month,
                    institution_code,
                    institution_name,
                    treatment_type: t.treatment_type.code().to_string(),
                    valid_from: t.valid_from.to_string(),
                    valid_until: t.valid_until.to_string(),
                    self_pay_amount: t.self_pay_amount,
                }
            })
            .collect(),
        restricted: restricted != 0,
    }))
}

async fn operator_home(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OperatorHome>, AppError> {
    scope::operator(&caller)?;
    let db = &state.db;
    Ok(Json(OperatorHome {
        offices: store::offices::count_all(db).await?,
        institutions: store::institutions::count_all(db).await?,
        recipients: store::people::count_all(db).await?,
        tickets: tickets::count_all(&db.pool).await?,
        verifications: store::verifications::count_all(&db.pool).await?,
        users: db.count("SELECT COUNT(*) FROM users").await?,
        database: db.backend_label().to_string(),
    }))
}
