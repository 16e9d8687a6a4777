//! 請求前資格確認 on the server: read the 台帳 and the tickets the receipts need, run
//! `domain::claims::review`, store the run (`claims_checks`, `store::claims`). Used by
//! `POST /api/office/claims-check` and `onshi claims-check`; layouts in
//! `docs/file-layouts.md` (資格情報ファイル, 返戻情報ファイル).
//!
//! Also [`sample`]: a 資格情報ファイル made from the database (the demo data) with problem
//! receipts seeded on purpose, for `onshi claims-sample` and the tests that prove the check
//! finds each of them.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate};

use domain::api::ClaimsReview;
use domain::claims::{self, ClaimsFileName, Receipt, Registered, ReturnReason};
use domain::codes::QualificationValidity;
use domain::error::FieldError;
use domain::numbers::{InstitutionCode, PublicPayerNumber, RecipientNumber};
use domain::ticket::Ticket;
use domain::verdict::{decide, Qualification};

use crate::db::{now_text, Db};
use crate::store::{self, tickets};

/// A checked file: the review and the ids of the recipients it read (for the audit log).
pub struct Checked {
    pub review: ClaimsReview,
    pub recipient_ids: Vec<i64>,
}

/// Check a 資格情報ファイル (`bytes` = the ZIP). `name` is its file name when known (else the
/// CSV's inside). `office`, when given, is the only office the file may be for (a caseworker's).
/// `Ok(Err(fields))`: the file itself is wrong (every problem, nothing checked).
pub async fn check(
    db: &Db,
    office: Option<&str>,
    name: Option<&str>,
    bytes: &[u8],
) -> anyhow::Result<Result<Checked, Vec<FieldError>>> {
    let zip = bytes.to_vec();
    let (inner, text) =
        match crate::archives::expand_one_at_a_time(move || claims::read_zip(&zip)).await? {
            Ok(read) => read,
            Err(e) => return Ok(Err(vec![e])),
        };
    let file_name = name
        .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
        .unwrap_or(inner);
    let parsed = match claims::parse_file_name(&file_name) {
        Ok(parsed) => parsed,
        Err(e) => return Ok(Err(vec![e])),
    };
    if let Some(office) = office.filter(|o| *o != parsed.office.as_str()) {
        return Ok(Err(vec![FieldError::new(
            "ファイル名",
            format!(
                "このファイルは公費負担者番号 {} の福祉事務所あてです（この福祉事務所は {office}）。",
                parsed.office.as_str()
            ),
        )]));
    }
    if crate::auth::office_name(db, parsed.office.as_str())
        .await?
        .is_none()
    {
        return Ok(Err(vec![FieldError::new(
            "ファイル名",
            format!(
                "公費負担者番号 {} の福祉事務所は登録されていません。",
                parsed.office.as_str()
            ),
        )]));
    }
    let receipts = match claims::parse_receipts(&text) {
        Ok(receipts) => receipts,
        Err(rows) => {
            return Ok(Err(rows
                .into_iter()
                .map(|r| FieldError::new(format!("{}行目 {}", r.line, r.field), r.message))
                .collect()))
        }
    };
    let months: BTreeSet<String> = receipts.iter().map(|r| r.month.clone()).collect();
    let registered = load_registered(db, parsed.office.as_str(), &months).await?;
    let review = claims::review(&file_name, &parsed, &now_text(), &receipts, |number| {
        registered.get(number).map(|(_, r)| r)
    });
    let recipient_ids: BTreeSet<i64> = receipts
        .iter()
        .filter_map(|r| registered.get(&r.recipient_number).map(|(id, _)| *id))
        .collect();
    Ok(Ok(Checked {
        review,
        recipient_ids: recipient_ids.into_iter().collect(),
    }))
}

/// Every recipient of `office` with their tickets in force for `months`, by 受給者番号, with
/// their ids.
async fn load_registered(
    db: &Db,
    office: &str,
    months: &BTreeSet<String>,
) -> anyhow::Result<HashMap<String, (i64, Registered)>> {
    let rows = crate::store::people::roster(db, office).await?;
    let mut histories = crate::store::people::office_histories(db, office).await?;
    let mut elsewhere = crate::store::people::office_elsewhere(db, office).await?;
    let mut by_id: HashMap<i64, (String, Registered)> = HashMap::new();
    for (id, number, name, birth) in rows {
        let registered = Registered {
            name,
            qualification: Qualification {
                birth_date: NaiveDate::parse_from_str(&birth, "%Y-%m-%d")?,
                periods: histories.remove(&id).unwrap_or_default().periods(),
                elsewhere: elsewhere.remove(&id).unwrap_or_default(),
            },
            tickets: Vec::new(),
        };
        by_id.insert(id, (number, registered));
    }
    for month in months {
        for stored in tickets::active_of_office_month(&db.pool, office, month).await? {
            if let Some((_, registered)) = by_id.get_mut(&stored.recipient_id) {
                registered.tickets.push(stored.ticket);
            }
        }
    }
    Ok(by_id
        .into_iter()
        .map(|(id, (number, registered))| (number, (id, registered)))
        .collect())
}

