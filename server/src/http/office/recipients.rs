//! 被保護者台帳: search, create, read, edit; 個人番号 reveal (supervisor); 閲覧制限.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use domain::api::{
    ErrorCode, PossibleDuplicate, RecipientDetail, RecipientInput, RecipientListItem,
    RecipientNotice, RecipientPage, RestrictionRequest, RevealRequest, RevealedIndividualNumber,
    Role, StaffMember,
};
use domain::qualification::QualifiedPeriod;
use domain::recipient::{
    parse_search, possible_duplicate, validate_recipient, IndividualNumberChange, RecipientFields,
    FIELD_CASEWORKER, FIELD_INDIVIDUAL, FIELD_RECIPIENT_NUMBER,
};

use super::input::{flag_param, required_reason};
use super::store::{self, recipient_detail, Sequence};
use crate::auth::Caller;
use crate::db::{now_text, today_jst};
use crate::http::error::{ApiJson, AppError};
use crate::http::state::AppState;
use crate::store::people;
use crate::{audit, scope};

const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    status: Option<String>,
    page: Option<String>,
    mine: Option<String>,
}

pub async fn search(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<SearchParams>, QueryRejection>,
) -> Result<Json<RecipientPage>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let Query(params) = params.map_err(|e| AppError::field("検索条件", e.body_text()))?;
    let today = today_jst();
    let page = match params
        .page
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => 1,
        Some(p) => p
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=100_000).contains(n))
            .ok_or_else(|| AppError::field("ページ", "ページは1以上の数字で指定してください。"))?,
    };
    let query = parse_search(params.q.as_deref().unwrap_or(""));
    let typed = params.q.as_deref().map(str::trim).unwrap_or("");
    let status = match params.status.as_deref().map(str::trim).unwrap_or("") {
        "" | "all" => people::ListStatus::All,
        "active" => people::ListStatus::Active,
        "ended" => people::ListStatus::Ended,
        "none" => people::ListStatus::None,
        "pending" => people::ListStatus::Pending,
        other => {
            return Err(AppError::field(
                "資格状態",
                format!("資格状態「{other}」は指定できません。active（保護中）、ended（喪失）、none（未登録）、pending（登録待ち）のいずれかです。"),
            ))
        }
    };
    let filter = people::ListFilter {
        recipient_number_prefix: query.recipient_number_prefix.as_deref(),
        kana_prefix: query.kana_prefix.as_deref(),
        name_contains: query.name_contains.as_deref(),
        birth_date: query.birth_date,
        case_number: query.case_number.as_deref(),
        typed: !typed.is_empty(),
        status: Some(status),
        caseworker: flag_param(params.mine.as_deref()).then_some(caller.actor_id.as_str()),
    };
    let offset = (page - 1) * PER_PAGE;
    let (rows, total) = people::list(&state.db, &office, &filter, today, PER_PAGE, offset).await?;
    let today_date = today_jst();
    let items: Vec<RecipientListItem> = rows
        .into_iter()
        .map(|r| {
            let period = QualifiedPeriod {
                from: r.qualified_from.as_deref().and_then(store::parse_date),
                until: r.qualified_until.as_deref().and_then(store::parse_date),
            };
            RecipientListItem {
                id: r.id,
                recipient_number: r.recipient_number,
                name: r.name,
                name_kana: r.name_kana,
                sex: r.sex.to_string(),
                birth_date: r.birth_date,
                case_number: r.case_number,
                caseworker_login: r.caseworker_login,
                qualified_from: r.qualified_from,
                qualified_until: r.qualified_until,
                qualification_status: period.status_on(today_date),
                card_held: r.card_held != 0,
                card_registered: r.card_registered != 0,
                restricted: r.restricted != 0,
                pending_registration: r.pending != 0,
            }
        })
        .collect();
    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    audit::record_many(
        &state.db,
        &caller,
        "recipient.search",
        &ids,
        "被保護者台帳の検索結果",
    )
    .await?;
    Ok(Json(RecipientPage {
        items,
        total: u64::try_from(total).unwrap_or(0),
        page: u64::try_from(page).unwrap_or(1),
        per_page: u64::try_from(PER_PAGE).unwrap_or(50),
        searched_as: query.searched_as(),
    }))
}

