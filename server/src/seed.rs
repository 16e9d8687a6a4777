//! Seed data. `demo`: two offices in different prefectures, ~300 recipients, ~60
//! institutions of every 点数表, tickets for this month and the last two, and three months
//! of verifications with frequent visitors and 未委託 visits — deterministic for a given
//! `today`. `national`: the national scale of product.md §7, for load and size figures.
//!
//! All names, addresses and phone numbers are fictional.

use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use domain::api::Role;
use domain::codes::{
    Presence, QualificationValidity, ReferenceClass, SingleOrCombined, TicketType, TreatmentType,
};
use domain::numbers::{IndividualNumber, InstitutionCode, PublicPayerNumber, RecipientNumber};
use domain::qualification::QualificationKind;
use domain::screening::{self, DuplicateKind};
use domain::ticket::Ticket;

use crate::db::{now_text, Db};
use crate::keys::Keys;
use crate::store;
use crate::store::institutions::NewInstitution;
use crate::store::offices::NewOffice;
use crate::store::tickets::NewTicket;
use crate::store::verifications::{NewVerification, Source};

/// Every demo account's password (README: "Demo logins").
pub const DEMO_PASSWORD: &str = "demo-pass";
/// Every demo card's PIN.
pub const DEMO_PIN: &str = "1234";

