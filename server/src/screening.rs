//! Screening (product.md §5) on the server side: reading an office's months M−2..M into the
//! compact [`ScreeningInput`], `onshi screen`, and the caseworkers' follow-ups. The rules
//! themselves are `domain::screening::screen`, the same function the browser runs.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;

use domain::api::{Followup, FollowupRequest};
use domain::codes::QualificationValidity;
use domain::feed::TextEncoding;
use domain::numbers::{InstitutionCode, PublicPayerNumber, RecipientNumber};
use domain::screening::{self, InputBuilder, ScreeningInput, ScreeningResult};

use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::error::ServiceError;
use crate::store::{self, followups, tickets};

/// A screening's input and the 台帳 ids of the recipients in it (for the audit log).
pub struct Loaded {
    pub input: ScreeningInput,
    /// Recipient number → id, for every recipient in the input that is in the 台帳.
    pub ids: HashMap<String, i64>,
}

impl Loaded {
    /// Ids of the recipients named in a result (rows, 多数医療機関受診, 重複調剤・重複受診).
    pub fn ids_in(&self, result: &ScreeningResult) -> Vec<i64> {
        let numbers = result
            .rows
            .iter()
            .map(|r| &r.recipient_number)
            .chain(result.many_institutions.iter().map(|r| &r.recipient_number))
            .chain(result.duplicates.iter().map(|r| &r.recipient_number));
        let mut ids: Vec<i64> = numbers.filter_map(|n| self.ids.get(n).copied()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Ids of every recipient in the input.
    pub fn all_ids(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = self.ids.values().copied().collect();
        ids.sort_unstable();
        ids
    }
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Read an office's months M−2..M: each distinct (recipient, institution, JST date, verdict)
/// of its verifications, the recipients and institutions they name, and the active tickets of
/// those months — pruned to what the month's screening reads (`domain::screening::prune`).
pub async fn load(db: &Db, office: &str, month: (i32, u32)) -> anyhow::Result<Loaded> {
    let (first, last) = screening::period(month).context("対象月が範囲外です")?;
    let (from, until) = (first.to_string(), last.to_string());
    let verifications =
        store::verifications::verdict_days_of_office(&db.pool, office, &from, &until).await?;
    let recipients = store::people::numbers_and_names(db, office).await?;
    let institutions =
        store::verifications::institutions_of_office(&db.pool, office, &from, &until).await?;
    let months: Vec<String> = (-2..=0)
        .map(|k| screening::month_label(screening::shift_month(month, k)))
        .collect();
    let tickets = tickets::active_of_office_in_months(&db.pool, office, &months).await?;

    let mut builder = InputBuilder::for_month(office, month);
    let in_input: HashSet<&str> = verifications
        .iter()
        .map(|v| v.recipient_number.as_str())
        .collect();
    for (_, number, name) in &recipients {
        if in_input.contains(number.as_str()) {
            builder.recipient(number, name);
        }
    }
    for (code, name) in &institutions {
        builder.institution(code, name);
    }
    let mut skipped = 0usize;
    for v in &verifications {
        let verdict = QualificationValidity::from_code(&v.validity.to_string());
        match (parse_date(&v.verified_date), verdict) {
            (Some(date), Some(verdict)) => {
                builder.verification(&v.recipient_number, &v.institution_code, date, verdict);
            }
            _ => skipped += 1,
        }
    }
    for stored in &tickets {
        let t = &stored.ticket;
        let injuries: Vec<&str> = t.injury_names.iter().map(String::as_str).collect();
        builder.ticket(
            &stored.holder.recipient_number,
            t.institution_code.as_str(),
            t.valid_from,
            t.valid_until,
            &injuries,
        );
    }
    if skipped > 0 {
        tracing::warn!(
            "screening {office}: {skipped} rows with unreadable dates or codes left out"
        );
    }
    // Only what the month's screening reads (the same answer, a smaller download).
    let input = screening::prune(&builder.build(), month);
    let kept: HashSet<&str> = input.recipients.iter().map(|r| r.number.as_str()).collect();
    let ids = recipients
        .iter()
        .filter(|(_, number, _)| kept.contains(number.as_str()))
        .map(|(id, number, _)| (number.clone(), *id))
        .collect();
    Ok(Loaded { input, ids })
}

/// Output of `onshi screen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScreenFormat {
    /// product.md Appendix A: 受給者番号,医療機関コード,区分,当月日数,3か月合計日数,受診日
    Csv,
    /// The whole result (rows with their evidence, 多数医療機関受診, counts).
    Json,
}

/// `onshi screen --office N --month YYYY-MM --format csv|json [--out FILE] [--encoding …]`.
pub async fn run_cli(
    db: &Db,
    office: &str,
    month: &str,
    format: ScreenFormat,
    out: Option<&Path>,
    encoding: &str,
) -> anyhow::Result<ExitCode> {
    let office = PublicPayerNumber::parse(office)
        .map_err(|e| anyhow::anyhow!("--office 公費負担者番号: {}", e.message()))?;
    let month = screening::parse_month(month, "対象月")
        .map_err(|e| anyhow::anyhow!("--month: {}", e.message))?;
    let encoding = TextEncoding::parse(encoding)
        .ok_or_else(|| anyhow::anyhow!("--encoding は utf-8 または cp932 です: {encoding}"))?;
    let Some(office_name) = crate::auth::office_name(db, office.as_str()).await? else {
        anyhow::bail!(
            "公費負担者番号 {} の福祉事務所が登録されていません",
            office.as_str()
        );
    };
    let loaded = load(db, office.as_str(), month).await?;
    let result = screening::screen(&loaded.input, month);
    let text = match format {
        ScreenFormat::Csv => screening::to_csv(&result),
        ScreenFormat::Json => format!("{}\n", serde_json::to_string_pretty(&result)?),
    };
    let bytes = encoding.encode(&text);
    let caller = crate::audit::command_caller(office.as_str(), &office_name, "onshi screen");
    crate::audit::record_many(
        db,
        &caller,
        "screening.result",
        &loaded.ids_in(&result),
        &format!("頻回受診・未委託受診スクリーニング（{}）", result.month),
    )
    .await?;
    match out {
        Some(path) => {
            std::fs::write(path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let s = &result.summary;
            println!(
                "{} {} {}: 頻回受診候補 {}、短期集中治療の可能性 {}、未委託受診 {}、多数医療機関受診 {}、重複調剤 {}、重複受診 {} → {}",
                office.as_str(),
                office_name,
                result.month,
                s.frequent,
                s.short_intensive,
                s.unentrusted,
                s.many_institutions,
                s.duplicate_dispensing,
                s.duplicate_visits,
                path.display()
            );
        }
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// Follow-ups
// ---------------------------------------------------------------------------------------------

/// Longest note kept, in characters.
pub const NOTE_MAX_CHARS: usize = 1000;

/// What is wrong with a follow-up's note (trimmed; also an alert's): 対象外 needs its reason,
/// at most [`NOTE_MAX_CHARS`] characters, no control characters.
pub fn check_note(note: &str, needs_note: bool) -> Vec<domain::error::FieldError> {
    let mut errors = Vec::new();
    if needs_note && note.is_empty() {
        errors.push(domain::error::FieldError::new(
            "メモ",
            "対象外とする理由をメモに入力してください。",
        ));
    }
    if note.chars().count() > NOTE_MAX_CHARS {
        errors.push(domain::error::FieldError::new(
            "メモ",
            format!("メモは{NOTE_MAX_CHARS}文字以内にしてください。"),
        ));
    } else if let Err(e) = domain::text::check_chars("メモ", note, domain::text::Lines::Many) {
        errors.push(e);
    }
    errors
}

/// An office's follow-ups for a month, newest first, with the recipient ids (for the audit log).
pub async fn followups(
    db: &Db,
    office: &str,
    month: (i32, u32),
) -> anyhow::Result<(Vec<Followup>, Vec<i64>)> {
    let list =
        followups::of_office_in_month(&db.pool, office, &screening::month_label(month)).await?;
    let (list, mut ids): (Vec<Followup>, Vec<i64>) = list
        .into_iter()
        .map(|stored| (stored.followup, stored.recipient_id))
        .unzip();
    ids.sort_unstable();
    ids.dedup();
    Ok((list, ids))
}

/// Record a follow-up for a recipient of `office`. Returns it and the recipient's id.
pub async fn add_followup(
    db: &Db,
    office: &str,
    caller: &Caller,
    req: &FollowupRequest,
) -> Result<(Followup, i64), ServiceError> {
    let mut errors = Vec::new();
    let recipient = RecipientNumber::parse(&req.recipient_number)
        .map_err(|e| errors.push(e.to_field_error(RecipientNumber::FIELD)))
        .ok();
    let month = screening::parse_month(&req.month, "対象月")
        .map_err(|e| errors.push(e))
        .ok();
    let institution = match req.institution_code.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => InstitutionCode::parse(code)
            .map_err(|e| errors.push(e.to_field_error(InstitutionCode::FIELD)))
            .ok(),
    };
    if req.category.is_some()
        && institution.is_none()
        && !errors.iter().any(|e| e.field == InstitutionCode::FIELD)
    {
        errors.push(domain::error::FieldError::new(
            "医療機関コード",
            "区分のある候補には医療機関コードを指定してください。",
        ));
    }
    let note = req.note.trim();
    errors.extend(check_note(note, req.action.needs_note()));
    let (Some(recipient), Some(month), true) = (recipient, month, errors.is_empty()) else {
        return Err(ServiceError::Validation(errors));
    };
    let found = store::people::by_numbers(db, office, recipient.as_str()).await?;
    let Some((recipient_id, _)) = found else {
        return Err(ServiceError::NotFound("受給者"));
    };
    let recorded_at = now_text();
    let month = screening::month_label(month);
    let id = followups::insert(
        &db.pool,
        &followups::NewFollowup {
            office_number: office,
            recipient_id,
            institution_code: institution.as_ref().map(|c| c.as_str()),
            month: &month,
            category: req.category,
            action: req.action,
            note,
            recorded_by: &caller.actor_id,
            recorded_by_name: &caller.display_name,
            recorded_at: &recorded_at,
        },
    )
    .await?;
    let stored = followups::by_id(&db.pool, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("follow-up {id} unreadable"))?;
    Ok((stored.followup, stored.recipient_id))
}
