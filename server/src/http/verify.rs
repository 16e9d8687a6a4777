//! 資格確認 at the reception of a 指定医療機関 or 指定薬局 (product.md §2 III, §3).
//!
//! - `POST /api/verify/number`: 公費負担者番号 + 受給者番号 + 生年月日;
//! - `POST /api/verify/card`: the mock マイナンバーカード signs a fresh challenge, with 本人同意;
//! - `GET /api/verify/roster` and `/api/verify/roster.csv`: the month's 一括照会;
//! - `POST /api/verify/sync`: the browser's outbox of offline number-entry checks;
//! - `GET /api/verify/today`: this institution's verifications of the JST day.
//!
//! The verdict is `domain::verdict::decide`, and what a result shows for it is
//! `domain::api::VerificationResult::new`: both are shared with the browser's offline
//! answers. Every verification is one row in `verifications`, idempotent by the client's
//! `client_id`: a repeated id answers the first stored result and stores no second
//! verification. It does show the person again (the outbox's sync asks for the server's
//! answer this way), so that read is audited as `verification.replay`.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{NaiveDate, Utc};

use domain::api::{
    CardVerifyRequest, ConsentRecord, ConsentRequest, ErrorCode, NumberVerifyRequest,
    OfficeContact, PersonBlock, Roster, RosterEntry, RosterQuery, SyncItemResult, SyncRequest,
    SyncResponse, SyncStatus, TodayVerifications, VerificationMeta, VerificationResult,
    SYNC_MAX_ITEMS,
};
use domain::codes::{CodeValue, QualificationValidity, ReferenceClass, Sex};
use domain::error::FieldError;
use domain::numbers::InstitutionCode;
use domain::qualification::{CoveredPeriod, QualificationHistory};
use domain::ticket::Ticket;
use domain::verdict::{decide, Qualification};

use super::error::{ApiJson, AppError};
use super::state::AppState;
use crate::auth::Caller;
use crate::db::{instant_text, now_text, today_jst, Db};
use crate::recorder::Verification;
use crate::store::tickets;
use crate::store::verifications::{self, NewVerification, Source, StoredVerification as Stored};
use crate::{audit, scope, store};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/verify/number", post(verify_number))
        .route("/api/verify/card", post(verify_card))
        .route("/api/verify/roster", get(roster_json))
        .route("/api/verify/roster.csv", get(roster_csv))
        .route("/api/verify/sync", post(sync))
        .route("/api/verify/today", get(today))
}

pub fn operations(g: &mut schemars::generate::SchemaGenerator) -> Vec<super::operation::Operation> {
    use super::operation::Operation;
    const WHO: &str = "医療機関・薬局 受付（自機関。セッションまたは Bearer トークン）";
    vec![
        Operation::new(
            "post",
            "/api/verify/number",
            "資格確認（公費負担者番号・受給者番号・生年月日の入力）",
            WHO,
        )
        .request::<NumberVerifyRequest>(g)
        .response::<VerificationResult>(g),
        Operation::new(
            "post",
            "/api/verify/card",
            "資格確認（マイナンバーカード。本人同意つき）",
            WHO,
        )
        .request::<CardVerifyRequest>(g)
        .response::<VerificationResult>(g),
        Operation::new(
            "get",
            "/api/verify/roster",
            "一括照会（?month=YYYY-MM。省略時は今月）: オフライン確認用の名簿",
            WHO,
        )
        .response::<Roster>(g),
        Operation::new(
            "get",
            "/api/verify/roster.csv",
            "一括照会CSV（?month=YYYY-MM&encoding=utf-8|cp932）: レセコン取込用、医療券・調剤券1枚1行",
            WHO,
        )
        .produces("text/csv"),
        Operation::new(
            "post",
            "/api/verify/sync",
            "オフラインで行った資格確認の送信（client_id ごとに1回だけ記録）",
            WHO,
        )
        .request::<SyncRequest>(g)
        .response::<SyncResponse>(g),
        Operation::new(
            "get",
            "/api/verify/today",
            "本日の資格確認実績（新しい順）",
            WHO,
        )
        .response::<TodayVerifications>(g),
    ]
}

