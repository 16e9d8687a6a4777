//! 健診情報 and 薬剤情報 on the server (issue 7): the imports (one code path for
//! `onshi import checkups|receipts|drug-master` and the office's HTTP uploads), the CDA
//! export, the 健診 deadline, the 向精神薬 screen, and the readers behind the recipient's
//! portal ([`portal_health`]) and the clinic's consented view ([`records_for`]).
//!
//! An import checks the whole file (domain parsers), then every record against the
//! database (the caller's office, the recipient by 公費負担者番号 + 受給者番号 + 生年月日),
//! and only when nothing is wrong writes it all in one transaction. A record whose recipient
//! is not found is an error, unless the caller asked to skip such records
//! (`skip_unmatched`): then it is listed in `skipped`, never dropped silently.
//! Re-importing replaces: a 健診 by recipient + 受診日, a receipt's drugs by institution +
//! 診療年月 + recipient + レセプト種別.
//!
//! The SQL is `crate::store::health`'s (and `store::people`'s, `offices`', `institutions`'
//! for the recipients, offices and institutions read here); this module opens the
//! transactions and decides.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

use domain::api::{
    fill_checkup_standard_references, CheckupDeadline, CheckupMonthCount, HealthImportReport,
    IngredientDays, InstitutionName, PortalCheckup, PortalCheckupValue, PortalHealth,
    PortalMedication, PortalReferenceRange, PsychotropicCandidate, PsychotropicEvidence,
    PsychotropicScreen, Role,
};
use domain::checkup::{
    self, Checkup, CheckupArchive, CheckupFormat, CheckupItem, ItemValue, Limits, Provider, Sourced,
};
use domain::codes::Sex;
use domain::error::RecordError;
use domain::numbers::{PublicPayerNumber, RecipientNumber};
use domain::psychotropic::{self, Classification, DrugFacts};
use domain::receipt::{self, ReceiptFile};

use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::store::health::{
    self as store, CheckupsOf, DispensingsOf, DrugRecord, NewDispensing, NewReceiptImport,
};
use crate::store::{institutions, offices, people, tickets};

/// The operator as an audit actor (the command line has no session).
pub fn operator_caller(actor: &str) -> Caller {
    Caller {
        role: Role::Operator,
        actor_id: actor.to_string(),
        display_name: "システム運用者".to_string(),
        user_id: None,
        office_number: None,
        institution_code: None,
        recipient_id: None,
        actor_label: "システム運用者".to_string(),
    }
}

/// Who imports, and for which office. `office: None` is the operator: any registered office.
pub struct Importer<'a> {
    pub caller: &'a Caller,
    pub office: Option<&'a str>,
    pub skip_unmatched: bool,
    pub today: NaiveDate,
}

fn rejected(format: &str, records: usize, errors: Vec<RecordError>) -> HealthImportReport {
    let message = format!(
        "{} 件のエラーがあるため、このファイルからは何も取り込んでいません。",
        errors.len()
    );
    HealthImportReport {
        accepted: false,
        format: format.to_string(),
        records: u64::try_from(records).unwrap_or(0),
        written: 0,
        items: 0,
        replaced: 0,
        skipped: Vec::new(),
        errors,
        message,
    }
}

/// A registered recipient, as matching needs it.
struct Registered {
    id: i64,
    birth_date: String,
}

/// Registered recipients of the given offices, by (office, 受給者番号).
async fn registered(
    db: &Db,
    offices: &HashSet<String>,
) -> anyhow::Result<(HashSet<String>, HashMap<(String, String), Registered>)> {
    let mut known_offices = HashSet::new();
    let mut map = HashMap::new();
    let mut conn = db.pool.acquire().await?;
    for office in offices {
        if offices::name(&mut conn, office).await?.is_none() {
            continue;
        }
        known_offices.insert(office.clone());
        let rows = people::numbers_and_birth_dates(&mut *conn, office).await?;
        for (id, number, birth_date) in rows {
            map.insert((office.clone(), number), Registered { id, birth_date });
        }
    }
    Ok((known_offices, map))
}

/// How one record's person matched: the recipient id, or why not (and whether skipping may
/// leave it out: a wrong office never can).
enum Match {
    Found(i64),
    Unmatched(String),
    Refused(String),
}

fn match_person(
    importer: &Importer<'_>,
    known_offices: &HashSet<String>,
    people: &HashMap<(String, String), Registered>,
    office: &PublicPayerNumber,
    recipient: &RecipientNumber,
    birth_date: NaiveDate,
) -> Match {
    let office = office.as_str();
    if let Some(own) = importer.office {
        if office != own {
            return Match::Refused(format!(
                "公費負担者番号 {office} はこの福祉事務所（{own}）の番号ではありません。自分の福祉事務所の受給者の記録だけを取り込めます。"
            ));
        }
    }
    if !known_offices.contains(office) {
        return Match::Refused(format!(
            "福祉事務所 {office} は登録されていません。先に登録してください。"
        ));
    }
    match people.get(&(office.to_string(), recipient.as_str().to_string())) {
        None => Match::Unmatched(format!(
            "公費負担者番号 {office}・受給者番号 {} の受給者は登録されていません。",
            recipient.as_str()
        )),
        // Never say what the registered birth date is.
        Some(r) if r.birth_date != birth_date.to_string() => Match::Unmatched(format!(
            "生年月日（{birth_date}）が、受給者番号 {} として登録されている方と一致しません。",
            recipient.as_str()
        )),
        Some(r) => Match::Found(r.id),
    }
}