/// `onshi claims-check FILE [--out RETURN_FILE]`: check, store, print the receipts to
/// return, and write the 返戻情報ファイル. Exit 2 when the file itself is wrong.
pub async fn run_check_cli(
    db: &Db,
    file: &std::path::Path,
    out: Option<&std::path::Path>,
) -> anyhow::Result<std::process::ExitCode> {
    use anyhow::Context as _;
    let bytes = std::fs::read(file).with_context(|| format!("{} を読めません", file.display()))?;
    let name = file.file_name().and_then(|n| n.to_str());
    let checked = match check(db, None, name, &bytes).await? {
        Ok(checked) => checked,
        Err(fields) => {
            for f in &fields {
                eprintln!("{}: {f}", file.display());
            }
            eprintln!("ファイルに誤りがあるため、確認していません。");
            return Ok(std::process::ExitCode::from(2));
        }
    };
    let mut review = checked.review;
    let id = store::claims::insert(&db.pool, &mut review, "onshi claims-check").await?;
    for recipient in &checked.recipient_ids {
        crate::audit::record_as(
            db,
            "operator",
            "onshi claims-check",
            "請求前資格確認（運用コマンド）",
            "claims.check",
            Some(*recipient),
            &format!("請求前資格確認 {}", review.file_name),
        )
        .await?;
    }
    println!(
        "{}: レセプト {} 件、返戻 {} 件（結果ID {id}）",
        review.file_name, review.receipt_count, review.return_count
    );
    for line in review.returns() {
        let reason = line.reason.map_or("", |r| r.code());
        println!(
            "  {}行目 {} {} {}: {}",
            line.line,
            line.receipt_id,
            reason,
            line.reason_label.as_deref().unwrap_or(""),
            line.detail
        );
    }
    if let Some(out) = out {
        let (name, zip) = claims::return_file(&review, crate::db::today_jst());
        let path = if out.is_dir() {
            out.join(&name)
        } else {
            out.to_path_buf()
        };
        std::fs::write(&path, zip)
            .with_context(|| format!("{} に書き込めません", path.display()))?;
        println!("返戻情報ファイルを書き出しました: {}", path.display());
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// `onshi claims-sample --office N --month YYYY-MM --out FILE`.
pub async fn run_sample_cli(
    db: &Db,
    office: &str,
    month: &str,
    out: &std::path::Path,
) -> anyhow::Result<std::process::ExitCode> {
    use anyhow::Context as _;
    let month = domain::wareki::parse_month_input(month)
        .map(|(y, m)| format!("{y:04}-{m:02}"))
        .map_err(|e| anyhow::anyhow!("--month: {}", e.month_message()))?;
    let sample = sample(db, office, &month).await?;
    let path = if out.is_dir() {
        out.join(&sample.file_name)
    } else {
        out.to_path_buf()
    };
    std::fs::write(&path, &sample.zip)
        .with_context(|| format!("{} に書き込めません", path.display()))?;
    println!(
        "資格情報ファイルを書き出しました: {}（レセプト {} 件、うち問題を仕込んだもの {} 件）",
        path.display(),
        sample.receipt_count,
        sample.seeded.len()
    );
    for (receipt, reason) in &sample.seeded {
        println!("  {receipt} {} {}", reason.code(), reason.label_ja());
    }
    Ok(std::process::ExitCode::SUCCESS)
}

// ---------------------------------------------------------------- sample

/// A generated 資格情報ファイル and the problem receipts seeded in it.
pub struct Sample {
    pub file_name: String,
    pub zip: Vec<u8>,
    pub receipt_count: usize,
    /// (レセプト番号, the 返戻事由 the check must find), in file order.
    pub seeded: Vec<(String, ReturnReason)>,
}

/// A 資格情報ファイル for `office` and 診療年月 `month` (`YYYY-MM`), billed the month after:
/// one receipt in order per recipient and institution with tickets that month (診療日 on
/// days the verdict is 1), then one seeded problem receipt per 返戻事由 the data allows.
pub async fn sample(db: &Db, office: &str, month: &str) -> anyhow::Result<Sample> {
    let office_number = PublicPayerNumber::parse(office)
        .map_err(|e| anyhow::anyhow!("公費負担者番号: {}", e.message()))?;
    let (first, last) = domain::ticket::month_bounds(month)
        .ok_or_else(|| anyhow::anyhow!("診療年月は YYYY-MM で指定してください"))?;
    if crate::auth::office_name(db, office).await?.is_none() {
        anyhow::bail!("公費負担者番号 {office} の福祉事務所は登録されていません");
    }
    let months = BTreeSet::from([month.to_string()]);
    let registered = load_registered(db, office, &months).await?;
    let mut people: Vec<(&String, &Registered)> =
        registered.iter().map(|(n, (_, r))| (n, r)).collect();
    people.sort_by(|a, b| a.0.cmp(b.0));
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
    let verdicts =
        |person: &Registered, institution: &InstitutionCode, validity| -> Vec<NaiveDate> {
            days.iter()
                .copied()
                .filter(|day| {
                    decide(
                        Some(&person.qualification),
                        person.qualification.birth_date,
                        &person.tickets,
                        institution,
                        *day,
                    )
                    .validity
                        == validity
                })
                .collect()
        };
    let receipt = |id: String,
                   number: &str,
                   person: &Registered,
                   institution: &InstitutionCode,
                   dates: Vec<NaiveDate>| Receipt {
        line: 0,
        receipt_id: id,
        institution: institution.clone(),
        month: month.to_string(),
        office_number: office.to_string(),
        recipient_number: number.to_string(),
        name: person.name.clone(),
        birth_date: person.qualification.birth_date,
        points: 250 + i64::try_from(dates.len()).unwrap_or(0) * 180,
        visit_dates: dates,
    };
    let mut receipts = Vec::new();
    // In order: each recipient × institution named by their tickets, on days that verify 1.
    for (number, person) in &people {
        let institutions: BTreeSet<&InstitutionCode> =
            person.tickets.iter().map(|t| &t.institution_code).collect();
        for institution in institutions {
            let valid = verdicts(person, institution, QualificationValidity::Valid);
            let picked = spread(&valid);
            if !picked.is_empty() {
                let id = format!("R{:06}", receipts.len() + 1);
                receipts.push(receipt(id, number, person, institution, picked));
            }
        }
    }
    let Some(model) = receipts.first().cloned() else {
        anyhow::bail!("{month} にこの福祉事務所の医療券・調剤券がありません（デモデータの今月・前月・前々月を指定してください）");
    };
    let mut seeded: Vec<(Receipt, ReturnReason)> = Vec::new();
    let copy = |seeded: &Vec<(Receipt, ReturnReason)>| Receipt {
        receipt_id: format!("S{:05}", seeded.len() + 1),
        ..model.clone()
    };
    // 11: another office's number.
    let other_office = other_office_number(db, office).await?;
    seeded.push((
        Receipt {
            office_number: other_office,
            ..copy(&seeded)
        },
        ReturnReason::OfficeNumber,
    ));
    // 12: a 受給者番号 with a wrong 検証番号, and a valid one nobody has.
    let typo = flip_last_digit(&model.recipient_number);
    seeded.push((
        Receipt {
            recipient_number: typo,
            ..copy(&seeded)
        },
        ReturnReason::RecipientNumber,
    ));
    if let Some(unknown) = (0..1000u32)
        .filter_map(|k| RecipientNumber::from_body(&format!("{:06}", 999_999 - k)).ok())
        .map(|n| n.as_str().to_string())
        .find(|n| !registered.contains_key(n))
    {
        seeded.push((
            Receipt {
                recipient_number: unknown,
                ..copy(&seeded)
            },
            ReturnReason::RecipientNumber,
        ));
    }
    // 13: the right person, a day off in the 生年月日.
    seeded.push((
        Receipt {
            birth_date: model.birth_date + Duration::days(1),
            ..copy(&seeded)
        },
        ReturnReason::BirthDate,
    ));
    // 22: care after 保護 ended, at an institution of one of the person's tickets.
    let ended = people.iter().find_map(|(number, person)| {
        let until = person
            .qualification
            .periods
            .last()
            .and_then(|p| p.until)
            .filter(|u| *u < last)?;
        let institution = person
            .tickets
            .first()
            .map_or(&model.institution, |t| &t.institution_code);
        let day = (until + Duration::days(1)).max(first);
        Some((number, person, institution, day))
    });
    if let Some((number, person, institution, day)) = ended {
        let id = copy(&seeded).receipt_id;
        seeded.push((
            receipt(id, number, person, institution, vec![day]),
            ReturnReason::AfterQualification,
        ));
    }
    // 21: care before 保護 started.
    let started = people.iter().find_map(|(number, person)| {
        let from = person
            .qualification
            .periods
            .first()
            .map(|p| p.from)
            .filter(|f| *f > first)?;
        Some((number, person, from))
    });
    if let Some((number, person, _)) = started {
        let id = copy(&seeded).receipt_id;
        seeded.push((
            receipt(id, number, person, &model.institution, vec![first]),
            ReturnReason::BeforeQualification,
        ));
    }
    // 31: an institution no ticket of the person names this month.
    let model_person = registered
        .get(&model.recipient_number)
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow::anyhow!("sample: model recipient vanished"))?;
    let unnamed = other_institution(db, &model.institution, model_person).await?;
    if let Some(institution) = unnamed {
        seeded.push((
            Receipt {
                institution,
                ..copy(&seeded)
            },
            ReturnReason::NoTicket,
        ));
    }
    // 32: a qualified day the person's tickets at that institution do not cover (a 事後委託
    // ticket of one day, or a ticket that starts or ends inside the month).
    let outside = people.iter().find_map(|(number, person)| {
        let institutions: BTreeSet<&InstitutionCode> =
            person.tickets.iter().map(|t| &t.institution_code).collect();
        institutions.into_iter().find_map(|institution| {
            let uncovered = verdicts(
                person,
                institution,
                QualificationValidity::ValidUnregistered,
            );
            uncovered
                .first()
                .map(|day| (number, person, institution, *day))
        })
    });
    if let Some((number, person, institution, day)) = outside {
        let id = copy(&seeded).receipt_id;
        seeded.push((
            receipt(id, number, person, institution, vec![day]),
            ReturnReason::OutsideTicket,
        ));
    }
    let expected: Vec<(String, ReturnReason)> = seeded
        .iter()
        .map(|(r, reason)| (r.receipt_id.clone(), *reason))
        .collect();
    receipts.extend(seeded.into_iter().map(|(r, _)| r));
    let billing = next_month(first);
    let name = ClaimsFileName {
        office: office_number,
        billing_month: billing.format("%Y-%m").to_string(),
    };
    let csv = claims::shikaku_csv(&receipts);
    let inner = claims::shikaku_file_name(office, &name.billing_month, "CSV");
    let zip = claims::write_zip(&inner, &domain::api::encode_cp932(&csv), billing);
    Ok(Sample {
        file_name: claims::shikaku_file_name(office, &name.billing_month, "ZIP"),
        zip,
        receipt_count: receipts.len(),
        seeded: expected,
    })
}

/// First, middle and last of `days` (fewer when there are fewer).
fn spread(days: &[NaiveDate]) -> Vec<NaiveDate> {
    let mut picked: Vec<NaiveDate> = [days.first(), days.get(days.len() / 2), days.last()]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    picked.dedup();
    picked
}

fn flip_last_digit(number: &str) -> String {
    let mut digits: Vec<char> = number.chars().collect();
    if let Some(last) = digits.last_mut() {
        let d = last.to_digit(10).unwrap_or(0);
        *last = char::from_digit((d + 1) % 10, 10).unwrap_or('0');
    }
    digits.into_iter().collect()
}

fn next_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}

/// Another registered office's number, or a valid number of no office.
async fn other_office_number(db: &Db, office: &str) -> anyhow::Result<String> {
    match crate::store::offices::first_other(db, office).await? {
        Some(number) => Ok(number),
        None => PublicPayerNumber::from_body("1247999")
            .map(|n| n.as_str().to_string())
            .map_err(|e| anyhow::anyhow!("{}", e.message())),
    }
}

/// An institution of the same 点数表 that none of `person`'s tickets names.
async fn other_institution(
    db: &Db,
    like: &InstitutionCode,
    person: &Registered,
) -> anyhow::Result<Option<InstitutionCode>> {
    let rows =
        crate::store::institutions::codes_of_score_table(db, like.score_table().code()).await?;
    let named = |code: &InstitutionCode| person.tickets.iter().any(|t: &Ticket| t.names(code));
    Ok(rows
        .into_iter()
        .filter_map(|code| InstitutionCode::parse(&code).ok())
        .find(|code| !named(code)))
}