/// Field name for card problems (signature, expiry, revocation), shown by the reader.
const FIELD_CARD: &str = "マイナンバーカード";
const FIELD_MONTH: &str = "診療年月";

// ---------------------------------------------------------------- handlers

async fn verify_number(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<NumberVerifyRequest>,
) -> Result<Json<VerificationResult>, AppError> {
    let institution = caller_institution(&caller)?;
    Ok(Json(
        by_number(&state, &caller, &institution, &req, req.offline).await?,
    ))
}

async fn verify_card(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<CardVerifyRequest>,
) -> Result<Json<VerificationResult>, AppError> {
    let institution = caller_institution(&caller)?;
    domain::api::check_client_id(&req.client_id).map_err(|e| AppError::validation(vec![e]))?;
    let db = &state.db;
    // A retried request: its challenge is spent, but the first answer stands.
    if let Some(stored) = stored_by_client_id(db, &req.client_id).await? {
        let subject = &req.certificate.subject;
        stored.check_same(
            &institution,
            ReferenceClass::Card,
            &subject.office_number,
            &subject.recipient_number,
        )?;
        return Ok(Json(stored.result(db, &caller, &institution).await?));
    }
    let recipient_id = super::session::check_card_signature(
        &state,
        &req.challenge_id,
        &req.certificate,
        &req.signature,
    )
    .await
    .map_err(|e| {
        // A card problem is not the receptionist's sign-in failing: answer 422, not 401.
        if e.status == StatusCode::UNAUTHORIZED {
            AppError::field(FIELD_CARD, e.body.message)
        } else {
            e
        }
    })?;
    let now = Utc::now();
    let date = domain::jst::date_of(now);
    // The card identifies the person: after a 転居 it finds the record that holds 資格 now.
    let current = store::people::current_record(db, recipient_id, date).await?;
    let recipient = Recipient::by_id(db, current).await?.ok_or_else(|| {
        AppError::field(
            FIELD_CARD,
            "このカードは登録されていません。福祉事務所にお問い合わせください。",
        )
    })?;
    let birth = recipient.birth_date;
    let recipient = recipient.with_elsewhere(db, birth, date).await?;
    let tickets = tickets_for(db, recipient.id, &institution, date).await?;
    let decision = decide(
        Some(&recipient.qualification()),
        recipient.birth_date,
        &tickets,
        &institution,
        date,
    );
    let consent = (decision.validity == QualificationValidity::Valid).then_some(req.consent);
    let new = NewVerification {
        client_id: &req.client_id,
        verified_at: now,
        institution: &institution,
        office_number: &recipient.office_number,
        recipient_number: &recipient.recipient_number,
        reference_class: ReferenceClass::Card,
        validity: decision.validity,
        source: Source::Online,
    };
    let audit = Some((recipient.id, decision.validity.label_ja().to_string()));
    let Some((id, consent)) = insert(&state, &new, &caller, audit, consent).await? else {
        return replay(db, &caller, &new).await.map(Json);
    };
    let meta = meta(&new, Some(id), false);
    let office = recipient.contact_for(decision.validity, date);
    Ok(Json(VerificationResult::new(
        meta,
        decision.validity,
        decision.tickets,
        Some(recipient.person()),
        office,
        consent,
    )))
}

async fn roster_json(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<RosterQuery>, QueryRejection>,
) -> Result<Json<Roster>, AppError> {
    let institution = caller_institution(&caller)?;
    let Query(query) = query.map_err(|e| AppError::field("クエリ", e.body_text()))?;
    let month = month_param(query.month.as_deref())?;
    let (roster, ids) = load_roster(&state.db, &institution, &month).await?;
    audit_roster(&state.db, &caller, &roster, &ids, "一括照会").await?;
    Ok(Json(roster))
}