// ---------------------------------------------------------------- the command line

/// The files read here: 健診 (CDA archive or CSV), レセ電, 医薬品マスター.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthImportKind {
    Checkups,
    Receipts,
    DrugMaster,
}

/// `onshi import checkups|receipts|drug-master FILE`: the operator imports for any
/// registered office.
pub async fn import_file(
    db: &Db,
    kind: HealthImportKind,
    bytes: &[u8],
    skip_unmatched: bool,
    actor: &str,
) -> anyhow::Result<HealthImportReport> {
    let caller = operator_caller(actor);
    let importer = Importer {
        caller: &caller,
        office: None,
        skip_unmatched,
        today: crate::db::today_jst(),
    };
    match kind {
        HealthImportKind::Checkups => import_checkups(db, bytes, &importer).await,
        HealthImportKind::Receipts => import_receipts(db, bytes, &importer).await,
        HealthImportKind::DrugMaster => import_drug_master(db, bytes, &caller).await,
    }
}

/// Print a report as `onshi import` does: the summary on stdout, every skipped record and
/// every error on stderr. Exit status 2 when nothing was written because of errors.
pub fn print_report(file: &std::path::Path, report: &HealthImportReport) -> std::process::ExitCode {
    for e in &report.skipped {
        eprintln!("{}: 取り込まなかった記録: {e}", file.display());
    }
    for e in &report.errors {
        eprintln!("{}: {e}", file.display());
    }
    if report.accepted {
        println!("{}", report.message);
        std::process::ExitCode::SUCCESS
    } else {
        eprintln!("{}", report.message);
        std::process::ExitCode::from(2)
    }
}

// ---------------------------------------------------------------- 健診 import

/// Import a 健診 file: a 特定健診 CDA archive (zip) or the 健診 CSV, detected by content.
pub async fn import_checkups(
    db: &Db,
    bytes: &[u8],
    importer: &Importer<'_>,
) -> anyhow::Result<HealthImportReport> {
    let guessed = if checkup::is_zip(bytes) { "cda" } else { "csv" };
    let upload = bytes.to_vec();
    let parsed = crate::archives::expand_one_at_a_time(move || {
        checkup::parse_upload(&upload, Limits::DEFAULT)
    })
    .await?;
    let (format, sourced) = match parsed {
        Ok(ok) => ok,
        Err(errors) => return Ok(rejected(guessed, 0, errors)),
    };
    let format = match format {
        CheckupFormat::Cda => "cda",
        CheckupFormat::Csv => "csv",
    };
    let offices: HashSet<String> = sourced
        .iter()
        .map(|s| s.checkup.office.as_str().to_string())
        .collect();
    let (known_offices, people) = registered(db, &offices).await?;
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let mut matched: Vec<(i64, &Sourced)> = Vec::new();
    for s in &sourced {
        let c = &s.checkup;
        if c.examined_on > importer.today {
            errors.push(s.error(
                "受診日",
                format!("受診日（{}）が今日より後です。", c.examined_on),
            ));
            continue;
        }
        if c.examined_on < c.birth_date {
            errors.push(s.error(
                "受診日",
                format!("受診日（{}）が生年月日より前です。", c.examined_on),
            ));
            continue;
        }
        match match_person(
            importer,
            &known_offices,
            &people,
            &c.office,
            &c.recipient,
            c.birth_date,
        ) {
            Match::Found(id) => matched.push((id, s)),
            Match::Unmatched(m) if importer.skip_unmatched => {
                skipped.push(s.error("受給者番号", m))
            }
            Match::Unmatched(m) => errors.push(s.error("受給者番号", m)),
            Match::Refused(m) => errors.push(s.error("公費負担者番号", m)),
        }
    }
    if !errors.is_empty() {
        return Ok(rejected(format, sourced.len(), errors));
    }
    let (items, replaced) = write_checkups(db, &matched, format, &importer.caller.actor_id).await?;
    let ids: Vec<i64> = unique_ids(matched.iter().map(|(id, _)| *id));
    crate::audit::record_many(
        db,
        importer.caller,
        "checkup.import",
        &ids,
        &format!("健診結果の取り込み（{format}）"),
    )
    .await?;
    let written = matched.len();
    let mut message = format!("{written} 件の健診結果（{items} 項目）を取り込みました。");
    if replaced > 0 {
        message.push_str(&format!(
            "うち {replaced} 件は、同じ受給者・受診日の登録済みの健診を置き換えました。"
        ));
    }
    if !skipped.is_empty() {
        message.push_str(&format!(
            "受給者が見つからない {} 件は取り込んでいません。",
            skipped.len()
        ));
    }
    Ok(HealthImportReport {
        accepted: true,
        format: format.to_string(),
        records: u64::try_from(sourced.len()).unwrap_or(0),
        written: u64::try_from(written).unwrap_or(0),
        items: u64::try_from(items).unwrap_or(0),
        replaced: u64::try_from(replaced).unwrap_or(0),
        skipped,
        errors: Vec::new(),
        message,
    })
}