const SURNAMES: &[(&str, &str)] = &[
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("山本", "ヤマモト"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("佐々木", "ササキ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
];
const GIVEN_MALE: &[(&str, &str)] = &[
    ("一郎", "イチロウ"),
    ("健太", "ケンタ"),
    ("誠", "マコト"),
    ("浩", "ヒロシ"),
    ("大輔", "ダイスケ"),
    ("翔太", "ショウタ"),
    ("茂", "シゲル"),
    ("勇", "イサム"),
    ("拓也", "タクヤ"),
    ("修", "オサム"),
];
const GIVEN_FEMALE: &[(&str, &str)] = &[
    ("花子", "ハナコ"),
    ("美咲", "ミサキ"),
    ("洋子", "ヨウコ"),
    ("恵子", "ケイコ"),
    ("陽子", "ヨウコ"),
    ("さくら", "サクラ"),
    ("幸子", "サチコ"),
    ("直美", "ナオミ"),
    ("愛", "アイ"),
    ("久美子", "クミコ"),
];
const INJURIES: &[&str] = &[
    "高血圧症",
    "2型糖尿病",
    "腰痛症",
    "慢性胃炎",
    "変形性膝関節症",
    "気管支喘息",
    "不眠症",
    "脂質異常症",
    "うつ病",
    "慢性心不全",
];

struct OfficeSeed {
    number: &'static str,
    name: &'static str,
    postal: &'static str,
    address: &'static str,
    phone: &'static str,
    prefecture: u32,
    recipients: usize,
    town: &'static str,
}

const OFFICES: &[OfficeSeed] = &[
    OfficeSeed {
        number: "12131017",
        name: "みなと台区福祉事務所",
        postal: "105-0011",
        address: "東京都みなと台区芝公園一丁目1番1号",
        phone: "03-5555-0101",
        prefecture: 13,
        recipients: 170,
        town: "東京都みなと台区",
    },
    OfficeSeed {
        number: "12270138",
        name: "なにわ北市福祉事務所",
        postal: "530-0001",
        address: "大阪府なにわ北市梅田二丁目2番2号",
        phone: "06-5555-0202",
        prefecture: 27,
        recipients: 130,
        town: "大阪府なにわ北市",
    },
];

/// (点数表, name stem, count per prefecture)
const INSTITUTION_KINDS: &[(u8, &str, usize)] = &[
    (1, "クリニック", 14),
    (3, "歯科医院", 5),
    (4, "薬局", 8),
    (6, "訪問看護ステーション", 3),
];
const PLACE_NAMES: &[&str] = &[
    "みなと台",
    "さくら",
    "ひかり",
    "青葉",
    "中央",
    "あおぞら",
    "けやき",
    "ふれあい",
    "若葉",
    "すずらん",
    "本町",
    "駅前",
    "つばさ",
    "こもれび",
];
const OSAKA_PLACE_NAMES: &[&str] = &[
    "なにわ",
    "北浜",
    "天満",
    "中之島",
    "堂島",
    "淀川",
    "梅田",
    "みどり",
    "いちょう",
    "水都",
    "船場",
    "天神",
    "きた",
    "うめ",
];
const CLINIC_KINDS: &[&str] = &[
    "内科",
    "整形外科",
    "ファミリー",
    "こころの",
    "眼科",
    "皮膚科",
    "耳鼻咽喉科",
];

pub struct DemoInstitution {
    pub code: String,
    pub name: String,
    pub score_table: u8,
    pub prefecture: u32,
    pub online: bool,
}

fn institution_code(prefecture: u32, table: u8, serial: usize) -> anyhow::Result<String> {
    let body = format!(
        "{prefecture:02}{table}{:02}{:04}",
        1 + serial / 50,
        1000 + serial
    );
    InstitutionCode::from_body(&body)
        .map(|c| c.as_str().to_string())
        .map_err(|e| anyhow::anyhow!("{}", e.message()))
}

pub fn demo_institutions() -> anyhow::Result<Vec<DemoInstitution>> {
    let mut out = Vec::new();
    for (o, office) in OFFICES.iter().enumerate() {
        let mut serial = 0usize;
        for (table, stem, count) in INSTITUTION_KINDS {
            for k in 0..*count {
                // Each prefecture gets its own place names.
                let places = if o == 0 {
                    PLACE_NAMES
                } else {
                    OSAKA_PLACE_NAMES
                };
                let place = places[k % places.len()];
                let name = match table {
                    1 if k == 0 => format!("{place}中央病院"),
                    1 => format!("{place}{}{stem}", CLINIC_KINDS[k % CLINIC_KINDS.len()]),
                    _ => format!("{place}{stem}"),
                };
                out.push(DemoInstitution {
                    code: institution_code(office.prefecture, *table, serial)?,
                    name,
                    score_table: *table,
                    prefecture: office.prefecture,
                    // Every 7th is not yet online-capable (paper tickets).
                    online: serial % 7 != 6,
                });
                serial += 1;
            }
        }
    }
    Ok(out)
}

fn month_start(date: NaiveDate, back: i32) -> NaiveDate {
    let months = date.year() * 12 + date.month0() as i32 - back;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(date)
}

fn month_end(start: NaiveDate) -> NaiveDate {
    month_start(start, -1) - Duration::days(1)
}

fn ym(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}

/// A JST time of day on `date`, as stored (UTC text).
fn jst_utc(date: NaiveDate, hour: u32, minute: u32) -> chrono::DateTime<chrono::Utc> {
    let local = date.and_hms_opt(hour, minute, 0).unwrap_or_default();
    domain::jst::offset()
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}

struct Person {
    id: i64,
    office: &'static str,
    number: String,
    name: String,
    qualified_from: NaiveDate,
    qualified_until: Option<NaiveDate>,
    card: bool,
    restricted: bool,
}

/// The first office's own 閉庁日 in the demo: its 区制記念日 (10月1日, moved to the Monday
/// after a weekend), the next one at least 30 days ahead, so that no deadline the seed makes
/// (all within the last 30 days, computed on the national calendar) moves.
fn demo_closed_day(today: NaiveDate) -> domain::closed_days::ClosedDay {
    let mut year = today.year();
    loop {
        let mut date = NaiveDate::from_ymd_opt(year, 10, 1).unwrap_or(today);
        while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            date += Duration::days(1);
        }
        if date >= today + Duration::days(30) {
            return domain::closed_days::ClosedDay {
                date,
                reason: "区制記念日".to_string(),
            };
        }
        year += 1;
    }
}

/// Each office's recipients are its demo caseworker's caseload, and two 資格 decisions wait
/// for registration in the first office: one overdue, one due today (when today is a 開庁日).
async fn demo_caseloads(
    tx: &mut sqlx::AnyConnection,
    people: &[Person],
    today: NaiveDate,
    now: &str,
) -> anyhow::Result<()> {
    for (office, login) in [
        (OFFICES[0].number, "tokyo-cw"),
        (OFFICES[1].number, "osaka-cw"),
    ] {
        store::people::assign_office_caseload(&mut *tx, office, login).await?;
    }
    let calendar = domain::calendar::OfficeCalendar::default();
    let due = |d: NaiveDate| domain::qualification::registration_due(&calendar, d);
    let overdue = (1..30)
        .map(|back| today - Duration::days(back))
        .find(|d| due(*d) < today);
    let due_today = (0..30)
        .map(|back| today - Duration::days(back))
        .find(|d| due(*d) == today);
    let month_end = month_end(month_start(today, 0));
    let active = people
        .iter()
        .filter(|p| p.office == OFFICES[0].number && p.qualified_until.is_none())
        .skip(10);
    for (person, decision) in active.zip([overdue, due_today]) {
        let Some(decision) = decision else { continue };
        store::people::insert_seed_pending_abolish(
            &mut *tx,
            person.id,
            month_end,
            decision,
            due(decision),
            "tokyo-cw",
            now,
        )
        .await?;
    }
    Ok(())
}

/// The operator's compliance table shows a case of each count (docs/compliance.md): in the
/// first office, a recipient the story leaves without tickets was 停止 early last month and
/// 再開 a week later; the 再開 was registered late and its 医療券, covering it from its first
/// day, was issued days after the decision. (The seed's generated histories and months of
/// tickets are not counted: they were not entered at a desk.)
async fn demo_compliance(
    tx: &mut sqlx::AnyConnection,
    people: &[Person],
    institutions: &[DemoInstitution],
    month: NaiveDate,
    issue_seq: usize,
) -> anyhow::Result<()> {
    let office = OFFICES[0].number;
    let local: Vec<&Person> = people.iter().filter(|p| p.office == office).collect();
    // Every fourth recipient (but the short intensive case) holds no tickets in the story.
    let Some(person) = local.iter().enumerate().rev().find_map(|(i, p)| {
        (i % 4 == 3
            && i != 3
            && !p.restricted
            && p.qualified_until.is_none()
            && p.qualified_from < month)
            .then_some(*p)
    }) else {
        return Ok(());
    };
    let Some(clinic) = institutions
        .iter()
        .find(|i| i.prefecture == OFFICES[0].prefecture && i.score_table == 1)
    else {
        return Ok(());
    };
    let at = |day: NaiveDate, hour: u32| crate::db::instant_text(jst_utc(day, hour, 0));
    let day = |n: i64| month + Duration::days(n);
    for (kind, effective, decision, registered) in [
        (QualificationKind::Suspend, day(1), day(1), day(1)),
        // Due 2 開庁日 after the decision: registered two weeks later.
        (QualificationKind::Restart, day(5), day(8), day(22)),
    ] {
        let registered_at = at(registered, 10);
        store::people::insert_decision(
            &mut *tx,
            &store::people::NewDecision {
                recipient_id: person.id,
                kind,
                effective,
                decision,
                status: "registered",
                registration_due: None,
                at: &registered_at,
                by: "tokyo-cw",
                source: "decision",
                linked_event_id: None,
            },
        )
        .await?;
    }
    store::people::refresh_current_period(&mut *tx, person.id, &at(day(22), 10)).await?;
    let mut ticket = retroactive_ticket(clinic, month, day(5), issue_seq + 1)?;
    ticket.valid_until = month_end(month);
    ticket.injury_names = vec!["腰痛症".to_string()];
    ticket.remarks = Vec::new();
    ticket.retroactive_reason = None;
    let issued_at = at(day(15), 9);
    store::tickets::insert_many(
        &mut *tx,
        &[NewTicket {
            office_number: office,
            recipient_id: person.id,
            ticket: &ticket,
            created_at: &issued_at,
            created_by: "tokyo-cw",
            renewed_from: None,
        }],
    )
    .await?;
    Ok(())
}

/// The first office's daily feeds of three and two days ago: both built the next morning,
/// the later one fetched by its caseworker, the earlier never (the operator's 未取得).
async fn demo_feeds(db: &Db, today: NaiveDate) -> anyhow::Result<()> {
    let office = OFFICES[0].number;
    let mut conn = db.pool.acquire().await?;
    for (back, fetched) in [(3, false), (2, true)] {
        let date = today - Duration::days(back);
        let count =
            store::verifications::count_of_office_on(&mut *conn, office, &date.to_string()).await?;
        let built = date + Duration::days(1);
        let built_at = crate::db::instant_text(jst_utc(built, 6, 0));
        store::feeds::record(
            &mut conn,
            office,
            &date.to_string(),
            i64::try_from(count).unwrap_or(0),
            &built_at,
        )
        .await?;
        if fetched {
            let at = crate::db::instant_text(jst_utc(built, 9, 0));
            store::feeds::mark_fetched(&mut *conn, office, date, &at, "tokyo-cw").await?;
        }
    }
    Ok(())
}

/// Open days of a clinic in the demo: every day but Sunday.
fn clinic_days(from: NaiveDate, to: NaiveDate) -> Vec<NaiveDate> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday() != Weekday::Sun)
        .collect()
}

