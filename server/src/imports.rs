//! Importing the Appendix A exchange files into the database.
//!
//! Parse and check every row first (`domain::import`), then check references against the
//! database (known offices, institutions, recipients), and only when the whole file is clean
//! write it in one transaction. A file with any error writes nothing.
//! Re-importing a file updates the same records (keys: 公費負担者番号, 医療機関コード,
//! 公費負担者番号+受給者番号, 公費負担者番号+交付番号); verification-log rows already
//! imported are skipped, so nothing is counted twice.

use sha2::{Digest, Sha256};

use domain::error::RowError;
use domain::import::{self, InstitutionRow, OfficeRow, RecipientRow, TicketRow, VerificationRow};
use domain::ticket::Ticket;

use crate::db::{now_text, Db};
use crate::health::HealthImportKind;
use crate::keys::Keys;
use crate::store::tickets::{self, NewTicket};
use crate::store::verifications::{self, NewVerification, Source};
use crate::store::{self, people};

/// What `onshi import` reads: the Appendix A exchange files (here) and the 健診・薬剤情報
/// files (read by `crate::health`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportKind {
    Offices,
    Institutions,
    Recipients,
    Tickets,
    VerificationLog,
    /// 健診: a 特定健診 CDA archive (zip) or the 健診 CSV, detected by content.
    Checkups,
    /// 薬剤情報: a レセ電 file (医科・歯科, CP932).
    Receipts,
    /// 医薬品マスター (社会保険診療報酬支払基金, y.csv layout): names the drugs of 薬剤情報.
    DrugMaster,
}

impl ImportKind {
    /// The 健診・薬剤情報 kinds, read by `crate::health`; `None` for the Appendix A files.
    pub fn health(self) -> Option<HealthImportKind> {
        match self {
            Self::Checkups => Some(HealthImportKind::Checkups),
            Self::Receipts => Some(HealthImportKind::Receipts),
            Self::DrugMaster => Some(HealthImportKind::DrugMaster),
            Self::Offices
            | Self::Institutions
            | Self::Recipients
            | Self::Tickets
            | Self::VerificationLog => None,
        }
    }
}

/// What an import wrote, and what it changed on the way (the report's notes, in Japanese).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub written: usize,
    /// E.g. the rows whose 氏名カナ was normalised from 半角カナ / 半角スペース.
    pub notes: Vec<String>,
}

impl From<usize> for ImportReport {
    fn from(written: usize) -> Self {
        Self {
            written,
            notes: Vec::new(),
        }
    }
}

pub type ImportOutcome = Result<ImportReport, Vec<RowError>>;