fn unique_ids(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

/// Write checkups in one transaction (upsert by recipient + 受診日, items replaced).
/// Gives the items written and how many 健診 replaced one already registered.
async fn write_checkups(
    db: &Db,
    matched: &[(i64, &Sourced)],
    source: &str,
    actor: &str,
) -> anyhow::Result<(usize, usize)> {
    let now = now_text();
    let mut tx = db.pool.begin().await?;
    let mut items = 0usize;
    let mut replaced = 0usize;
    for (recipient_id, s) in matched {
        let (written, was_replaced) =
            store::replace_checkup(&mut tx, *recipient_id, &s.checkup, source, &now, actor).await?;
        items += written;
        replaced += usize::from(was_replaced);
    }
    tx.commit().await?;
    Ok((items, replaced))
}

// ---------------------------------------------------------------- 健診 export

/// The office's checkups of a fiscal year as a CDA archive: (zip bytes, file name, count).
/// Audited as a read of every recipient in it.
pub async fn export_checkups(
    db: &Db,
    caller: &Caller,
    office: &str,
    fiscal_year: i32,
    today: NaiveDate,
) -> anyhow::Result<(Vec<u8>, String, usize)> {
    let number = PublicPayerNumber::parse(office)
        .map_err(|e| anyhow::anyhow!("office number: {}", e.message()))?;
    let loaded = store::checkups(db, CheckupsOf::Office(office), Some(fiscal_year)).await?;
    let ids = unique_ids(loaded.iter().map(|(id, _)| *id));
    let archive = CheckupArchive {
        index: checkup::export_index(&number, today),
        checkups: loaded.into_iter().map(|(_, c)| c).collect(),
        files: Vec::new(),
    };
    let bytes = checkup::write_archive(&archive)?;
    let count = archive.checkups.len();
    crate::audit::record_many(
        db,
        caller,
        "checkup.export",
        &ids,
        &format!(
            "{}の健診結果の書き出し",
            checkup::fiscal_year_label(fiscal_year)
        ),
    )
    .await?;
    Ok((
        bytes,
        format!("{}.zip", checkup::archive_name(&archive.index)),
        count,
    ))
}

// ---------------------------------------------------------------- 健診 deadline

/// Last fiscal year's 健診 results of the office and their 11月1日 due date.
pub async fn deadline(db: &Db, office: &str, today: NaiveDate) -> anyhow::Result<CheckupDeadline> {
    let fiscal_year = checkup::fiscal_year(today) - 1;
    let (from, to) = checkup::fiscal_year_bounds(fiscal_year)
        .ok_or_else(|| anyhow::anyhow!("fiscal year out of range"))?;
    let due = checkup::results_due_date(fiscal_year)
        .ok_or_else(|| anyhow::anyhow!("fiscal year out of range"))?;
    let recipients = people::count_qualified_between(&db.pool, office, from, to).await?;
    let rows = store::checkup_days_of_office(&db.pool, office, fiscal_year).await?;
    let people: HashSet<i64> = rows.iter().map(|(id, _)| *id).collect();
    let mut by_month: BTreeMap<String, u64> = (0..12)
        .map(|k| {
            let index = fiscal_year * 12 + 3 + k;
            (
                format!(
                    "{:04}-{:02}",
                    index.div_euclid(12),
                    index.rem_euclid(12) + 1
                ),
                0,
            )
        })
        .collect();
    for (_, examined_on) in &rows {
        if let Some(n) = examined_on.get(..7).and_then(|m| by_month.get_mut(m)) {
            *n += 1;
        }
    }
    let days_left = (due - today).num_days();
    let label = checkup::fiscal_year_label(fiscal_year);
    let due_label = domain::wareki::format_date(due);
    let registered = people.len();
    let message = if days_left >= 0 {
        format!(
            "{label}の健診結果は {due_label} までに登録してください（あと{days_left}日）。登録済み {registered} 人。"
        )
    } else {
        format!(
            "{label}の健診結果の登録期限（{due_label}）を過ぎています。登録済み {registered} 人。"
        )
    };
    Ok(CheckupDeadline {
        today: today.to_string(),
        fiscal_year,
        fiscal_year_label: label,
        period_from: from.to_string(),
        period_to: to.to_string(),
        due_date: due.to_string(),
        due_date_label: due_label,
        days_left,
        overdue: days_left < 0,
        recipients: u64::try_from(recipients).unwrap_or(0),
        registered_recipients: u64::try_from(registered).unwrap_or(0),
        registered_checkups: u64::try_from(rows.len()).unwrap_or(0),
        by_month: by_month
            .into_iter()
            .map(|(month, checkups)| CheckupMonthCount { month, checkups })
            .collect(),
        message,
    })
}

// ---------------------------------------------------------------- レセ電 import

/// Import a レセ電 file: each IY record of a matched receipt becomes a `dispensed_drugs` row.
pub async fn import_receipts(
    db: &Db,
    bytes: &[u8],
    importer: &Importer<'_>,
) -> anyhow::Result<HealthImportReport> {
    let file: ReceiptFile = match receipt::parse_receipts(bytes) {
        Ok(f) => f,
        Err(errors) => return Ok(rejected("rece", 0, errors)),
    };
    let total = file.receipts().count();
    let offices: HashSet<String> = file
        .receipts()
        .map(|(_, r)| r.office.as_str().to_string())
        .collect();
    let (known_offices, people) = registered(db, &offices).await?;
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let mut matched: Vec<(usize, i64, &receipt::Receipt)> = Vec::new();
    for (b, block) in file.blocks.iter().enumerate() {
        for r in &block.receipts {
            let error = |field: &str, message: String| {
                RecordError::new(field, message)
                    .at_line(r.line)
                    .for_record(r.label())
            };
            if let Some(last) = r.drugs.iter().map(|d| d.days.iter().max()).max().flatten() {
                let (y, m) = r.treatment_month;
                if NaiveDate::from_ymd_opt(y, m, u32::from(*last)).is_none() {
                    errors.push(error(
                        "IY 算定日",
                        format!(
                            "算定日 {last}日 は診療年月 {} にありません。",
                            r.month_text()
                        ),
                    ));
                    continue;
                }
            }
            match match_person(
                importer,
                &known_offices,
                &people,
                &r.office,
                &r.recipient,
                r.birth_date,
            ) {
                Match::Found(id) => matched.push((b, id, r)),
                Match::Unmatched(m) if importer.skip_unmatched => {
                    skipped.push(error("KO 受給者番号", m))
                }
                Match::Unmatched(m) => errors.push(error("KO 受給者番号", m)),
                Match::Refused(m) => errors.push(error("KO 負担者番号", m)),
            }
        }
    }
    if !errors.is_empty() {
        return Ok(rejected("rece", total, errors));
    }
    let digest = Sha256::digest(bytes);
    let sha: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let now = now_text();
    let actor = &importer.caller.actor_id;
    let mut tx = db.pool.begin().await?;
    let mut drugs = 0usize;
    for (b, block) in file.blocks.iter().enumerate() {
        let in_block: Vec<&(usize, i64, &receipt::Receipt)> =
            matched.iter().filter(|(i, _, _)| *i == b).collect();
        let block_drugs: usize = in_block.iter().map(|(_, _, r)| r.drugs.len()).sum();
        let billing_month = format!("{:04}-{:02}", block.billing_month.0, block.billing_month.1);
        let import_id = store::insert_receipt_import(
            &mut tx,
            &NewReceiptImport {
                file_sha256: &sha,
                institution_code: block.institution.as_str(),
                institution_name: &block.institution_name,
                billing_month: &billing_month,
                receipts: i64::try_from(in_block.len()).unwrap_or(0),
                drugs: i64::try_from(block_drugs).unwrap_or(0),
                imported_at: &now,
                imported_by: actor,
            },
        )
        .await?;
        for (_, recipient_id, r) in in_block {
            drugs += store::replace_receipt_drugs(
                &mut tx,
                import_id,
                *recipient_id,
                block.institution.as_str(),
                r,
            )
            .await?;
        }
    }
    tx.commit().await?;
    let ids = unique_ids(matched.iter().map(|(_, id, _)| *id));
    crate::audit::record_many(
        db,
        importer.caller,
        "drug.import",
        &ids,
        "薬剤情報（レセ電）の取り込み",
    )
    .await?;
    let mut message = format!(
        "{} 件のレセプトから薬剤情報 {drugs} 件を取り込みました。",
        matched.len()
    );
    if !skipped.is_empty() {
        message.push_str(&format!(
            "受給者が見つからない {} 件は取り込んでいません。",
            skipped.len()
        ));
    }
    Ok(HealthImportReport {
        accepted: true,
        format: "rece".to_string(),
        records: u64::try_from(total).unwrap_or(0),
        written: u64::try_from(matched.len()).unwrap_or(0),
        items: u64::try_from(drugs).unwrap_or(0),
        replaced: 0,
        skipped,
        errors: Vec::new(),
        message,
    })
}

// ---------------------------------------------------------------- 医薬品マスター

/// Load the 医薬品マスター (operator): every row upserted by 医薬品コード.
pub async fn import_drug_master(
    db: &Db,
    bytes: &[u8],
    caller: &Caller,
) -> anyhow::Result<HealthImportReport> {
    let rows = match receipt::parse_drug_master(bytes) {
        Ok(rows) => rows,
        Err(errors) => return Ok(rejected("drug_master", 0, errors)),
    };
    write_drug_master(db, &rows).await?;
    crate::audit::record(
        db,
        caller,
        "import.drug-master",
        None,
        &format!("{}件", rows.len()),
    )
    .await?;
    let n = u64::try_from(rows.len()).unwrap_or(0);
    Ok(HealthImportReport {
        accepted: true,
        format: "drug_master".to_string(),
        records: n,
        written: n,
        items: n,
        replaced: 0,
        skipped: Vec::new(),
        errors: Vec::new(),
        message: format!("医薬品マスター {n} 件を取り込みました。"),
    })
}

async fn write_drug_master(db: &Db, rows: &[receipt::DrugMasterRow]) -> anyhow::Result<()> {
    let now = now_text();
    let mut tx = db.pool.begin().await?;
    store::upsert_drug_master(&mut tx, rows, &now).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------- reading 薬剤情報

impl DrugRecord {
    /// 算定日 as dates of the 診療年月.
    fn dates(&self) -> Vec<NaiveDate> {
        let month = NaiveDate::parse_from_str(&format!("{}-01", self.treatment_month), "%Y-%m-%d");
        let Ok(first) = month else {
            return Vec::new();
        };
        self.days_of_month
            .split(';')
            .filter_map(|d| d.parse::<u32>().ok())
            .filter_map(|d| NaiveDate::from_ymd_opt(first.year(), first.month(), d))
            .collect()
    }

    fn drug_label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("医薬品コード {}（医薬品マスター未登録）", self.drug_code))
    }

    /// "1錠" (内服: per day, shown as 「1日1錠」).
    fn quantity_label(&self) -> String {
        let unit = self.unit.as_deref().unwrap_or("");
        if self.category == receipt::CATEGORY_INTERNAL {
            format!("1日{}{unit}", self.quantity)
        } else {
            format!("{}{unit}", self.quantity)
        }
    }

    fn classify(&self) -> Option<Classification> {
        psychotropic::classify(
            &self.drug_code,
            &DrugFacts {
                name: self.name.as_deref(),
                generic_name: self.generic_name.as_deref(),
                yj_code: self.yj_code.as_deref(),
                controlled: self.controlled.as_deref(),
            },
        )
    }

    fn to_portal(&self) -> PortalMedication {
        PortalMedication {
            dispensed_on: self
                .dates()
                .first()
                .map_or_else(|| self.treatment_month.clone(), |d| d.to_string()),
            dispenser_name: self.institution_name.clone(),
            prescriber_name: None,
            drug_name: self.drug_label(),
            usage: Some(receipt::category_label(&self.category)),
            quantity: Some(self.quantity_label()),
            days: self.supply_days,
        }
    }
}