async fn roster_csv(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<RosterQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let institution = caller_institution(&caller)?;
    let Query(query) = query.map_err(|e| AppError::field("クエリ", e.body_text()))?;
    let month = month_param(query.month.as_deref())?;
    let cp932 = match query
        .encoding
        .as_deref()
        .map(|e| e.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("" | "utf-8" | "utf8") => false,
        Some("cp932" | "shift_jis" | "sjis" | "windows-31j") => true,
        Some(other) => {
            return Err(AppError::field(
                "文字コード",
                format!("文字コード「{other}」には対応していません。utf-8 または cp932 を指定してください。"),
            ))
        }
    };
    let (roster, ids) = load_roster(&state.db, &institution, &month).await?;
    audit_roster(&state.db, &caller, &roster, &ids, "一括照会CSV").await?;
    let text = roster.to_csv();
    let (body, content_type) = if cp932 {
        (
            domain::api::encode_cp932(&text),
            "text/csv; charset=Shift_JIS",
        )
    } else {
        (text.into_bytes(), "text/csv; charset=utf-8")
    };
    let disposition = format!(
        "attachment; filename=\"roster-{}-{}.csv\"",
        institution.as_str(),
        month
    );
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| anyhow::anyhow!(e))?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

async fn sync(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<SyncRequest>,
) -> Result<Json<SyncResponse>, AppError> {
    let institution = caller_institution(&caller)?;
    if req.items.len() > SYNC_MAX_ITEMS {
        return Err(AppError::field(
            "送信件数",
            format!(
                "一度に送れるのは{SYNC_MAX_ITEMS}件までです（{}件）。分けて送ってください。",
                req.items.len()
            ),
        ));
    }
    let mut items = Vec::with_capacity(req.items.len());
    // In order, one by one: each is idempotent, so a batch cut short is simply sent again.
    for item in &req.items {
        let outcome = by_number(&state, &caller, &institution, item, true).await;
        items.push(match outcome {
            Ok(result) => SyncItemResult {
                client_id: result.client_id,
                status: if result.already_stored {
                    SyncStatus::AlreadyStored
                } else {
                    SyncStatus::Stored
                },
                verification_id: result.verification_id,
                validity: Some(result.validity),
                screen_label: Some(result.screen_label),
                errors: Vec::new(),
            },
            Err(e) if e.status.is_client_error() => SyncItemResult {
                client_id: item.client_id.clone(),
                status: SyncStatus::Rejected,
                verification_id: None,
                validity: None,
                screen_label: None,
                errors: if e.body.fields.is_empty() {
                    vec![FieldError::new(
                        domain::api::FIELD_CLIENT_ID,
                        e.body.message,
                    )]
                } else {
                    e.body.fields
                },
            },
            Err(e) => return Err(e),
        });
    }
    Ok(Json(SyncResponse { items }))
}

async fn today(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<TodayVerifications>, AppError> {
    let institution = caller_institution(&caller)?;
    let db = &state.db;
    let date = today_jst();
    let rows = verifications::of_institution_on(&db.pool, &institution, date).await?;
    let mut ids = Vec::new();
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(rid) = row.recipient_id {
            if !ids.contains(&rid) {
                ids.push(rid);
            }
        }
        items.push(row.entry);
    }
    audit::record_many(db, &caller, "verification.list", &ids, "本日の資格確認実績").await?;
    Ok(Json(TodayVerifications { date, items }))
}

// ---------------------------------------------------------------- number entry