pub async fn import(
    db: &Db,
    keys: &Keys,
    kind: ImportKind,
    bytes: &[u8],
    actor: &str,
) -> anyhow::Result<ImportOutcome> {
    let outcome = match kind {
        ImportKind::Offices => match decoded(bytes).and_then(|t| import::parse_offices(&t)) {
            Ok(rows) => Ok(write_offices(db, &rows).await?.into()),
            Err(e) => Err(e),
        },
        ImportKind::Institutions => {
            match decoded(bytes).and_then(|t| import::parse_institutions(&t)) {
                Ok(rows) => Ok(write_institutions(db, &rows).await?.into()),
                Err(e) => Err(e),
            }
        }
        ImportKind::Recipients => match decoded(bytes).and_then(|t| import::parse_recipients(&t)) {
            Ok(rows) => match check_recipient_refs(db, &rows).await? {
                errors if errors.is_empty() => Ok(ImportReport {
                    written: write_recipients(db, keys, &rows).await?,
                    notes: import::normalization_notes(&rows),
                }),
                errors => Err(errors),
            },
            Err(e) => Err(e),
        },
        ImportKind::Tickets => match decoded(bytes).and_then(|t| import::parse_tickets(&t)) {
            Ok(rows) => match check_ticket_refs(db, &rows).await? {
                errors if errors.is_empty() => Ok(write_tickets(db, &rows, actor).await?.into()),
                errors => Err(errors),
            },
            Err(e) => Err(e),
        },
        ImportKind::VerificationLog => {
            match decoded(bytes).and_then(|t| import::parse_verification_log(&t)) {
                Ok(rows) => match check_verification_refs(db, &rows).await? {
                    errors if errors.is_empty() => Ok(write_verifications(db, &rows).await?.into()),
                    errors => Err(errors),
                },
                Err(e) => Err(e),
            }
        }
        // Zip archives and レセ電 records: `crate::health` reads them (and reports more).
        ImportKind::Checkups => health(db, HealthImportKind::Checkups, bytes, actor).await?,
        ImportKind::Receipts => health(db, HealthImportKind::Receipts, bytes, actor).await?,
        ImportKind::DrugMaster => health(db, HealthImportKind::DrugMaster, bytes, actor).await?,
    };
    if let Ok(ImportReport { written: n, .. }) = &outcome {
        let what = match kind {
            ImportKind::Offices => "offices",
            ImportKind::Institutions => "institutions",
            ImportKind::Recipients => "recipients",
            ImportKind::Tickets => "tickets",
            ImportKind::VerificationLog => "verification-log",
            ImportKind::Checkups => "checkups",
            ImportKind::Receipts => "receipts",
            ImportKind::DrugMaster => "drug-master",
        };
        crate::audit::record_as(
            db,
            "operator",
            actor,
            "システム運用者",
            &format!("import.{what}"),
            None,
            &format!("{n}件"),
        )
        .await?;
    }
    Ok(outcome)
}

/// A 健診・薬剤情報 file through `crate::health`, its report as an [`ImportOutcome`].
async fn health(
    db: &Db,
    kind: HealthImportKind,
    bytes: &[u8],
    actor: &str,
) -> anyhow::Result<ImportOutcome> {
    let report = crate::health::import_file(db, kind, bytes, false, actor).await?;
    if report.accepted {
        Ok(Ok(usize::try_from(report.written).unwrap_or(0).into()))
    } else {
        Ok(Err(report
            .errors
            .into_iter()
            .map(|e| RowError {
                line: e.line.unwrap_or(0),
                field: e.field,
                message: e.message,
            })
            .collect()))
    }
}

/// The uploaded bytes as text (UTF-8 or CP932), or the one error saying why not.
fn decoded(bytes: &[u8]) -> Result<String, Vec<RowError>> {
    import::decode_text(bytes).map_err(|e| {
        vec![RowError {
            line: 1,
            field: e.field,
            message: e.message,
        }]
    })
}

fn missing(line: usize, field: &str, what: &str, value: &str) -> RowError {
    RowError {
        line,
        field: field.to_string(),
        message: format!("{what} {value} は登録されていません。先に登録してください。"),
    }
}

async fn check_recipient_refs(db: &Db, rows: &[RecipientRow]) -> anyhow::Result<Vec<RowError>> {
    let offices = store::offices::numbers(db).await?;
    Ok(rows
        .iter()
        .filter(|r| !offices.contains(r.office.as_str()))
        .map(|r| missing(r.line, "公費負担者番号", "福祉事務所", r.office.as_str()))
        .collect())
}

async fn check_ticket_refs(db: &Db, rows: &[TicketRow]) -> anyhow::Result<Vec<RowError>> {
    let recipients = people::all_numbers(db).await?;
    let institutions = store::institutions::codes(db).await?;
    let mut errors = Vec::new();
    for r in rows {
        if !recipients.contains(&(
            r.office.as_str().to_string(),
            r.recipient.as_str().to_string(),
        )) {
            errors.push(missing(
                r.line,
                "受給者番号",
                "受給者番号",
                r.recipient.as_str(),
            ));
        }
        if !institutions.contains(r.institution.as_str()) {
            errors.push(missing(
                r.line,
                "指定医療機関コード",
                "医療機関",
                r.institution.as_str(),
            ));
        }
        if let Some(p) = &r.prescriber {
            if !institutions.contains(p.as_str()) {
                errors.push(missing(
                    r.line,
                    "処方箋発行元医療機関コード",
                    "医療機関",
                    p.as_str(),
                ));
            }
        }
    }
    Ok(errors)
}