// ---------------------------------------------------------------- reading 健診

fn to_portal_checkup(checkup: &Checkup) -> PortalCheckup {
    PortalCheckup {
        date: checkup.examined_on.to_string(),
        institution_name: checkup.provider.as_ref().and_then(|p| p.name.clone()),
        values: checkup
            .items
            .iter()
            .map(|item| {
                let def = checkup::item_def(&item.code);
                let reference = def.and_then(|d| d.reference).map(|r| {
                    let (low, high) = r.bounds(checkup.sex);
                    PortalReferenceRange {
                        low,
                        high,
                        text: r.text(checkup.sex),
                    }
                });
                let unit = match &item.value {
                    ItemValue::Numeric { unit: Some(u), .. } => u.clone(),
                    _ => def.and_then(|d| d.unit).unwrap_or("").to_string(),
                };
                PortalCheckupValue {
                    code: item.code.clone(),
                    name: checkup::item_label(&item.code),
                    value: item.value.display(),
                    numeric: item.value.number(),
                    unit,
                    reference,
                }
            })
            .collect(),
    }
}

/// Which records a reader may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    pub drugs: bool,
    pub checkups: bool,
}

/// One recipient's 薬剤情報 (newest first) and 健診 (oldest first), limited to `shown`.
/// Not audited here: the caller records the read (portal: `portal.health`; clinic:
/// `health.view`).
pub async fn records_for(
    db: &Db,
    recipient_id: i64,
    shown: Shown,
) -> anyhow::Result<(Vec<PortalMedication>, Vec<PortalCheckup>)> {
    let medications = if shown.drugs {
        let mut list: Vec<PortalMedication> =
            store::dispensings(&db.pool, DispensingsOf::Recipient(recipient_id))
                .await?
                .iter()
                .map(DrugRecord::to_portal)
                .collect();
        list.sort_by(|a, b| b.dispensed_on.cmp(&a.dispensed_on));
        list
    } else {
        Vec::new()
    };
    let checkups = if shown.checkups {
        store::checkups(db, CheckupsOf::Recipient(recipient_id), None)
            .await?
            .iter()
            .map(|(_, c)| to_portal_checkup(c))
            .collect()
    } else {
        Vec::new()
    };
    Ok((medications, checkups))
}