/// A number-entry verification, online (`offline == false`: dated now) or queued offline
/// (dated by its `verified_at`). Shared by `/number`, `/sync` and the onshi XML route.
pub async fn by_number(
    state: &AppState,
    caller: &Caller,
    institution: &InstitutionCode,
    req: &NumberVerifyRequest,
    offline: bool,
) -> Result<VerificationResult, AppError> {
    let db = &state.db;
    let now = Utc::now();
    let req = NumberVerifyRequest {
        offline,
        ..req.clone()
    };
    let at = match req.offline_instant(now) {
        Ok(at) => at.unwrap_or(now),
        Err(e) => {
            let mut errors = req
                .check(domain::jst::date_of(now))
                .err()
                .unwrap_or_default();
            errors.push(e);
            return Err(AppError::validation(errors));
        }
    };
    let date = domain::jst::date_of(at);
    let entry = req.check(date).map_err(AppError::validation)?;
    // No look-up of the `client_id` first: a repeated id is rare (a retry, the outbox's
    // sync), and the insert finds it (`insert` answers `None`, then `replay`).
    let recipient = match Recipient::by_numbers(
        db,
        entry.office_number.as_str(),
        entry.recipient_number.as_str(),
    )
    .await?
    {
        Some(r) => Some(r.with_elsewhere(db, entry.birth_date, date).await?),
        None => None,
    };
    let tickets = match &recipient {
        Some(r) => tickets_for(db, r.id, institution, date).await?,
        None => Vec::new(),
    };
    let qualification = recipient.as_ref().map(Recipient::qualification);
    let decision = decide(
        qualification.as_ref(),
        entry.birth_date,
        &tickets,
        institution,
        date,
    );
    let new = NewVerification {
        client_id: &req.client_id,
        verified_at: at,
        institution,
        office_number: entry.office_number.as_str(),
        recipient_number: entry.recipient_number.as_str(),
        reference_class: ReferenceClass::NumberEntry,
        validity: decision.validity,
        source: if offline {
            Source::Offline
        } else {
            Source::Online
        },
    };
    let audit = recipient.as_ref().map(|r| {
        let label = decision.validity.label_ja();
        let detail = if offline {
            format!("{label}（オフライン確認）")
        } else {
            label.to_string()
        };
        (r.id, detail)
    });
    let Some((id, _)) = insert(state, &new, caller, audit, None).await? else {
        return replay(db, caller, &new).await;
    };
    let office = recipient
        .as_ref()
        .and_then(|r| r.contact_for(decision.validity, date));
    Ok(VerificationResult::new(
        meta(&new, Some(id), false),
        decision.validity,
        decision.tickets,
        recipient.as_ref().map(Recipient::person),
        office,
        None,
    ))
}

/// The `client_id` was stored already (a retry, or another request stored it first): answer
/// that one, if it is the same verification.
async fn replay(
    db: &Db,
    caller: &Caller,
    new: &NewVerification<'_>,
) -> Result<VerificationResult, AppError> {
    let stored = stored_by_client_id(db, new.client_id)
        .await?
        .ok_or_else(|| {
            anyhow::anyhow!("verification {} vanished after a conflict", new.client_id)
        })?;
    stored.check_same(
        new.institution,
        new.reference_class,
        new.office_number,
        new.recipient_number,
    )?;
    stored.result(db, caller, new.institution).await
}

// ---------------------------------------------------------------- storage

fn caller_institution(caller: &Caller) -> Result<InstitutionCode, AppError> {
    let code = scope::institution(caller)?;
    InstitutionCode::parse(code)
        .map_err(|e| AppError::from(anyhow::anyhow!("stored 医療機関コード {code}: {e}")))
}

fn client_id_taken() -> AppError {
    AppError::new(
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
        "この確認IDは別の資格確認で使われています。画面を再読み込みしてやり直してください。",
    )
}

/// Store a verification, the consent if any, and their audit rows (`audit`: whose data was
/// read, with the detail) in one transaction, through the group commit (`crate::recorder`);
/// returns once committed. `None` when the `client_id` was already stored: nothing written.
async fn insert(
    state: &AppState,
    new: &NewVerification<'_>,
    caller: &Caller,
    audit: Option<(i64, String)>,
    consent: Option<ConsentRequest>,
) -> Result<Option<(i64, Option<ConsentRecord>)>, AppError> {
    let verification = Verification {
        client_id: new.client_id.to_string(),
        verified_at: new.verified_at,
        institution: new.institution.clone(),
        office_number: new.office_number.to_string(),
        recipient_number: new.recipient_number.to_string(),
        reference_class: new.reference_class,
        validity: new.validity,
        source: new.source,
        caller: caller.clone(),
        audit,
        consent,
    };
    Ok(state.recorder.record(verification).await?)
}

fn meta(new: &NewVerification<'_>, id: Option<i64>, already_stored: bool) -> VerificationMeta {
    VerificationMeta {
        verification_id: id,
        client_id: new.client_id.to_string(),
        institution_code: new.institution.as_str().to_string(),
        verified_at: instant_text(new.verified_at),
        verified_date: domain::jst::date_of(new.verified_at),
        reference_class: new.reference_class,
        office_number: new.office_number.to_string(),
        recipient_number: new.recipient_number.to_string(),
        offline: new.source == Source::Offline,
        already_stored,
    }
}