pub async fn demo(
    db: &Db,
    keys: &Keys,
    data_dir: &Path,
    today: NaiveDate,
) -> anyhow::Result<String> {
    if store::offices::count_all(db).await? > 0 {
        anyhow::bail!("データベースに既にデータがあります。デモデータは空のデータベースにだけ入れられます（--if-empty で何もせず終了）");
    }
    let mut rng = StdRng::seed_from_u64(20240301);
    let now = now_text();
    let institutions = demo_institutions()?;
    let m0 = month_start(today, 0);
    let months = [month_start(today, 2), month_start(today, 1), m0];
    let yesterday = today - Duration::days(1);

    let mut tx = db.pool.begin().await?;
    let office_rows: Vec<NewOffice> = OFFICES
        .iter()
        .map(|o| NewOffice {
            number: o.number.to_string(),
            name: o.name.to_string(),
            postal_code: Some(o.postal.to_string()),
            address: Some(o.address.to_string()),
            phone: Some(o.phone.to_string()),
        })
        .collect();
    store::offices::insert_many(&mut tx, &office_rows).await?;
    let closed = demo_closed_day(today);
    store::offices::insert_closed_day(
        &mut tx,
        OFFICES[0].number,
        &closed,
        &now_text(),
        "デモデータ",
    )
    .await?;
    let inst_rows: Vec<NewInstitution> = institutions
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let office = OFFICES.iter().find(|o| o.prefecture == inst.prefecture);
            NewInstitution {
                code: inst.code.clone(),
                name: inst.name.clone(),
                score_table: inst.score_table,
                online_capable: inst.online,
                postal_code: office.map(|o| o.postal.to_string()),
                address: office.map(|o| format!("{}{}丁目{}番", o.town, 1 + i % 5, 1 + i % 9)),
                phone: office.map(|o| format!("{}-5555-{:04}", &o.phone[..2], 1000 + i)),
            }
        })
        .collect();
    store::institutions::insert_many(&mut tx, &inst_rows).await?;

    // Recipients.
    let mut people: Vec<Person> = Vec::new();
    for (o, office) in OFFICES.iter().enumerate() {
        for k in 0..office.recipients {
            let male = rng.gen_bool(0.5);
            let (sur, sur_kana) = SURNAMES[rng.gen_range(0..SURNAMES.len())];
            let (given, given_kana) = if male {
                GIVEN_MALE[rng.gen_range(0..GIVEN_MALE.len())]
            } else {
                GIVEN_FEMALE[rng.gen_range(0..GIVEN_FEMALE.len())]
            };
            let number = RecipientNumber::from_body(&format!("{:06}", 100001 + o * 50000 + k))
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            let birth = NaiveDate::from_ymd_opt(
                rng.gen_range(1938..2016),
                rng.gen_range(1..=12),
                rng.gen_range(1..=28),
            )
            .unwrap_or(today);
            let qualified_from = months[0] - Duration::days(rng.gen_range(30..2000));
            // About one in twenty: 保護 ended (廃止) last month.
            let qualified_until =
                (k % 20 == 19).then(|| months[1] + Duration::days(rng.gen_range(0..20)));
            // One 閲覧制限 recipient (DV victim) in Tokyo; they hold a card, so the portal shows it.
            let restricted = o == 0 && k == 7;
            let card = k % 10 < 7 || restricted;
            let card_registered = card && k % 10 != 6;
            let individual = if k % 3 == 0 {
                let body = format!(
                    "{:011}",
                    rng.gen_range(10_000_000_000u64..99_999_999_999u64)
                );
                let n = IndividualNumber::from_body(&body)
                    .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
                Some(keys.seal(n.as_str())?)
            } else {
                None
            };
            let name = format!("{sur}　{given}");
            let kana = format!("{sur_kana}　{given_kana}");
            let address = format!(
                "{}{}丁目{}番{}号",
                office.town,
                1 + k % 6,
                1 + k % 15,
                1 + k % 20
            );
            let case_number = format!("C{:05}", 1 + k);
            let id = store::people::insert_seed_record(
                &mut tx,
                &store::people::SeedRecord {
                    office_number: office.number,
                    recipient_number: number.as_str(),
                    individual_number: individual,
                    name: &name,
                    name_kana: &kana,
                    sex: if male { 1 } else { 2 },
                    birth_date: birth,
                    postal_code: office.postal,
                    address: &address,
                    case_number: &case_number,
                    card_held: card,
                    card_registered,
                    restricted,
                    qualified_from,
                    qualified_until,
                    now: &now,
                },
            )
            .await?;
            store::people::insert_seed_decision(
                &mut tx,
                id,
                QualificationKind::Start,
                qualified_from,
                &now,
            )
            .await?;
            if let Some(until) = qualified_until {
                store::people::insert_seed_decision(
                    &mut tx,
                    id,
                    QualificationKind::Abolish,
                    until,
                    &now,
                )
                .await?;
            }
            people.push(Person {
                id,
                office: office.number,
                number: number.as_str().to_string(),
                name,
                qualified_from,
                qualified_until,
                card,
                restricted,
            });
        }
    }
    crate::store::people::ensure_people(&mut tx).await?;
    demo_caseloads(&mut tx, &people, today, &now).await?;

    // Tickets and verifications.
    let mut tickets: Vec<(&'static str, i64, Ticket)> = Vec::new();
    let mut verifications: Vec<SeedVerification> = Vec::new();
    let mut issue_seq = 0usize;
    let mut frequent = Vec::new();
    let mut unentrusted = Vec::new();
    // 重複調剤 and 重複受診 last month: one recipient of each office each (docs/screening.md).
    let (mut dispensing, mut visits) = (Vec::new(), Vec::new());
    let mut planted: Vec<(&str, DuplicateKind)> = Vec::new();
    for (p_index, person) in people.iter().enumerate() {
        let pref = OFFICES
            .iter()
            .find(|o| o.number == person.office)
            .map_or(13, |o| o.prefecture);
        let local: Vec<&DemoInstitution> = institutions
            .iter()
            .filter(|i| i.prefecture == pref)
            .collect();
        // Spread recipients over the institutions of each kind so that every demo account's
        // institution (the first of its kind) holds tickets this month: a 調剤券 goes to
        // recipients of even index this month, a 歯科 医療券 to every fifth.
        let pick = |table: u8, slot: usize| -> Option<&DemoInstitution> {
            let of_kind: Vec<&&DemoInstitution> =
                local.iter().filter(|i| i.score_table == table).collect();
            of_kind.get(slot % of_kind.len().max(1)).map(|i| **i)
        };
        let (Some(clinic), Some(pharmacy), Some(dentist)) =
            (pick(1, p_index), pick(4, p_index / 2), pick(3, p_index / 5))
        else {
            continue;
        };
        let local_index = people[..p_index]
            .iter()
            .filter(|q| q.office == person.office)
            .count();
        // Roles in the story: the first few of each office are the screening cases.
        let is_frequent = local_index < 3;
        let is_short_intensive = local_index == 3;
        let is_unentrusted = (4..7).contains(&local_index);
        for (m, start) in months.iter().enumerate() {
            let end = month_end(*start);
            let from = (*start).max(person.qualified_from);
            let until = person.qualified_until.map_or(end, |u| u.min(end));
            if from > until || (local_index % 4 == 3 && !is_short_intensive && !is_frequent) {
                continue;
            }
            let district = if person.office == OFFICES[0].number {
                "山川 太郎"
            } else {
                "川口 花子"
            };
            let mut add_ticket = |ticket_type: TicketType,
                                  inst: &DemoInstitution,
                                  prescriber: Option<&DemoInstitution>,
                                  treatment: TreatmentType,
                                  from: NaiveDate,
                                  reason: Option<&str>|
             -> anyhow::Result<()> {
                issue_seq += 1;
                let injury = INJURIES[(p_index + issue_seq) % INJURIES.len()];
                let ticket = Ticket {
                    ticket_type,
                    issue_number: format!("{}-{:05}", start.format("%Y%m"), issue_seq),
                    treatment_month: ym(*start),
                    valid_from: from,
                    valid_until: until,
                    institution_code: demo_code(inst)?,
                    institution_name: inst.name.clone(),
                    prescriber_code: prescriber.map(demo_code).transpose()?,
                    prescriber_name: prescriber.map(|p| p.name.clone()),
                    treatment_type: treatment,
                    injury_names: if ticket_type == TicketType::Medical {
                        vec![injury.to_string()]
                    } else {
                        Vec::new()
                    },
                    self_pay_amount: if issue_seq.is_multiple_of(9) { 1200 } else { 0 },
                    single_or_combined: SingleOrCombined::Single,
                    social_insurance: Presence::No,
                    infection_law: Presence::No,
                    elderly_care: Presence::No,
                    prefectural_expense: Presence::No,
                    district_contact: district.to_string(),
                    handling_contact: "福祉 一郎".to_string(),
                    remarks: reason
                        .map(|r| format!("事後委託: {r}"))
                        .into_iter()
                        .collect(),
                    retroactive_reason: reason.map(str::to_string),
                };
                tickets.push((person.office, person.id, ticket));
                Ok(())
            };
            add_ticket(
                TicketType::Medical,
                clinic,
                None,
                TreatmentType::Outpatient,
                from,
                None,
            )?;
            if (p_index + m) % 2 == 0 {
                add_ticket(
                    TicketType::Dispensing,
                    pharmacy,
                    Some(clinic),
                    TreatmentType::Dispensing,
                    from,
                    None,
                )?;
            }
            if p_index % 5 == 0 {
                add_ticket(
                    TicketType::Medical,
                    dentist,
                    None,
                    TreatmentType::Dental,
                    from,
                    None,
                )?;
            }
            if p_index % 11 == 0 {
                if let Some(nursing) = pick(6, p_index / 11) {
                    add_ticket(
                        TicketType::Medical,
                        nursing,
                        None,
                        TreatmentType::HomeNursing,
                        from,
                        None,
                    )?;
                }
            }
            // Visit days at the clinic (verdict 1), up to yesterday.
            let last = until.min(yesterday);
            if from > last {
                continue;
            }
            let open = clinic_days(from, last);
            let wanted = if is_frequent {
                if m == 2 {
                    open.len().min(10)
                } else {
                    20.min(open.len())
                }
            } else if is_short_intensive {
                if m == 1 {
                    16.min(open.len())
                } else {
                    2.min(open.len())
                }
            } else {
                rng.gen_range(0..4usize).min(open.len())
            };
            let mut days: Vec<NaiveDate> = if is_frequent || is_short_intensive {
                open.iter().take(wanted).copied().collect()
            } else {
                (0..wanted)
                    .filter_map(|_| open.get(rng.gen_range(0..open.len())).copied())
                    .collect()
            };
            days.sort();
            days.dedup();
            let reference = if person.card { 1 } else { 2 };
            for day in &days {
                verifications.push(verification(
                    day,
                    rng.gen_range(9..17),
                    rng.gen_range(0..60),
                    &clinic.code,
                    person,
                    reference,
                    1,
                )?);
                // The pharmacy on the same day, when there is a 調剤券.
                if (p_index + m) % 2 == 0 && !is_frequent {
                    verifications.push(verification(
                        day,
                        17,
                        rng.gen_range(0..60),
                        &pharmacy.code,
                        person,
                        reference,
                        1,
                    )?);
                }
            }
            if is_frequent && m == 1 {
                frequent.push(format!(
                    "{} {}（{}）",
                    person.office, person.number, clinic.name
                ));
            }
            if is_short_intensive && m == 1 {
                frequent.push(format!(
                    "{} {}（短期集中: {}）",
                    person.office, person.number, clinic.name
                ));
            }
        }
        // 未委託 visits last month: an institution no ticket names (verdict 6).
        if is_unentrusted && person.qualified_until.is_none() {
            let start = months[1];
            let other = local
                .iter()
                .find(|i| i.score_table == 1 && i.code != clinic.code)
                .copied();
            if let Some(other) = other {
                let day1 = start + Duration::days(9);
                let day2 = start + Duration::days(16);
                verifications.push(verification(&day1, 20, 15, &other.code, person, 2, 6)?);
                verifications.push(verification(&day2, 21, 40, &other.code, person, 2, 6)?);
                // And again yesterday evening: the office home's 未委託 alert of the day (in
                // last month's list too when yesterday was in last month).
                let again = (local_index == 5).then_some(yesterday);
                if let Some(day) = again {
                    verifications.push(verification(&day, 22, 10, &other.code, person, 2, 6)?);
                }
                let again_last_month = again
                    .filter(|d| *d < months[2])
                    .map(|d| format!("、{d}"))
                    .unwrap_or_default();
                if local_index == 6 {
                    // 事後委託: the office later issued a ticket covering the first (night) visit only.
                    issue_seq += 1;
                    tickets.push((
                        person.office,
                        person.id,
                        retroactive_ticket(other, start, day1, issue_seq)?,
                    ));
                    unentrusted.push(format!(
                        "{} {}（{} {}、{} は事後委託済み）",
                        person.office, person.number, other.name, day2, day1
                    ));
                } else {
                    unentrusted.push(format!(
                        "{} {}（{} {}、{}{again_last_month}）",
                        person.office, person.number, other.name, day1, day2
                    ));
                }
            }
        }
    }
    for (p_index, person) in people.iter().enumerate() {
        let local_index = people[..p_index]
            .iter()
            .filter(|q| q.office == person.office)
            .count();
        let start = months[1];
        let day = start + Duration::days(11);
        // The story's other cases are the first seven; these come after them.
        if local_index < 8 || person.qualified_until.is_some() || person.qualified_from > start {
            continue;
        }
        let pref = OFFICES
            .iter()
            .find(|o| o.number == person.office)
            .map_or(13, |o| o.prefecture);
        let of_kind = |table: u8| -> Vec<&DemoInstitution> {
            institutions
                .iter()
                .filter(|i| i.prefecture == pref && i.score_table == table)
                .collect()
        };
        let kind = if !planted.contains(&(person.office, DuplicateKind::Dispensing)) {
            DuplicateKind::Dispensing
        } else if !planted.contains(&(person.office, DuplicateKind::Visits)) {
            DuplicateKind::Visits
        } else {
            continue;
        };
        let (table, places) = match kind {
            DuplicateKind::Dispensing => (4, 2),
            DuplicateKind::Visits => (1, screening::DUPLICATE_VISIT_INSTITUTIONS),
        };
        // Institutions the recipient's own tickets do not name: the last ones of the kind.
        let chosen: Vec<&DemoInstitution> = of_kind(table).into_iter().rev().take(places).collect();
        if chosen.len() < places {
            continue;
        }
        let reference = if person.card { 1 } else { 2 };
        let mut names = Vec::new();
        for (k, inst) in chosen.iter().enumerate() {
            // 重複調剤: the same day; 重複受診: a day apart each.
            let on = match kind {
                DuplicateKind::Dispensing => day,
                DuplicateKind::Visits => day + Duration::days(i64::try_from(k)?),
            };
            let hour = 10 + u32::try_from(k)? * 2;
            verifications.push(verification(
                &on, hour, 5, &inst.code, person, reference, 1,
            )?);
            names.push(inst.name.as_str());
        }
        let line = format!(
            "{} {}（{} {}）",
            person.office,
            person.number,
            names.join("・"),
            day
        );
        match kind {
            DuplicateKind::Dispensing => dispensing.push(line),
            DuplicateKind::Visits => visits.push(line),
        }
        planted.push((person.office, kind));
    }
    let new: Vec<NewTicket<'_>> = tickets
        .iter()
        .map(|(office, recipient_id, ticket)| NewTicket {
            office_number: office,
            recipient_id: *recipient_id,
            ticket,
            created_at: &now,
            created_by: "seed",
            renewed_from: None,
        })
        .collect();
    store::tickets::insert_many(&mut tx, &new).await?;
    demo_compliance(&mut tx, &people, &institutions, months[1], issue_seq).await?;
    let new: Vec<NewVerification<'_>> = verifications
        .iter()
        .map(SeedVerification::new_verification)
        .collect();
    store::verifications::insert_many(&mut tx, &new).await?;

    // Staff accounts.
    let tokyo_clinic = institutions
        .iter()
        .find(|i| i.prefecture == 13 && i.score_table == 1 && i.online);
    let tokyo_pharmacy = institutions
        .iter()
        .find(|i| i.prefecture == 13 && i.score_table == 4 && i.online);
    let tokyo_dentist = institutions
        .iter()
        .find(|i| i.prefecture == 13 && i.score_table == 3 && i.online);
    let tokyo_nursing = institutions
        .iter()
        .find(|i| i.prefecture == 13 && i.score_table == 6 && i.online);
    let osaka_clinic = institutions
        .iter()
        .find(|i| i.prefecture == 27 && i.score_table == 1 && i.online);
    tx.commit().await?;
    crate::store::people::backfill_digests(db, keys).await?;
    demo_feeds(db, today).await?;

    // (login, role, display name, office, institution)
    type Account = (String, Role, String, Option<String>, Option<String>);
    let mut accounts: Vec<Account> = vec![
        (
            "tokyo-cw".into(),
            Role::Caseworker,
            "山川 太郎".into(),
            Some(OFFICES[0].number.into()),
            None,
        ),
        (
            "tokyo-sv".into(),
            Role::Supervisor,
            "森 正子".into(),
            Some(OFFICES[0].number.into()),
            None,
        ),
        (
            "osaka-cw".into(),
            Role::Caseworker,
            "川口 花子".into(),
            Some(OFFICES[1].number.into()),
            None,
        ),
        (
            "operator".into(),
            Role::Operator,
            "運用担当".into(),
            None,
            None,
        ),
    ];
    for (login, inst) in [
        ("clinic", tokyo_clinic),
        ("pharmacy", tokyo_pharmacy),
        ("dental", tokyo_dentist),
        ("nursing", tokyo_nursing),
        ("osaka-clinic", osaka_clinic),
    ] {
        if let Some(inst) = inst {
            accounts.push((
                login.into(),
                Role::Clinic,
                format!("{} 受付", inst.name),
                None,
                Some(inst.code.clone()),
            ));
        }
    }
    let mut report = String::from("デモデータを作成しました。\n\nログイン（パスワードはすべて ");
    let _ = writeln!(report, "{DEMO_PASSWORD}）:");
    for (login, role, name, office, inst) in &accounts {
        crate::auth::add_user(
            db,
            login,
            DEMO_PASSWORD,
            *role,
            name,
            office.as_deref(),
            inst.as_deref(),
        )
        .await?;
        let scope = office.clone().or_else(|| inst.clone()).unwrap_or_default();
        let _ = writeln!(report, "  {login:<14} {}  {scope}", role.label_ja());
    }

    // Card files for the first card holders of each office (PIN DEMO_PIN).
    let card_dir = data_dir.join("demo-cards");
    std::fs::create_dir_all(&card_dir)?;
    let _ = writeln!(
        report,
        "\nマイナンバーカード（デモ、暗証番号 {DEMO_PIN}）: {}",
        card_dir.display()
    );
    for office in OFFICES {
        let mut holders: Vec<&Person> = people
            .iter()
            .filter(|p| p.office == office.number && p.card && p.qualified_until.is_none())
            .take(8)
            .collect();
        // The 閲覧制限 recipient always gets a card file, to show the restriction in the portal.
        for restricted in people
            .iter()
            .filter(|p| p.office == office.number && p.restricted)
        {
            if !holders.iter().any(|h| h.id == restricted.id) {
                holders.push(restricted);
            }
        }
        for person in holders {
            let marker = if person.restricted {
                "（閲覧制限あり）"
            } else {
                ""
            };
            let file =
                crate::cards::issue(db, keys, person.office, &person.number, DEMO_PIN, today)
                    .await?;
            let path = card_dir.join(format!("{}-{}.card.json", person.office, person.number));
            crate::keys::write_private(&path, &file)?;
            let _ = writeln!(report, "  {}  {}{marker}", path.display(), person.name);
        }
    }
    report.push('\n');
    for (label, cases) in [
        ("頻回受診の候補", &frequent),
        ("未委託受診", &unentrusted),
        ("重複調剤", &dispensing),
        ("重複受診", &visits),
    ] {
        let _ = writeln!(
            report,
            "{label}（{}）: {}",
            ym(months[1]),
            cases.join(" / ")
        );
    }
    // The alerts each morning's feed would have raised since the first of last month, and
    // yesterday's feed itself (issue 13 item 1): the office home shows both kinds.
    let alerts = crate::alerts::backfill(db, months[1], yesterday).await?;
    crate::feed::build(db, yesterday).await?;
    let _ = writeln!(
        report,
        "アラート（{}〜{yesterday}の日次連携）: {alerts}件",
        months[1]
    );
    // 健診 and 薬剤情報 (issue 7): last fiscal year's 健診, last month's drugs, a 向精神薬 case.
    let health = crate::health::seed_demo(db, today).await?;
    let _ = writeln!(report, "{health}");
    db.set_meta("seed.profile", "demo").await?;
    db.set_meta("seed.today", &today.to_string()).await?;
    Ok(report)
}