/// What `GET /api/me/health` (portal.rs) answers before 閲覧制限: everything the recipient
/// has, newest 薬剤情報 first, 健診 oldest first with the standard reference ranges filled
/// in, and a note in plain words. The office's 受診状況 (`crate::visits`) shows the same.
/// The caller audits the read.
pub async fn portal_health(db: &Db, recipient_id: i64) -> anyhow::Result<PortalHealth> {
    let (medications, mut checkups) = records_for(
        db,
        recipient_id,
        Shown {
            drugs: true,
            checkups: true,
        },
    )
    .await?;
    fill_checkup_standard_references(&mut checkups);
    let note = if medications.is_empty() && checkups.is_empty() {
        "あなたの薬剤情報・健診結果は、まだ登録されていません。"
    } else {
        "福祉事務所に届いた薬剤情報と健診結果です。気になることは、かかりつけの医師や薬剤師に相談してください。"
    };
    Ok(PortalHealth {
        available: true,
        note: note.to_string(),
        medications,
        checkups,
        restricted: false,
    })
}

// ---------------------------------------------------------------- 向精神薬 screen

/// The 向精神薬 screen of one office and 診療年月. Audited as a read of every candidate.
pub async fn psychotropic_screen(
    db: &Db,
    caller: &Caller,
    office: &str,
    month: (i32, u32),
) -> anyhow::Result<PsychotropicScreen> {
    let month_text = format!("{:04}-{:02}", month.0, month.1);
    let records =
        store::dispensings(&db.pool, DispensingsOf::OfficeMonth(office, &month_text)).await?;
    let mut names: HashMap<String, String> = HashMap::new();
    let mut dispensings = Vec::new();
    for r in &records {
        names
            .entry(r.institution_code.clone())
            .or_insert_with(|| r.institution_name.clone());
        let Some(classification) = r.classify() else {
            continue;
        };
        dispensings.push((
            r.recipient_id,
            psychotropic::Dispensing {
                institution: r.institution_code.clone(),
                drug_code: r.drug_code.clone(),
                drug_name: r.name.clone(),
                classification,
                category: r.category.clone(),
                quantity: r.quantity_label(),
                times: u32::try_from(r.times).unwrap_or(0),
                supply_days: r.supply_days.and_then(|d| u32::try_from(d).ok()),
                days: r
                    .dates()
                    .iter()
                    .filter_map(|d| u8::try_from(d.day()).ok())
                    .collect(),
            },
        ));
    }
    let findings = psychotropic::screen(&dispensings);
    let mut candidates = Vec::new();
    for f in findings {
        let person = people::names_in_office(&db.pool, f.recipient, office).await?;
        let Some((recipient_number, name, name_kana)) = person else {
            continue;
        };
        let institution = |code: &str| InstitutionName {
            code: code.to_string(),
            name: names.get(code).cloned().unwrap_or_default(),
        };
        candidates.push(PsychotropicCandidate {
            recipient_id: f.recipient,
            recipient_number,
            name,
            name_kana,
            reasons: f.reasons.iter().map(psychotropic::Reason::label).collect(),
            institutions: f.institutions.iter().map(|c| institution(c)).collect(),
            days_by_ingredient: f
                .days_by_ingredient
                .iter()
                .map(|(ingredient, days)| IngredientDays {
                    ingredient: ingredient.clone(),
                    days: *days,
                })
                .collect(),
            evidence: f
                .evidence
                .iter()
                .map(|d| PsychotropicEvidence {
                    institution_name: institution(&d.institution).name,
                    institution_code: d.institution.clone(),
                    drug_code: d.drug_code.clone(),
                    drug_name: d.drug_name.clone(),
                    ingredient: d.classification.ingredient.clone(),
                    matched_by: d.classification.matched_by.clone(),
                    category_label: receipt::category_label(&d.category),
                    category: d.category.clone(),
                    quantity: d.quantity.clone(),
                    times: d.times,
                    supply_days: d.supply_days,
                    dates: d
                        .days
                        .iter()
                        .filter_map(|day| {
                            NaiveDate::from_ymd_opt(month.0, month.1, u32::from(*day))
                        })
                        .map(|d| d.to_string())
                        .collect(),
                })
                .collect(),
        });
    }
    let ids: Vec<i64> = candidates.iter().map(|c| c.recipient_id).collect();
    crate::audit::record_many(
        db,
        caller,
        "screening.psychotropic",
        &ids,
        &format!("向精神薬スクリーニング {month_text}"),
    )
    .await?;
    Ok(PsychotropicScreen {
        month: month_text,
        month_label: domain::wareki::format_month(month.0, month.1),
        ingredients: psychotropic::INGREDIENTS
            .iter()
            .map(|i| i.name.to_string())
            .collect(),
        max_days: psychotropic::MAX_DAYS_PER_MONTH,
        min_institutions: u32::try_from(psychotropic::MIN_INSTITUTIONS).unwrap_or(2),
        dispensings_in_month: u64::try_from(records.len()).unwrap_or(0),
        candidates,
        note: "同じ月に2か所以上の医療機関から向精神薬が出ている方、または同じ成分が30日分を超えて出ている方です（内服の日数で数えます。院外処方・調剤レセプトは含みません）。候補であり、判断は嘱託医と確認してください。".to_string(),
    })
}