/// A path id that is not a number names nothing: the same 404 as a missing id.
pub fn path_id(path: Result<Path<i64>, PathRejection>, what: &str) -> Result<i64, AppError> {
    path.map(|Path(id)| id)
        .map_err(|_| AppError::not_found(what))
}

/// The 地区担当員 asked for: absent → `default`; "" → unassigned; else a staff member of
/// the office.
async fn caseworker(
    conn: &mut sqlx::AnyConnection,
    office: &str,
    asked: Option<&str>,
    default: Option<String>,
) -> Result<Option<String>, AppError> {
    match asked.map(str::trim) {
        None => Ok(default),
        Some("") => Ok(None),
        Some(login) => match store::staff_name(conn, office, login).await? {
            Some(_) => Ok(Some(login.to_string())),
            None => Err(AppError::field(
                FIELD_CASEWORKER,
                format!(
                    "「{login}」はこの事務所の地区担当員・査察指導員として登録されていません。"
                ),
            )),
        },
    }
}

fn validated(input: &RecipientInput) -> Result<RecipientFields, AppError> {
    validate_recipient(input, today_jst()).map_err(AppError::validation)
}

fn sealed(state: &AppState, fields: &RecipientFields) -> Result<Option<String>, AppError> {
    match &fields.individual_number {
        IndividualNumberChange::Set(n) => Ok(Some(state.keys.seal(n.as_str())?)),
        _ => Ok(None),
    }
}