/// A seeded verification (source `seed`), owned until the bulk insert.
struct SeedVerification {
    client_id: String,
    verified_at: chrono::DateTime<chrono::Utc>,
    institution: InstitutionCode,
    office: &'static str,
    number: String,
    reference: ReferenceClass,
    validity: QualificationValidity,
}

impl SeedVerification {
    fn new_verification(&self) -> NewVerification<'_> {
        NewVerification {
            client_id: &self.client_id,
            verified_at: self.verified_at,
            institution: &self.institution,
            office_number: self.office,
            recipient_number: &self.number,
            reference_class: self.reference,
            validity: self.validity,
            source: Source::Seed,
        }
    }
}

fn verification(
    day: &NaiveDate,
    hour: u32,
    minute: u32,
    institution: &str,
    person: &Person,
    reference: i64,
    validity: i64,
) -> anyhow::Result<SeedVerification> {
    Ok(SeedVerification {
        client_id: format!(
            "seed:{}:{}:{}:{}:{}",
            person.office,
            person.number,
            institution,
            day,
            hour * 60 + minute
        ),
        verified_at: jst_utc(*day, hour, minute),
        institution: InstitutionCode::parse(institution)
            .map_err(|e| anyhow::anyhow!("seed 医療機関コード {institution}: {e}"))?,
        office: person.office,
        number: person.number.clone(),
        reference: ReferenceClass::from_code(&reference.to_string())
            .ok_or_else(|| anyhow::anyhow!("seed 照会区分 {reference}"))?,
        validity: QualificationValidity::from_code(&validity.to_string())
            .ok_or_else(|| anyhow::anyhow!("seed 資格有効性 {validity}"))?,
    })
}