// ---------------------------------------------------------------- demo data

/// The sample 医薬品マスター (synthetic codes, docs/file-layouts.md §17), used by the demo.
const DEMO_DRUG_MASTER: &[u8] = include_bytes!("../../docs/samples/receipts/drug-master.csv");

/// Demo 健診 and 薬剤情報, for `onshi seed --profile demo` (deterministic for a `today`):
/// the sample 医薬品マスター; last fiscal year's 健診 for six card holders of each office (with
/// 未実施, 以下 and 測定不能 among the values); last month's 薬剤情報 for four of them, the first
/// of each office being a 向精神薬 screen case (two clinics). Returns lines for the report.
pub async fn seed_demo(db: &Db, today: NaiveDate) -> anyhow::Result<String> {
    let master = receipt::parse_drug_master(DEMO_DRUG_MASTER).map_err(|e| {
        anyhow::anyhow!(
            "sample drug master: {}",
            e.first().map(ToString::to_string).unwrap_or_default()
        )
    })?;
    write_drug_master(db, &master).await?;
    let fiscal_year = checkup::fiscal_year(today) - 1;
    let (year_start, _) = checkup::fiscal_year_bounds(fiscal_year)
        .ok_or_else(|| anyhow::anyhow!("fiscal year out of range"))?;
    let month_index = today.year() * 12 + i32::try_from(today.month0()).unwrap_or(0) - 1;
    let (year, month) = (
        month_index.div_euclid(12),
        u32::try_from(month_index.rem_euclid(12)).unwrap_or(0) + 1,
    );
    let month_text = format!("{year:04}-{month:02}");
    let offices = offices::numbers_in_order(&mut *db.pool.acquire().await?).await?;
    let mut sourced = Vec::new();
    let mut receipts: Vec<DemoReceipt> = Vec::new();
    let mut cases = Vec::new();
    for office in &offices {
        let people = people::demo_card_holders(&db.pool, office, year_start).await?;
        for (k, (id, number, name, sex, birth)) in people.iter().enumerate() {
            let examined_on =
                year_start + chrono::Duration::days(40 + 45 * i64::try_from(k).unwrap_or(0));
            let checkup = demo_checkup(office, number, name, *sex, birth, examined_on, k)?;
            sourced.push((
                *id,
                Sourced {
                    file: None,
                    line: None,
                    checkup,
                },
            ));
            if k >= 4 {
                continue;
            }
            let clinics =
                tickets::institutions_of_recipient_month(&db.pool, *id, &month_text, 1).await?;
            let Some(clinic) = clinics.first() else {
                continue;
            };
            if k == 0 {
                let other = institutions::other_clinic(
                    &mut *db.pool.acquire().await?,
                    clinic,
                    office.get(2..4).unwrap_or(""),
                )
                .await?;
                receipts.push((
                    *id,
                    office.clone(),
                    clinic.clone(),
                    vec![("629990001", "1", 30)],
                ));
                if let Some(other) = other {
                    receipts.push((*id, office.clone(), other, vec![("629990002", "1", 14)]));
                    cases.push(format!("{office} {number}"));
                }
            } else {
                receipts.push((
                    *id,
                    office.clone(),
                    clinic.clone(),
                    vec![("629990005", "1", 28), ("629990006", "3", 28)],
                ));
            }
        }
    }
    let matched: Vec<(i64, &Sourced)> = sourced.iter().map(|(id, s)| (*id, s)).collect();
    write_checkups(db, &matched, "seed", "seed").await?;
    let now = now_text();
    let mut tx = db.pool.begin().await?;
    let mut drugs = 0usize;
    for (n, (recipient_id, office, institution, list)) in receipts.iter().enumerate() {
        let name = institutions::name(&mut tx, institution).await?;
        let billing_month = format!("{:04}-{:02}", today.year(), today.month());
        let import_id = store::insert_receipt_import(
            &mut tx,
            &NewReceiptImport {
                file_sha256: "seed",
                institution_code: institution,
                institution_name: name.as_deref().unwrap_or_default(),
                billing_month: &billing_month,
                receipts: 1,
                drugs: i64::try_from(list.len()).unwrap_or(0),
                imported_at: &now,
                imported_by: "seed",
            },
        )
        .await?;
        let receipt_number = (n + 1).to_string();
        let rows: Vec<NewDispensing<'_>> = list
            .iter()
            .map(|(code, quantity, days)| NewDispensing {
                import_id,
                recipient_id: *recipient_id,
                office_number: office,
                institution_code: institution,
                treatment_month: month_text.clone(),
                receipt_kind: "1212",
                receipt_number: &receipt_number,
                line: 0,
                category: receipt::CATEGORY_INTERNAL,
                drug_code: code,
                quantity,
                times: i64::from(*days),
                supply_days: Some(i64::from(*days)),
                days_of_month: format!("{}", 3 + n % 20),
            })
            .collect();
        drugs += rows.len();
        store::insert_dispensings(&mut tx, &rows).await?;
    }
    tx.commit().await?;
    Ok(format!(
        "健診結果（{}）: {} 件、薬剤情報（{month_text}）: {drugs} 件。向精神薬スクリーニングの候補（{month_text}）: {}",
        checkup::fiscal_year_label(fiscal_year),
        sourced.len(),
        cases.join(" / ")
    ))
}

