//! The home screen of each role: what a caseworker, a receptionist, a recipient and an
//! operator see first after signing in.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use domain::api::{
    InstitutionHome, OfficeHome, OperatorHome, RecipientHome, RecipientSummary, TicketBrief,
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

type SummaryRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
);

fn summary(row: SummaryRow) -> RecipientSummary {
    let (
        id,
        recipient_number,
        name,
        name_kana,
        birth_date,
        qualified_from,
        qualified_until,
        card_held,
        restricted,
    ) = row;
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

pub const SUMMARY_COLUMNS: &str =
    "id, recipient_number, name, name_kana, birth_date, qualified_from, qualified_until, card_held, restricted";

async fn office_home(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OfficeHome>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let db = &state.db;
    let today = today_jst();
    let today_text = today.to_string();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let (name, phone): (String, Option<String>) =
        sqlx::query_as("SELECT name, phone FROM offices WHERE number = $1")
            .bind(&office)
            .fetch_one(&db.pool)
            .await?;
    let (total, active, without_card): (i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), \
                CAST(COALESCE(SUM(CASE WHEN qualified_from IS NOT NULL AND qualified_from <= $2 \
                                   AND (qualified_until IS NULL OR qualified_until >= $2) THEN 1 ELSE 0 END), 0) AS BIGINT), \
                CAST(COALESCE(SUM(CASE WHEN card_held = 0 THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM recipients WHERE office_number = $1",
    )
    .bind(&office)
    .bind(&today_text)
    .fetch_one(&db.pool)
    .await?;
    let tickets_this_month =
        tickets::count_active_of_office_month(&db.pool, &office, &month_of(today)).await?;
    let yesterday_count =
        store::verifications::count_of_office_on(&db.pool, &office, &yesterday).await?;
    let rows: Vec<SummaryRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLUMNS} FROM recipients WHERE office_number = $1 ORDER BY updated_at DESC, id DESC LIMIT 10"
    )))
    .bind(&office)
    .fetch_all(&db.pool)
    .await?;
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
    let (name, score_table, online): (String, i64, i64) = sqlx::query_as(
        "SELECT name, score_table, online_capable FROM institutions WHERE code = $1",
    )
    .bind(&code)
    .fetch_one(&db.pool)
    .await?;
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
    let (name, office_number, recipient_number, qualified_from, qualified_until): (String, String, String, Option<String>, Option<String>) =
        sqlx::query_as(
            "SELECT name, office_number, recipient_number, qualified_from, qualified_until FROM recipients WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await?;
    let (office_name, office_phone): (String, Option<String>) =
        sqlx::query_as("SELECT name, phone FROM offices WHERE number = $1")
            .bind(&office_number)
            .fetch_one(&db.pool)
            .await?;
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
                TicketBrief {
                    ticket_type: t.ticket_type.code().to_string(),
                    treatment_month: t.treatment_month,
                    institution_code: t.institution_code.as_str().to_string(),
                    institution_name: t.institution_name,
                    treatment_type: t.treatment_type.code().to_string(),
                    valid_from: t.valid_from.to_string(),
                    valid_until: t.valid_until.to_string(),
                    self_pay_amount: t.self_pay_amount,
                }
            })
            .collect(),
    }))
}

async fn operator_home(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OperatorHome>, AppError> {
    scope::operator(&caller)?;
    let db = &state.db;
    Ok(Json(OperatorHome {
        offices: db.count("SELECT COUNT(*) FROM offices").await?,
        institutions: db.count("SELECT COUNT(*) FROM institutions").await?,
        recipients: db.count("SELECT COUNT(*) FROM recipients").await?,
        tickets: tickets::count_all(&db.pool).await?,
        verifications: store::verifications::count_all(&db.pool).await?,
        users: db.count("SELECT COUNT(*) FROM users").await?,
        database: db.backend_label().to_string(),
    }))
}