fn retroactive_ticket(
    inst: &DemoInstitution,
    month: NaiveDate,
    day: NaiveDate,
    seq: usize,
) -> anyhow::Result<Ticket> {
    Ok(Ticket {
        ticket_type: TicketType::Medical,
        issue_number: format!("{}-{:05}", month.format("%Y%m"), seq),
        treatment_month: ym(month),
        valid_from: day,
        valid_until: day,
        institution_code: demo_code(inst)?,
        institution_name: inst.name.clone(),
        prescriber_code: None,
        prescriber_name: None,
        treatment_type: TreatmentType::Outpatient,
        injury_names: vec!["急性胃腸炎".to_string()],
        self_pay_amount: 0,
        single_or_combined: SingleOrCombined::Single,
        social_insurance: Presence::No,
        infection_law: Presence::No,
        elderly_care: Presence::No,
        prefectural_expense: Presence::No,
        district_contact: "山川 太郎".to_string(),
        handling_contact: "福祉 一郎".to_string(),
        remarks: vec!["事後委託: 夜間の急病".to_string()],
        retroactive_reason: Some("夜間の急病".to_string()),
    })
}

/// A demo institution's code, typed.
fn demo_code(inst: &DemoInstitution) -> anyhow::Result<InstitutionCode> {
    InstitutionCode::parse(&inst.code)
        .map_err(|e| anyhow::anyhow!("demo 医療機関コード {}: {}", inst.code, e.message()))
}