/// Someone with this 個人番号 registered at another office: with the caseworker's
/// confirmation, the person moving here (転居); without it, a 409 that says where (the
/// office's name only) so the caseworker can confirm. A different 生年月日 there is a typing
/// error in one of the two numbers, never a 転居.
async fn transfer_candidate(
    state: &AppState,
    office: &str,
    digest: &str,
    fields: &RecipientFields,
    confirmed: bool,
) -> Result<Option<people::TransferCandidate>, AppError> {
    let candidates = people::by_digest_elsewhere(&state.db, digest, office).await?;
    let Some(found) = candidates.into_iter().next() else {
        return Ok(None);
    };
    if found.birth_date != fields.birth_date.to_string() {
        return Err(AppError::field(
            FIELD_INDIVIDUAL,
            "この個人番号は、生年月日の異なる方として別の福祉事務所に登録されています。個人番号と生年月日を確認してください。",
        ));
    }
    if confirmed {
        return Ok(Some(found));
    }
    let standing = match found.periods.last() {
        Some(p) if p.until.is_none() => format!("{}から保護中", p.from),
        Some(p) => format!(
            "資格喪失日 {}",
            p.until.map(|d| d.to_string()).unwrap_or_default()
        ),
        None => "資格未登録".to_string(),
    };
    Err(AppError::new(
        StatusCode::CONFLICT,
        ErrorCode::TransferCandidate,
        format!(
            "この個人番号の方は{}に登録されています（{standing}）。転居による移管であれば「転居（移管）として登録する」を選んでください。この事務所で保護開始を登録すると、{}に廃止の決定が通知されます。",
            found.office_name, found.office_name
        ),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<RecipientInput>,
) -> Result<(StatusCode, Json<RecipientDetail>), AppError> {
    let office = scope::office(&caller)?.to_string();
    if input
        .recipient_number
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty())
    {
        return Err(AppError::field(
            FIELD_RECIPIENT_NUMBER,
            "受給者番号はアプリが採番します。入力しないでください。",
        ));
    }
    let fields = validated(&input)?;
    let mut conn = state.db.pool.acquire().await?;
    let own = (caller.role == Role::Caseworker).then(|| caller.actor_id.clone());
    let assigned = caseworker(&mut conn, &office, input.caseworker_login.as_deref(), own).await?;
    drop(conn);
    let seal = sealed(&state, &fields)?;
    let digest = match &fields.individual_number {
        IndividualNumberChange::Set(n) => {
            Some(people::individual_number_digest(&state.keys, n.as_str()))
        }
        _ => None,
    };
    let transfer_from = match &digest {
        Some(d) => transfer_candidate(&state, &office, d, &fields, input.confirm_transfer).await?,
        None => None,
    };
    let now = now_text();
    let mut tx = state.db.pool.begin().await?;
    // Under the lock, so a double click cannot register the same person twice.
    store::lock_sequence(&mut tx, &office, Sequence::Recipient).await?;
    if transfer_from.is_none() {
        let found = possible_duplicates(&mut tx, &office, &fields, digest.as_deref()).await?;
        let same_number = found.iter().any(|d| d.same_individual_number);
        if same_number || (!found.is_empty() && !input.confirm_duplicate) {
            drop(tx);
            let ids: Vec<i64> = found.iter().map(|d| d.id).collect();
            audit::record_many(
                &state.db,
                &caller,
                "recipient.duplicate_check",
                &ids,
                "新規登録の重複確認で表示",
            )
            .await?;
            return Err(duplicate_conflict(found, same_number));
        }
    }
    let number = store::issue_numbers(&mut tx, &office, Sequence::Recipient, 1)
        .await?
        .pop()
        .ok_or_else(|| AppError::from(anyhow::anyhow!("no 受給者番号 issued")))?;
    let birth = fields.birth_date.to_string();
    let row = row_fields(&fields, seal.as_deref(), &birth, assigned.as_deref());
    let id =
        people::insert_recipient(&mut tx, &office, &number, &row, digest.as_deref(), &now).await?;
    if let Some(from) = &transfer_from {
        people::link_person(&mut tx, id, from.person_id).await?;
    }
    people::ensure_people(&mut tx).await?;
    tx.commit().await?;
    let what = match &transfer_from {
        Some(from) => format!(
            "被保護者台帳に登録（受給者番号 {number}。転居: {}からの移管）",
            from.office_name
        ),
        None => format!("被保護者台帳に登録（受給者番号 {number}）"),
    };
    audit::record(&state.db, &caller, "recipient.create", Some(id), &what).await?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::recipient(&mut conn, &office, id).await?;
    let detail = recipient_detail(&mut conn, &state.keys, &row, today_jst()).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// The records of `office` that may be the person in `fields`: the same 個人番号, or the
/// same 生年月日 and the same 氏名カナ once spaces and 半角/全角 are set aside.
async fn possible_duplicates(
    conn: &mut sqlx::AnyConnection,
    office: &str,
    fields: &RecipientFields,
    digest: Option<&str>,
) -> Result<Vec<PossibleDuplicate>, AppError> {
    let birth = fields.birth_date.to_string();
    let rows = people::duplicate_candidates(conn, office, &birth, digest).await?;
    Ok(rows
        .into_iter()
        .filter(|row| {
            let Ok(stored_birth) = row.birth_date.parse() else {
                return row.same_number != 0;
            };
            possible_duplicate(
                &fields.name_kana,
                fields.birth_date,
                &row.name_kana,
                stored_birth,
                row.same_number != 0,
            )
            .is_some()
        })
        .map(|row| PossibleDuplicate {
            id: row.id,
            same_individual_number: row.same_number != 0,
            recipient_number: row.recipient_number,
            name: row.name,
            name_kana: row.name_kana,
            birth_date: row.birth_date,
        })
        .collect())
}

/// The 409 that shows the possible duplicates. With the same 個人番号 it is the same person:
/// no confirmation registers a second record.
fn duplicate_conflict(found: Vec<PossibleDuplicate>, same_number: bool) -> AppError {
    let numbers: Vec<&str> = found.iter().map(|d| d.recipient_number.as_str()).collect();
    let numbers = numbers.join("、");
    let message = if same_number {
        format!(
            "この個人番号の方はこの事務所に既に登録されています（受給者番号 {numbers}）。その記録を使ってください。"
        )
    } else {
        format!(
            "同じ人かもしれない受給者が既に登録されています（受給者番号 {numbers}）。氏名カナは空白の有無・全角半角を区別せずに比べています。同じ人ならその記録を使ってください。別の人なら確認のうえ登録してください。"
        )
    };
    let mut error = AppError::conflict(message);
    error.body.duplicates = found;
    error
}

fn sex_number(fields: &RecipientFields) -> i64 {
    fields.sex.code().parse().unwrap_or(0)
}

/// The validated fields as the store writes them.
fn row_fields<'a>(
    fields: &'a RecipientFields,
    individual_number: Option<&'a str>,
    birth_date: &'a str,
    caseworker_login: Option<&'a str>,
) -> people::RecipientFieldsRow<'a> {
    people::RecipientFieldsRow {
        individual_number,
        name: &fields.name,
        name_kana: &fields.name_kana,
        sex: sex_number(fields),
        birth_date,
        postal_code: fields.postal_code.as_deref(),
        address: fields.address.as_deref(),
        case_number: fields.case_number.as_deref(),
        card_held: fields.card_held,
        card_registered: fields.card_registered,
        caseworker_login,
    }
}

pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<RecipientDetail>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::recipient(&mut conn, &office, id).await?;
    let detail = recipient_detail(&mut conn, &state.keys, &row, today_jst()).await?;
    drop(conn);
    audit::record(
        &state.db,
        &caller,
        "recipient.read",
        Some(id),
        "被保護者台帳の詳細",
    )
    .await?;
    Ok(Json(detail))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(input): ApiJson<RecipientInput>,
) -> Result<Json<RecipientDetail>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let mut conn = state.db.pool.acquire().await?;
    let old = store::recipient(&mut conn, &office, id).await?;
    if let Some(typed) = input
        .recipient_number
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        let same = domain::numbers::normalize_digits(typed) == old.recipient_number;
        if !same {
            return Err(AppError::field(
                FIELD_RECIPIENT_NUMBER,
                format!(
                    "受給者番号は変更できません（この人の受給者番号は {}）。",
                    old.recipient_number
                ),
            ));
        }
    }
    let fields = validated(&input)?;
    let assigned = caseworker(
        &mut conn,
        &office,
        input.caseworker_login.as_deref(),
        old.caseworker_login.clone(),
    )
    .await?;
    let individual = match &fields.individual_number {
        IndividualNumberChange::Keep => old.individual_number.clone(),
        IndividualNumberChange::Clear => None,
        IndividualNumberChange::Set(_) => sealed(&state, &fields)?,
    };
    let digest_change = match &fields.individual_number {
        IndividualNumberChange::Keep => None,
        IndividualNumberChange::Clear => Some(None),
        IndividualNumberChange::Set(n) => Some(Some(people::individual_number_digest(
            &state.keys,
            n.as_str(),
        ))),
    };
    let mut changed: Vec<&str> = Vec::new();
    let birth = fields.birth_date.to_string();
    for (label, differs) in [
        ("氏名", old.name != fields.name),
        ("氏名カナ", old.name_kana != fields.name_kana),
        ("性別", old.sex != sex_number(&fields)),
        ("生年月日", old.birth_date != birth),
        ("郵便番号", old.postal_code != fields.postal_code),
        ("住所", old.address != fields.address),
        ("ケース番号", old.case_number != fields.case_number),
        (
            "個人番号",
            match fields.individual_number {
                IndividualNumberChange::Keep => false,
                IndividualNumberChange::Clear => old.individual_number.is_some(),
                IndividualNumberChange::Set(_) => true,
            },
        ),
        ("カード保有", (old.card_held != 0) != fields.card_held),
        (
            "利用申込",
            (old.card_registered != 0) != fields.card_registered,
        ),
        ("地区担当員", old.caseworker_login != assigned),
    ] {
        if differs {
            changed.push(label);
        }
    }
    let row = row_fields(&fields, individual.as_deref(), &birth, assigned.as_deref());
    people::update_recipient(&mut conn, &office, id, &row, &now_text()).await?;
    if let Some(digest) = digest_change {
        people::set_digest(&mut conn, id, digest.as_deref()).await?;
    }
    let detail_text = if changed.is_empty() {
        "被保護者台帳を保存（変更なし）".to_string()
    } else {
        format!("被保護者台帳を修正: {}", changed.join("、"))
    };
    let row = store::recipient(&mut conn, &office, id).await?;
    let detail = recipient_detail(&mut conn, &state.keys, &row, today_jst()).await?;
    drop(conn);
    audit::record(
        &state.db,
        &caller,
        "recipient.update",
        Some(id),
        &detail_text,
    )
    .await?;
    Ok(Json(detail))
}