async fn check_verification_refs(
    db: &Db,
    rows: &[VerificationRow],
) -> anyhow::Result<Vec<RowError>> {
    let offices = store::offices::numbers(db).await?;
    let institutions = store::institutions::codes(db).await?;
    let mut errors = Vec::new();
    for r in rows {
        if !offices.contains(r.office.as_str()) {
            errors.push(missing(
                r.line,
                "公費負担者番号",
                "福祉事務所",
                r.office.as_str(),
            ));
        }
        if !institutions.contains(r.institution.as_str()) {
            errors.push(missing(
                r.line,
                "医療機関コード",
                "医療機関",
                r.institution.as_str(),
            ));
        }
    }
    Ok(errors)
}

/// Who the registry's trail names for `onshi import institutions`.
const IMPORT_LOGIN: &str = "onshi-import";
const IMPORT_NAME: &str = "一括取込（onshi import institutions）";

pub async fn write_offices(db: &Db, rows: &[OfficeRow]) -> anyhow::Result<usize> {
    let mut tx = db.pool.begin().await?;
    for r in rows {
        store::offices::upsert(&mut tx, r).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Upsert the institutions; each field a row changes (or every field of a new institution)
/// goes to the registry's trail (`institution_changes`) as the operator's edits do, by the
/// import command, in the same transaction. The file carries no 指定/廃止 dates: those stay.
pub async fn write_institutions(db: &Db, rows: &[InstitutionRow]) -> anyhow::Result<usize> {
    let at = now_text();
    let author = store::institutions::ChangeAuthor {
        at: &at,
        login: IMPORT_LOGIN,
        name: IMPORT_NAME,
    };
    let mut tx = db.pool.begin().await?;
    for r in rows {
        let before = store::institutions::registry_row(&mut tx, r.code.as_str())
            .await?
            .map(|row| row.values());
        let kept = before.clone().unwrap_or_default();
        let after = domain::institution::InstitutionValues {
            name: r.name.clone(),
            online_capable: r.online_capable,
            postal_code: r.postal_code.clone(),
            address: r.address.clone(),
            phone: r.phone.clone(),
            ..kept
        };
        let trail = domain::institution::changes(&r.code, before.as_ref(), &after);
        if trail.is_empty() {
            continue;
        }
        store::institutions::upsert(&mut tx, r).await?;
        store::institutions::insert_changes(&mut tx, r.code.as_str(), &trail, &author).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// Upsert the records. The 資格取得日/資格喪失日 of the file become the record's 資格
/// history (decisions from `import`) unless decisions were registered here since, which
/// then stand: the history is never rewritten behind the caseworker's back.
pub async fn write_recipients(
    db: &Db,
    keys: &Keys,
    rows: &[RecipientRow],
) -> anyhow::Result<usize> {
    let now = now_text();
    let mut kept = 0usize;
    let mut tx = db.pool.begin().await?;
    for r in rows {
        let sealed = match &r.individual_number {
            Some(n) => Some(keys.seal(n.as_str())?),
            None => None,
        };
        let digest = r
            .individual_number
            .as_ref()
            .map(|n| people::individual_number_digest(keys, n.as_str()));
        let id = people::upsert_imported(
            &mut tx,
            r,
            sealed.as_deref(),
            digest.as_deref(),
            code_int(r.sex.code()),
            &now,
        )
        .await?;
        if !people::replace_imported_pair(&mut tx, id, r.qualified_from, r.qualified_until, &now)
            .await?
        {
            kept += 1;
        }
        people::refresh_current_period(&mut tx, id, &now).await?;
    }
    people::ensure_people(&mut tx).await?;
    tx.commit().await?;
    if kept > 0 {
        tracing::info!(
            kept,
            "recipients import: records with 資格 decisions registered in the app keep their history"
        );
    }
    Ok(rows.len())
}

/// The ticket a `tickets.csv` row describes. The institutions' names are not stored (reads
/// take them from `institutions`); an import carries no 事後委託の理由.
fn imported_ticket(r: &TicketRow) -> Ticket {
    let filled = |slots: &[Option<String>; 3]| -> Vec<String> {
        slots
            .iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect()
    };
    Ticket {
        ticket_type: r.ticket_type,
        issue_number: r.issue_number.clone(),
        treatment_month: format!("{:04}-{:02}", r.treatment_month.0, r.treatment_month.1),
        valid_from: r.valid_from,
        valid_until: r.valid_until,
        institution_code: r.institution.clone(),
        institution_name: String::new(),
        prescriber_code: r.prescriber.clone(),
        prescriber_name: None,
        treatment_type: r.treatment_type,
        injury_names: filled(&r.injury_names),
        self_pay_amount: r.self_pay_amount,
        single_or_combined: r.single_or_combined,
        social_insurance: r.social_insurance,
        infection_law: r.infection_law,
        elderly_care: r.elderly_care,
        prefectural_expense: r.prefectural_expense,
        district_contact: r.district_contact.clone().unwrap_or_default(),
        handling_contact: r.handling_contact.clone().unwrap_or_default(),
        remarks: filled(&r.remarks),
        retroactive_reason: None,
    }
}

pub async fn write_tickets(db: &Db, rows: &[TicketRow], actor: &str) -> anyhow::Result<usize> {
    let now = now_text();
    let mut tx = db.pool.begin().await?;
    for r in rows {
        let recipient_id = people::id_by_numbers(&mut tx, r.office.as_str(), r.recipient.as_str())
            .await?
            .ok_or_else(|| anyhow::anyhow!("recipient {} is not stored", r.recipient.as_str()))?;
        let ticket = imported_ticket(r);
        let new = NewTicket {
            office_number: r.office.as_str(),
            recipient_id,
            ticket: &ticket,
            created_at: &now,
            created_by: actor,
            renewed_from: None,
        };
        tickets::upsert_by_issue_number(&mut *tx, &new).await?;
    }
    tx.commit().await?;
    Ok(rows.len())
}

/// The idempotency key of an imported verification: the row's content.
fn import_key(r: &VerificationRow) -> String {
    let text = format!(
        "{}|{}|{}|{}|{}|{}",
        r.verified_at.to_rfc3339(),
        r.institution.as_str(),
        r.office.as_str(),
        r.recipient.as_str(),
        r.reference.code(),
        r.validity.code()
    );
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "import:{}",
        digest
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

pub async fn write_verifications(db: &Db, rows: &[VerificationRow]) -> anyhow::Result<usize> {
    let mut tx = db.pool.begin().await?;
    let mut written = 0usize;
    for r in rows {
        let at = r.verified_at.with_timezone(&chrono::Utc);
        let key = import_key(r);
        let new = NewVerification {
            client_id: &key,
            verified_at: at,
            institution: &r.institution,
            office_number: r.office.as_str(),
            recipient_number: r.recipient.as_str(),
            reference_class: r.reference,
            validity: r.validity,
            source: Source::Import,
        };
        if verifications::insert(&mut *tx, &new).await?.is_some() {
            written += 1;
        }
    }
    tx.commit().await?;
    Ok(written)
}

/// Numeric codes (性別, 照会区分, 資格有効性) are stored as integers.
pub fn code_int(code: &str) -> i64 {
    code.parse().unwrap_or(0)
}