/// A stored verification, found by its `client_id`.
async fn stored_by_client_id(db: &Db, client_id: &str) -> Result<Option<Stored>, AppError> {
    Ok(verifications::by_client_id(&db.pool, client_id).await?)
}

/// What a retry of a stored verification answers.
trait Replay {
    fn check_same(
        &self,
        institution: &InstitutionCode,
        reference_class: ReferenceClass,
        office_number: &str,
        recipient_number: &str,
    ) -> Result<(), AppError>;

    async fn result(
        &self,
        db: &Db,
        caller: &Caller,
        institution: &InstitutionCode,
    ) -> Result<VerificationResult, AppError>;
}

impl Replay for Stored {
    /// A retry must be the same verification: same institution, route and numbers.
    fn check_same(
        &self,
        institution: &InstitutionCode,
        reference_class: ReferenceClass,
        office_number: &str,
        recipient_number: &str,
    ) -> Result<(), AppError> {
        if self.institution_code == institution.as_str()
            && self.reference_class == reference_class
            && self.office_number == office_number
            && self.recipient_number == recipient_number
        {
            Ok(())
        } else {
            Err(client_id_taken())
        }
    }

    /// The first stored result again: its verdict as stored; the person, office and
    /// tickets as they stand now for its date (tickets only for 1, as always).
    async fn result(
        &self,
        db: &Db,
        caller: &Caller,
        institution: &InstitutionCode,
    ) -> Result<VerificationResult, AppError> {
        let recipient = if self.validity == QualificationValidity::NotFound {
            None
        } else {
            match Recipient::by_numbers(db, &self.office_number, &self.recipient_number).await? {
                Some(r) => {
                    let birth = r.birth_date;
                    Some(r.with_elsewhere(db, birth, self.verified_date).await?)
                }
                None => None,
            }
        };
        let tickets = match &recipient {
            Some(r) if self.validity == QualificationValidity::Valid => {
                let all = tickets_for(db, r.id, institution, self.verified_date).await?;
                decide(
                    Some(&r.qualification()),
                    r.birth_date,
                    &all,
                    institution,
                    self.verified_date,
                )
                .tickets
            }
            _ => Vec::new(),
        };
        if let Some(r) = &recipient {
            // The person is shown again: a read of personal data like any other.
            audit::record(
                db,
                caller,
                "verification.replay",
                Some(r.id),
                &format!(
                    "{}（記録番号 {} の再送）",
                    self.validity.label_ja(),
                    self.id
                ),
            )
            .await?;
        }
        let consent = verifications::consent(&db.pool, self.id).await?;
        let meta = VerificationMeta {
            verification_id: Some(self.id),
            client_id: self.client_id.clone(),
            institution_code: self.institution_code.clone(),
            verified_at: self.verified_at.clone(),
            verified_date: self.verified_date,
            reference_class: self.reference_class,
            office_number: self.office_number.clone(),
            recipient_number: self.recipient_number.clone(),
            offline: self.offline,
            already_stored: true,
        };
        Ok(VerificationResult::new(
            meta,
            self.validity,
            tickets,
            recipient.as_ref().map(Recipient::person),
            recipient
                .as_ref()
                .and_then(|r| r.contact_for(self.validity, self.verified_date)),
            consent,
        ))
    }
}

/// What the verification path reads of a recipient: never the address or contact.
struct Recipient {
    id: i64,
    office_number: String,
    office_name: String,
    office_phone: String,
    recipient_number: String,
    name: String,
    name_kana: String,
    sex: Sex,
    birth_date: NaiveDate,
    qualified_from: Option<NaiveDate>,
    qualified_until: Option<NaiveDate>,
    restricted: bool,
    /// Covered periods of this record's 資格 history (`by_numbers`, `by_id`).
    periods: Vec<CoveredPeriod>,
    /// The same person's records at other offices (a 転居), read only when the date is
    /// not covered here (`with_elsewhere`).
    elsewhere: Vec<store::people::OtherRecord>,
}