/// (recipient id, office, institution, [(医薬品コード, 使用量, 日数)]).
type DemoReceipt = (i64, String, String, Vec<(&'static str, &'static str, u32)>);

/// A plausible 健診 for the demo, varied by `k`; 未実施, 以下 and 測定不能 appear once each.
fn demo_checkup(
    office: &str,
    number: &str,
    name: &str,
    sex: i64,
    birth: &str,
    examined_on: NaiveDate,
    k: usize,
) -> anyhow::Result<Checkup> {
    let k32 = u32::try_from(k).unwrap_or(0);
    let kf = f64::from(k32);
    let height = 150.0 + f64::from((k32 * 7) % 25);
    let weight = 48.0 + f64::from((k32 * 11) % 30);
    let bmi = weight / (height / 100.0) / (height / 100.0);
    let n = |value: String, unit: &str| ItemValue::Numeric {
        value,
        unit: Some(unit.to_string()),
    };
    let urine = |code: &str| ItemValue::Coded {
        code: code.to_string(),
        code_system: checkup::OID_URINE_QUALITATIVE.to_string(),
    };
    let items = vec![
        ("9N001000000000001", n(format!("{height:.1}"), "cm")),
        ("9N006000000000001", n(format!("{weight:.1}"), "kg")),
        ("9N011000000000001", n(format!("{bmi:.1}"), "kg/m2")),
        (
            "9N016160100000001",
            if k == 5 {
                ItemValue::Unmeasurable
            } else {
                n(format!("{:.1}", 74.0 + 3.0 * kf), "cm")
            },
        ),
        (
            "9A751000000000001",
            n(format!("{}", 118 + 9 * k32), "mm[Hg]"),
        ),
        (
            "9A761000000000001",
            n(format!("{}", 72 + 5 * k32), "mm[Hg]"),
        ),
        ("3D010000001926101", n(format!("{}", 92 + 7 * k32), "mg/dL")),
        (
            "3D046000001906202",
            n(format!("{:.1}", 5.3 + 0.2 * kf), "%"),
        ),
        (
            "3F015000002327101",
            n(format!("{}", 90 + 25 * k32), "mg/dL"),
        ),
        ("3F070000002327101", n(format!("{}", 62 - 4 * k32), "mg/dL")),
        (
            "3F077000002327101",
            if k == 2 {
                ItemValue::NotPerformed
            } else {
                n(format!("{}", 105 + 9 * k32), "mg/dL")
            },
        ),
        ("3B035000002327201", n(format!("{}", 20 + 3 * k32), "U/L")),
        ("3B045000002327201", n(format!("{}", 16 + 4 * k32), "U/L")),
        (
            "3B090000002327101",
            if k == 3 {
                ItemValue::BelowLimit
            } else {
                n(format!("{}", 22 + 8 * k32), "U/L")
            },
        ),
        (
            "3C015000002327101",
            n(format!("{:.2}", 0.6 + 0.05 * kf), "mg/dL"),
        ),
        ("1A020000000191111", urine(if k == 4 { "3" } else { "1" })),
        ("1A010000000191111", urine(if k == 1 { "2" } else { "1" })),
    ];
    let mut checkup = Checkup {
        office: PublicPayerNumber::parse(office)
            .map_err(|e| anyhow::anyhow!("office number: {}", e.message()))?,
        recipient: RecipientNumber::parse(number)
            .map_err(|e| anyhow::anyhow!("recipient number: {}", e.message()))?,
        symbol: None,
        name: name.to_string(),
        sex: if sex == 2 { Sex::Female } else { Sex::Male },
        birth_date: NaiveDate::parse_from_str(birth, "%Y-%m-%d")?,
        postal_code: None,
        address: None,
        examined_on,
        report_kind: checkup::DEFAULT_REPORT_KIND.to_string(),
        program: checkup::DEFAULT_PROGRAM.to_string(),
        provider: Some(Provider {
            number: None,
            name: Some("健診センター（デモ）".to_string()),
        }),
        items: items
            .into_iter()
            .map(|(code, value)| CheckupItem {
                code: code.to_string(),
                value,
            })
            .collect(),
    };
    checkup.normalize();
    Ok(checkup)
}