/// National scale (product.md §7): 1,250 offices, 230,000 institutions, 2,000,000 recipients,
/// and this month's 医療券 for each. For measuring load time and database size.
pub async fn national(db: &Db, keys: &Keys, today: NaiveDate) -> anyhow::Result<String> {
    let _ = keys;
    if store::offices::count_all(db).await? > 0 {
        anyhow::bail!(
            "データベースに既にデータがあります。national は空のデータベースにだけ入れられます"
        );
    }
    let started = std::time::Instant::now();
    let now = now_text();
    let month = month_start(today, 0);
    let month_text = ym(month);
    let last_day = month_end(month);
    const OFFICES_N: usize = 1250;
    const INSTITUTIONS_N: usize = 230_000;
    const RECIPIENTS_N: usize = 2_000_000;

    let mut tx = db.pool.begin().await?;
    let mut offices = Vec::with_capacity(OFFICES_N);
    let mut rows = Vec::new();
    for k in 0..OFFICES_N {
        let pref = 1 + (k % 47) as u32;
        let body = format!("12{pref:02}{:03}", k / 47);
        let n =
            PublicPayerNumber::from_body(&body).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
        offices.push(n.as_str().to_string());
        rows.push(NewOffice {
            number: n.as_str().to_string(),
            name: format!("第{}福祉事務所", k + 1),
            postal_code: None,
            address: None,
            phone: None,
        });
    }
    store::offices::insert_many(&mut tx, &rows).await?;
    let mut institutions = Vec::with_capacity(INSTITUTIONS_N);
    for chunk_start in (0..INSTITUTIONS_N).step_by(10_000) {
        let mut rows = Vec::new();
        for k in chunk_start..(chunk_start + 10_000).min(INSTITUTIONS_N) {
            let pref = 1 + (k % 47) as u32;
            let table = [1u8, 1, 1, 3, 4, 4, 6][k % 7];
            let body = format!(
                "{pref:02}{table}{:02}{:04}",
                (k / 47) / 10_000,
                (k / 47) % 10_000
            );
            let c = InstitutionCode::from_body(&body)
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            institutions.push(c.clone());
            rows.push(NewInstitution {
                code: c.as_str().to_string(),
                name: format!("医療機関{}", k + 1),
                score_table: table,
                online_capable: true,
                postal_code: None,
                address: None,
                phone: None,
            });
        }
        store::institutions::insert_many(&mut tx, &rows).await?;
    }
    tx.commit().await?;
    let per_office = RECIPIENTS_N / OFFICES_N;
    for (o, office) in offices.iter().enumerate() {
        let mut tx = db.pool.begin().await?;
        let mut rows = Vec::with_capacity(per_office);
        for k in 0..per_office {
            let r = RecipientNumber::from_body(&format!("{:06}", 100000 + k))
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            rows.push(store::people::BulkRecord {
                office_number: office,
                recipient_number: r.as_str().to_string(),
                name: "被保護者　太郎",
                name_kana: "ヒホゴシャ　タロウ",
                sex: 1,
                birth_date: "1960-01-01",
                card_held: true,
                qualified_from: "2020-04-01",
                now: &now,
            });
        }
        // Each record is its own person, with its 資格 as one 保護開始.
        store::people::insert_bulk(&mut tx, &rows).await?;
        store::people::seed_start_decisions(&mut tx, office).await?;
        let ids = store::people::ids_of_office(&mut tx, office).await?;
        let tickets: Vec<(i64, Ticket)> = ids
            .iter()
            .enumerate()
            .map(|(k, id)| {
                let inst = &institutions[(o * 977 + k * 13) % institutions.len()];
                let ticket = Ticket {
                    ticket_type: TicketType::Medical,
                    issue_number: format!("{}-{:06}", month.format("%Y%m"), k),
                    treatment_month: month_text.clone(),
                    valid_from: month,
                    valid_until: last_day,
                    institution_code: inst.clone(),
                    institution_name: String::new(),
                    prescriber_code: None,
                    prescriber_name: None,
                    treatment_type: TreatmentType::Outpatient,
                    injury_names: Vec::new(),
                    self_pay_amount: 0,
                    single_or_combined: SingleOrCombined::Single,
                    social_insurance: Presence::No,
                    infection_law: Presence::No,
                    elderly_care: Presence::No,
                    prefectural_expense: Presence::No,
                    district_contact: String::new(),
                    handling_contact: String::new(),
                    remarks: Vec::new(),
                    retroactive_reason: None,
                };
                (*id, ticket)
            })
            .collect();
        let new: Vec<NewTicket<'_>> = tickets
            .iter()
            .map(|(recipient_id, ticket)| NewTicket {
                office_number: office,
                recipient_id: *recipient_id,
                ticket,
                created_at: &now,
                created_by: "seed",
                renewed_from: None,
            })
            .collect();
        store::tickets::insert_many(&mut tx, &new).await?;
        tx.commit().await?;
        if o % 100 == 99 {
            tracing::info!(
                "national seed: {} / {} offices ({:.0?})",
                o + 1,
                OFFICES_N,
                started.elapsed()
            );
        }
    }
    db.set_meta("seed.profile", "national").await?;
    Ok(format!(
        "national: 福祉事務所 {OFFICES_N}、医療機関 {INSTITUTIONS_N}、被保護者 {}、今月の医療券 {} を {:.1?} で作成しました。",
        per_office * OFFICES_N,
        per_office * OFFICES_N,
        started.elapsed()
    ))
}