impl Recipient {
    /// The record with these numbers, with its 資格 history (one statement).
    async fn by_numbers(
        db: &Db,
        office: &str,
        recipient: &str,
    ) -> Result<Option<Recipient>, AppError> {
        store::people::verified_with_history_by_numbers(db, office, recipient)
            .await?
            .map(Recipient::from_record_with_history)
            .transpose()
    }

    /// The record with this id, with its 資格 history (one statement).
    async fn by_id(db: &Db, id: i64) -> Result<Option<Recipient>, AppError> {
        store::people::verified_with_history_by_id(db, id)
            .await?
            .map(Recipient::from_record_with_history)
            .transpose()
    }

    fn from_record_with_history(
        (record, history): (store::people::VerifiedRecord, QualificationHistory),
    ) -> Result<Recipient, AppError> {
        let mut recipient = Recipient::from_record(record)?;
        recipient.periods = history.periods();
        Ok(recipient)
    }

    /// The recipients with these ids, by id.
    async fn by_ids(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Recipient>, AppError> {
        let mut found = HashMap::with_capacity(ids.len());
        for record in store::people::verified_by_ids(db, ids).await? {
            let recipient = Recipient::from_record(record)?;
            found.insert(recipient.id, recipient);
        }
        Ok(found)
    }

    fn from_record(r: store::people::VerifiedRecord) -> Result<Recipient, AppError> {
        let opt_date = |v: Option<String>| -> Result<Option<NaiveDate>, AppError> {
            v.as_deref().map(date_from_db).transpose()
        };
        Ok(Recipient {
            id: r.id,
            office_number: r.office_number,
            office_name: r.office_name,
            office_phone: r.office_phone.unwrap_or_default(),
            recipient_number: r.recipient_number,
            name: r.name,
            name_kana: r.name_kana,
            sex: code_from_db::<Sex>(&r.sex.to_string())?,
            birth_date: date_from_db(&r.birth_date)?,
            qualified_from: opt_date(r.qualified_from)?,
            qualified_until: opt_date(r.qualified_until)?,
            restricted: r.restricted != 0,
            periods: Vec::new(),
            elsewhere: Vec::new(),
        })
    }

    /// Read the person's other records when `date` is not covered here and the birth date
    /// matches (what a 3 無効（新しい資格あり） needs).
    async fn with_elsewhere(
        mut self,
        db: &Db,
        entered_birth_date: NaiveDate,
        date: NaiveDate,
    ) -> Result<Recipient, AppError> {
        let covered = self.periods.iter().any(|p| p.covers(date));
        if !covered && self.birth_date == entered_birth_date {
            let mut conn = db.pool.acquire().await?;
            self.elsewhere = store::people::other_records(&mut conn, self.id).await?;
        }
        Ok(self)
    }

    fn qualification(&self) -> Qualification {
        Qualification {
            birth_date: self.birth_date,
            periods: self.periods.clone(),
            elsewhere: self
                .elsewhere
                .iter()
                .flat_map(|o| o.periods.iter().copied())
                .collect(),
        }
    }

    /// Whom the clinic phones for this verdict: this office; for 3 the office holding the
    /// new 資格 (name and phone, never its numbers), and nobody when either record has
    /// 閲覧制限.
    fn contact_for(
        &self,
        validity: QualificationValidity,
        date: NaiveDate,
    ) -> Option<OfficeContact> {
        if validity != QualificationValidity::InvalidNewQualification {
            return Some(self.office());
        }
        let new = self.elsewhere.iter().find(|o| o.covers(date))?;
        (!self.restricted && !new.restricted).then(|| OfficeContact {
            number: String::new(),
            name: new.office_name.clone(),
            phone: new.office_phone.clone(),
        })
    }

    fn person(&self) -> PersonBlock {
        PersonBlock {
            name: self.name.clone(),
            name_kana: self.name_kana.clone(),
            sex: self.sex,
            birth_date: self.birth_date,
            qualified_from: self.qualified_from,
            qualified_until: self.qualified_until,
        }
    }

    fn office(&self) -> OfficeContact {
        OfficeContact {
            number: self.office_number.clone(),
            name: self.office_name.clone(),
            phone: self.office_phone.clone(),
        }
    }
}

/// The recipient's tickets in force that name `institution` in the month of `date`
/// (`decide` applies the rule; this only narrows what is read).
async fn tickets_for(
    db: &Db,
    recipient_id: i64,
    institution: &InstitutionCode,
    date: NaiveDate,
) -> Result<Vec<Ticket>, AppError> {
    let month = domain::ticket::month_of(date);
    let stored = tickets::for_verification(db, recipient_id, institution, &month).await?;
    Ok(stored.into_iter().map(|t| t.ticket).collect())
}

/// 一括照会: every ticket in force naming `institution` in `month`, grouped by recipient;
/// with the recipients' ids, for the audit log.
pub async fn load_roster(
    db: &Db,
    institution: &InstitutionCode,
    month: &str,
) -> Result<(Roster, Vec<i64>), AppError> {
    let mut conn = db.pool.acquire().await?;
    let institution_name = store::institutions::name(&mut conn, institution.as_str())
        .await?
        .ok_or_else(|| anyhow::anyhow!("institution {} is not stored", institution.as_str()))?;
    drop(conn);
    // By office, 受給者番号 and 有効開始日: one recipient's tickets are together.
    let stored = tickets::roster_of(db, institution, month).await?;
    let mut ids: Vec<i64> = Vec::new();
    for t in &stored {
        if ids.last() != Some(&t.recipient_id) {
            ids.push(t.recipient_id);
        }
    }
    let mut people = Recipient::by_ids(db, &ids).await?;
    let mut recipients: Vec<RosterEntry> = Vec::with_capacity(ids.len());
    let mut last: Option<i64> = None;
    for t in stored {
        if last == Some(t.recipient_id) {
            if let Some(entry) = recipients.last_mut() {
                entry.tickets.push(t.ticket);
            }
            continue;
        }
        last = Some(t.recipient_id);
        let person = people.remove(&t.recipient_id).ok_or_else(|| {
            anyhow::anyhow!("recipient {} of a roster ticket not found", t.recipient_id)
        })?;
        recipients.push(RosterEntry {
            office_number: person.office_number,
            office_name: person.office_name,
            office_phone: person.office_phone,
            recipient_number: person.recipient_number,
            name: person.name,
            name_kana: person.name_kana,
            sex: person.sex,
            birth_date: person.birth_date,
            qualified_from: person.qualified_from,
            qualified_until: person.qualified_until,
            periods: Vec::new(),
            restricted: person.restricted,
            tickets: vec![t.ticket],
        });
    }
    let mut histories = store::people::histories(db, &ids).await?;
    for (entry, id) in recipients.iter_mut().zip(&ids) {
        entry.periods = histories.remove(id).unwrap_or_default().periods();
    }
    let roster = Roster {
        institution_code: institution.as_str().to_string(),
        institution_name,
        month: month.to_string(),
        generated_at: now_text(),
        recipients,
    };
    Ok((roster, ids))
}

/// A roster read is a read of every recipient listed.
pub async fn audit_roster(
    db: &Db,
    caller: &Caller,
    roster: &Roster,
    ids: &[i64],
    what: &str,
) -> Result<(), AppError> {
    let detail = format!("{what} {}", roster.month);
    audit::record_roster_read(
        db,
        caller,
        &roster.institution_code,
        &roster.month,
        ids,
        &detail,
    )
    .await?;
    Ok(())
}

/// `?month=`: `YYYY-MM` (和暦 accepted), default this JST month.
fn month_param(month: Option<&str>) -> Result<String, AppError> {
    match month.map(str::trim).filter(|m| !m.is_empty()) {
        None => Ok(domain::ticket::month_of(today_jst())),
        Some(m) => domain::wareki::parse_month_input(m)
            .map(|(y, m)| format!("{y:04}-{m:02}"))
            .map_err(|e| AppError::field(FIELD_MONTH, e.month_message())),
    }
}

// ---------------------------------------------------------------- stored values

fn code_from_db<T: CodeValue>(code: &str) -> Result<T, AppError> {
    T::from_code(code).ok_or_else(|| {
        AppError::from(anyhow::anyhow!(
            "stored {} 「{code}」 is not a code",
            T::ITEM
        ))
    })
}

fn date_from_db(s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| AppError::from(anyhow::anyhow!("stored date {s}: {e}")))
}