pub async fn reveal_individual_number(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(request): ApiJson<RevealRequest>,
) -> Result<Json<RevealedIndividualNumber>, AppError> {
    let office = scope::supervisor_office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::recipient(&mut conn, &office, id).await?;
    drop(conn);
    let reason = required_reason("理由", &request.reason)?;
    let Some(sealed) = row.individual_number.as_deref() else {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "この受給者には個人番号が登録されていません。",
        ));
    };
    let plain = state.keys.open(sealed)?;
    audit::record(
        &state.db,
        &caller,
        "individual_number.reveal",
        Some(id),
        &format!("個人番号を表示（理由: {reason}）"),
    )
    .await?;
    Ok(Json(RevealedIndividualNumber {
        individual_number: plain,
    }))
}

pub async fn set_restriction(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
    ApiJson(request): ApiJson<RestrictionRequest>,
) -> Result<Json<RecipientDetail>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let mut conn = state.db.pool.acquire().await?;
    store::recipient(&mut conn, &office, id).await?;
    let reason = required_reason("理由", &request.reason)?;
    let now = now_text();
    people::set_restriction(
        &mut conn,
        &office,
        id,
        request.restricted,
        &reason,
        &now,
        &caller.actor_id,
    )
    .await?;
    let row = store::recipient(&mut conn, &office, id).await?;
    let detail = recipient_detail(&mut conn, &state.keys, &row, today_jst()).await?;
    drop(conn);
    // The reason stays with the recipient record: the audit log is shown to the recipient,
    // and the person the restriction protects against may be the one reading it.
    let what = if request.restricted {
        "閲覧制限を設定"
    } else {
        "閲覧制限を解除"
    };
    audit::record(&state.db, &caller, "recipient.restriction", Some(id), what).await?;
    Ok(Json(detail))
}

pub async fn staff(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<StaffMember>>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let rows = crate::store::users::staff(&state.db, &office).await?;
    Ok(Json(
        rows.into_iter()
            .filter_map(|s| {
                Role::parse(&s.role).map(|role| StaffMember {
                    login: s.login,
                    display_name: s.display_name,
                    role,
                })
            })
            .collect(),
    ))
}

/// The printed 「医療扶助の資格確認のご案内」 (a read of the recipient's data: audited).
pub async fn notice(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<i64>, PathRejection>,
) -> Result<Json<RecipientNotice>, AppError> {
    let office = scope::office(&caller)?.to_string();
    let id = path_id(path, "受給者")?;
    let mut conn = state.db.pool.acquire().await?;
    let row = store::recipient(&mut conn, &office, id).await?;
    drop(conn);
    let printed = crate::store::offices::printed(&state.db, &office)
        .await?
        .ok_or_else(|| AppError::not_found("受給者"))?;
    audit::record(
        &state.db,
        &caller,
        "recipient.notice",
        Some(id),
        "資格確認のご案内（公費負担者番号・受給者番号）を印刷",
    )
    .await?;
    Ok(Json(RecipientNotice {
        recipient_id: row.id,
        recipient_name: row.name,
        recipient_name_kana: row.name_kana,
        public_payer_number: row.office_number,
        recipient_number: row.recipient_number,
        office_name: printed.name,
        office_postal_code: printed.postal_code,
        office_address: printed.address,
        office_phone: printed.phone,
        issued_on: today_jst().to_string(),
        qualified_from: row.qualified_from,
    }))
}
