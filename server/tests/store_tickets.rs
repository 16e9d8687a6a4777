//! The tickets store (`server::store::tickets`): a ticket round-trips through insert, every
//! reader, amend and cancel with all 25 items equal; the import's upsert, the seed's batch
//! insert, the counts and the 交付番号 lookups — on SQLite, or PostgreSQL under `make test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::NaiveDate;
use common::*;

use domain::api::TicketStatus;
use domain::codes::{Presence, SingleOrCombined, TicketType, TreatmentType};
use domain::numbers::InstitutionCode;
use domain::ticket::Ticket;
use server::store::tickets::{self, NewTicket, StoredTicket};

const MONTH: &str = "2026-03";
const CREATED_AT: &str = "2026-03-02T01:00:00.000000Z";

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> InstitutionCode {
    InstitutionCode::parse(s).unwrap()
}

/// A 調剤券 with every item filled, none at its default.
fn dispensing() -> Ticket {
    Ticket {
        ticket_type: TicketType::Dispensing,
        issue_number: "202603-00042".to_string(),
        treatment_month: MONTH.to_string(),
        valid_from: date("2026-03-05"),
        valid_until: date("2026-03-25"),
        institution_code: code(PHARMACY),
        institution_name: "テスト薬局".to_string(),
        prescriber_code: Some(code(CLINIC)),
        prescriber_name: Some("テスト内科".to_string()),
        treatment_type: TreatmentType::Dispensing,
        injury_names: vec![
            "高血圧症".to_string(),
            "糖尿病".to_string(),
            "脂質異常症".to_string(),
        ],
        self_pay_amount: 1200,
        single_or_combined: SingleOrCombined::Combined,
        social_insurance: Presence::Yes,
        infection_law: Presence::No,
        elderly_care: Presence::Yes,
        prefectural_expense: Presence::No,
        district_contact: "山川 太郎".to_string(),
        handling_contact: "福祉 一郎".to_string(),
        remarks: vec![
            "後発医薬品を使用".to_string(),
            "一包化".to_string(),
            "残薬確認".to_string(),
        ],
        retroactive_reason: Some("夜間の急病".to_string()),
    }
}

/// What an amendment makes of it: a 医療券 at the clinic, every amendable item changed (the
/// 交付番号 and 診療年月 stay).
fn amended() -> Ticket {
    Ticket {
        ticket_type: TicketType::Medical,
        issue_number: "202603-00042".to_string(),
        treatment_month: MONTH.to_string(),
        valid_from: date("2026-03-01"),
        valid_until: date("2026-03-31"),
        institution_code: code(CLINIC),
        institution_name: "テスト内科".to_string(),
        prescriber_code: None,
        prescriber_name: None,
        treatment_type: TreatmentType::Outpatient,
        injury_names: vec!["感冒".to_string(), "腰痛症".to_string()],
        self_pay_amount: 0,
        single_or_combined: SingleOrCombined::Single,
        social_insurance: Presence::No,
        infection_law: Presence::Yes,
        elderly_care: Presence::No,
        prefectural_expense: Presence::Yes,
        district_contact: "川口 花子".to_string(),
        handling_contact: "窓口 二郎".to_string(),
        remarks: vec!["再診".to_string()],
        retroactive_reason: None,
    }
}

/// Every one of the 25 items, by name (a new item fails to compile here until it is checked).
fn assert_items(actual: &Ticket, expected: &Ticket, reader: &str) {
    let Ticket {
        ticket_type,
        issue_number,
        treatment_month,
        valid_from,
        valid_until,
        institution_code,
        institution_name,
        prescriber_code,
        prescriber_name,
        treatment_type,
        injury_names,
        self_pay_amount,
        single_or_combined,
        social_insurance,
        infection_law,
        elderly_care,
        prefectural_expense,
        district_contact,
        handling_contact,
        remarks,
        retroactive_reason,
    } = expected;
    assert_eq!(
        &actual.ticket_type, ticket_type,
        "{reader}: 医療券・調剤券別"
    );
    assert_eq!(&actual.issue_number, issue_number, "{reader}: 交付番号");
    assert_eq!(
        &actual.treatment_month, treatment_month,
        "{reader}: 診療年月"
    );
    assert_eq!(&actual.valid_from, valid_from, "{reader}: 有効開始日");
    assert_eq!(&actual.valid_until, valid_until, "{reader}: 有効終了日");
    assert_eq!(
        &actual.institution_code, institution_code,
        "{reader}: 指定医療機関コード"
    );
    assert_eq!(
        &actual.institution_name, institution_name,
        "{reader}: 指定医療機関名"
    );
    assert_eq!(
        &actual.prescriber_code, prescriber_code,
        "{reader}: 処方箋発行元医療機関コード"
    );
    assert_eq!(
        &actual.prescriber_name, prescriber_name,
        "{reader}: 処方箋発行元医療機関名"
    );
    assert_eq!(&actual.treatment_type, treatment_type, "{reader}: 診療別");
    assert_eq!(&actual.injury_names, injury_names, "{reader}: 傷病名1〜3");
    assert_eq!(
        &actual.self_pay_amount, self_pay_amount,
        "{reader}: 本人支払額"
    );
    assert_eq!(
        &actual.single_or_combined, single_or_combined,
        "{reader}: 単独・併用別"
    );
    assert_eq!(
        &actual.social_insurance, social_insurance,
        "{reader}: 社会保険状況"
    );
    assert_eq!(&actual.infection_law, infection_law, "{reader}: 感染症法");
    assert_eq!(
        &actual.elderly_care, elderly_care,
        "{reader}: 後期高齢者医療"
    );
    assert_eq!(
        &actual.prefectural_expense, prefectural_expense,
        "{reader}: 都道府県費"
    );
    assert_eq!(
        &actual.district_contact, district_contact,
        "{reader}: 地区担当員名"
    );
    assert_eq!(
        &actual.handling_contact, handling_contact,
        "{reader}: 取扱担当者名"
    );
    assert_eq!(&actual.remarks, remarks, "{reader}: 備考1〜3");
    assert_eq!(
        &actual.retroactive_reason, retroactive_reason,
        "{reader}: 事後委託の理由"
    );
    assert_eq!(actual, expected, "{reader}");
}

async fn recipient_id(f: &Fixture, office: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM recipients WHERE office_number = $1")
        .bind(office)
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    id
}

/// The fixture with the Tokyo recipient in `tokyo-cw`'s caseload, holding a card, and the
/// institutions' contacts filled.
async fn setup() -> (Fixture, i64) {
    let f = fixture().await;
    let id = recipient_id(&f, TOKYO).await;
    sqlx::query(
        "UPDATE recipients SET caseworker_login = 'tokyo-cw', card_held = 1, card_registered = 0 WHERE id = $1",
    )
    .bind(id)
    .execute(&f.db.pool)
    .await
    .unwrap();
    for (code, phone, address) in [
        (PHARMACY, "03-1111-2222", "東京都千代田区1-1"),
        (CLINIC, "03-3333-4444", "東京都千代田区2-2"),
    ] {
        sqlx::query("UPDATE institutions SET phone = $2, address = $3 WHERE code = $1")
            .bind(code)
            .bind(phone)
            .bind(address)
            .execute(&f.db.pool)
            .await
            .unwrap();
    }
    (f, id)
}

/// Each reader that should find the ticket, by name, with what it returned.
async fn every_reader(
    f: &Fixture,
    recipient: i64,
    institution: &str,
) -> Vec<(&'static str, Vec<StoredTicket>)> {
    let pool = &f.db.pool;
    let months = vec![
        "2026-01".to_string(),
        "2026-02".to_string(),
        MONTH.to_string(),
    ];
    let mut conn = pool.acquire().await.unwrap();
    vec![
        (
            "by_id",
            tickets::by_id(pool, TOKYO, first_id(f).await)
                .await
                .unwrap()
                .into_iter()
                .collect(),
        ),
        (
            "of_recipient_since",
            tickets::of_recipient_since(pool, TOKYO, recipient, "2026-01")
                .await
                .unwrap(),
        ),
        (
            "active_of_recipient_since",
            tickets::active_of_recipient_since(pool, recipient, "2026-01")
                .await
                .unwrap(),
        ),
        (
            "active_of_recipient_in_month",
            tickets::active_of_recipient_in_month(pool, recipient, MONTH)
                .await
                .unwrap(),
        ),
        (
            "active_for_verification",
            tickets::active_for_verification(pool, recipient, &code(institution), MONTH)
                .await
                .unwrap(),
        ),
        (
            "roster",
            tickets::roster(pool, &code(institution), MONTH)
                .await
                .unwrap(),
        ),
        (
            "active_of_office_month",
            tickets::active_of_office_month(pool, TOKYO, MONTH)
                .await
                .unwrap(),
        ),
        (
            "renewal_sources (office)",
            tickets::renewal_sources(pool, TOKYO, MONTH, None)
                .await
                .unwrap(),
        ),
        (
            "renewal_sources (caseload, in a connection)",
            tickets::renewal_sources(&mut *conn, TOKYO, MONTH, Some("tokyo-cw"))
                .await
                .unwrap(),
        ),
        (
            "issued_by_staff_between",
            tickets::issued_by_staff_between(
                pool,
                TOKYO,
                "2026-03-01T15:00:00.000000Z",
                "2026-03-02T15:00:00.000000Z",
            )
            .await
            .unwrap(),
        ),
        (
            "active_of_office_in_months",
            tickets::active_of_office_in_months(pool, TOKYO, &months)
                .await
                .unwrap(),
        ),
    ]
}

async fn first_id(f: &Fixture) -> i64 {
    let (id,): (i64,) = sqlx::query_as("SELECT MIN(id) FROM tickets")
        .fetch_one(&f.db.pool)
        .await
        .unwrap();
    id
}

fn assert_record(t: &StoredTicket, id: i64, recipient: i64, reader: &str) {
    assert_eq!(t.id, id, "{reader}: id");
    assert_eq!(t.office_number, TOKYO, "{reader}: office");
    assert_eq!(t.recipient_id, recipient, "{reader}: recipient");
    assert_eq!(t.created_at, CREATED_AT, "{reader}: created_at");
    assert_eq!(t.created_by, "tokyo-cw", "{reader}: created_by");
    assert_eq!(t.renewed_from, None, "{reader}: renewed_from");
    assert_eq!(t.holder.recipient_number, "1234566", "{reader}: 受給者番号");
    assert_eq!(t.holder.name, "東京　一郎", "{reader}: 氏名");
    assert!(t.holder.card.card_held, "{reader}: card_held");
    assert!(!t.holder.card.card_registered, "{reader}: card_registered");
    assert!(
        !t.holder.card.has_individual_number,
        "{reader}: has_individual_number"
    );
    assert!(t.institution.online_capable, "{reader}: online");
}

#[tokio::test]
async fn a_ticket_round_trips_through_insert_every_reader_amend_and_cancel() {
    let (f, recipient) = setup().await;
    let pool = &f.db.pool;
    let issued = dispensing();
    let id = tickets::insert(
        pool,
        &NewTicket {
            office_number: TOKYO,
            recipient_id: recipient,
            ticket: &issued,
            created_at: CREATED_AT,
            created_by: "tokyo-cw",
            renewed_from: None,
        },
    )
    .await
    .unwrap();

    for (reader, found) in every_reader(&f, recipient, PHARMACY).await {
        assert_eq!(found.len(), 1, "{reader}: {found:?}");
        let t = &found[0];
        assert_items(&t.ticket, &issued, reader);
        assert_record(t, id, recipient, reader);
        assert_eq!(t.status, TicketStatus::Active, "{reader}");
        assert!(t.is_active());
        assert_eq!(t.updated_at, None, "{reader}");
        assert_eq!(t.updated_by, None, "{reader}");
        assert_eq!(t.cancelled_at, None, "{reader}");
        assert_eq!(t.institution.phone.as_deref(), Some("03-1111-2222"));
        assert_eq!(t.institution.address.as_deref(), Some("東京都千代田区1-1"));
    }
    // The other office's reads and other institutions see nothing.
    assert!(tickets::by_id(pool, OSAKA, id).await.unwrap().is_none());
    assert!(tickets::roster(pool, &code(CLINIC), MONTH)
        .await
        .unwrap()
        .is_empty());

    // Amend: every amendable item changes; 交付番号 and 診療年月 stay.
    let mut asked = amended();
    asked.issue_number = "202603-99999".to_string();
    asked.treatment_month = "2026-04".to_string();
    let changed = tickets::amend(
        pool,
        TOKYO,
        id,
        &asked,
        "2026-03-03T00:00:00.000000Z",
        "tokyo-sv",
    )
    .await
    .unwrap();
    assert!(changed);
    assert!(!tickets::amend(pool, OSAKA, id, &asked, "x", "osaka-cw")
        .await
        .unwrap());
    let expected = amended();
    for (reader, found) in every_reader(&f, recipient, CLINIC).await {
        assert_eq!(found.len(), 1, "{reader} after amend: {found:?}");
        let t = &found[0];
        assert_items(&t.ticket, &expected, reader);
        assert_record(t, id, recipient, reader);
        assert_eq!(t.updated_at.as_deref(), Some("2026-03-03T00:00:00.000000Z"));
        assert_eq!(t.updated_by.as_deref(), Some("tokyo-sv"));
        assert_eq!(t.institution.phone.as_deref(), Some("03-3333-4444"));
    }
    assert!(
        tickets::active_for_verification(pool, recipient, &code(PHARMACY), MONTH)
            .await
            .unwrap()
            .is_empty(),
        "no longer at the pharmacy"
    );

    // Cancel: gone from every active read, still on the recipient screen.
    assert!(tickets::cancel(
        pool,
        TOKYO,
        id,
        "誤って交付",
        "2026-03-04T00:00:00.000000Z",
        "tokyo-cw"
    )
    .await
    .unwrap());
    assert!(!tickets::cancel(pool, TOKYO, id, "again", "x", "tokyo-cw")
        .await
        .unwrap());
    let t = tickets::by_id(pool, TOKYO, id).await.unwrap().unwrap();
    assert_items(&t.ticket, &expected, "by_id after cancel");
    assert_eq!(t.status, TicketStatus::Cancelled);
    assert_eq!(
        t.cancelled_at.as_deref(),
        Some("2026-03-04T00:00:00.000000Z")
    );
    assert_eq!(t.cancelled_by.as_deref(), Some("tokyo-cw"));
    assert_eq!(t.cancel_reason.as_deref(), Some("誤って交付"));
    assert_eq!(t.updated_at.as_deref(), Some("2026-03-04T00:00:00.000000Z"));
    for (reader, found) in every_reader(&f, recipient, CLINIC).await {
        match reader {
            "by_id" | "of_recipient_since" | "issued_by_staff_between" => {
                assert_eq!(found.len(), 1, "{reader} keeps the cancelled ticket")
            }
            _ => assert!(found.is_empty(), "{reader} shows only active tickets"),
        }
    }
}

#[tokio::test]
async fn upsert_batch_insert_counts_and_issue_numbers() {
    let (f, recipient) = setup().await;
    let pool = &f.db.pool;
    let first = dispensing();
    let new = |ticket| NewTicket {
        office_number: TOKYO,
        recipient_id: recipient,
        ticket,
        created_at: CREATED_AT,
        created_by: "import",
        renewed_from: None,
    };
    tickets::upsert_by_issue_number(pool, &new(&first))
        .await
        .unwrap();
    let id = first_id(&f).await;
    // A re-import replaces the items by 交付番号, but keeps the 事後委託の理由 and the record.
    let mut again = amended();
    again.issue_number = first.issue_number.clone();
    again.treatment_month = "2026-02".to_string();
    again.valid_from = date("2026-02-01");
    again.valid_until = date("2026-02-28");
    tickets::upsert_by_issue_number(pool, &new(&again))
        .await
        .unwrap();
    let t = tickets::by_id(pool, TOKYO, id).await.unwrap().unwrap();
    let mut expected = again.clone();
    expected.retroactive_reason = first.retroactive_reason.clone();
    assert_items(&t.ticket, &expected, "upsert");
    assert_eq!(t.created_by, "import");

    // The seed's batch: one more ticket, with a renewal link.
    let mut next = amended();
    next.issue_number = "202603-00043".to_string();
    let mut conn = pool.acquire().await.unwrap();
    tickets::insert_many(
        &mut conn,
        &[NewTicket {
            renewed_from: Some(id),
            ..new(&next)
        }],
    )
    .await
    .unwrap();
    drop(conn);
    let batch = tickets::active_of_office_month(pool, TOKYO, MONTH)
        .await
        .unwrap();
    assert_eq!(batch.len(), 1);
    assert_items(&batch[0].ticket, &next, "insert_many");
    assert_eq!(batch[0].renewed_from, Some(id));

    assert_eq!(tickets::count_all(pool).await.unwrap(), 2);
    assert_eq!(
        tickets::count_active_of_office_month(pool, TOKYO, MONTH)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tickets::count_active_at_institution_month(pool, CLINIC, "2026-02")
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tickets::count_active_by_caseworker(pool, TOKYO, MONTH)
            .await
            .unwrap(),
        vec![(Some("tokyo-cw".to_string()), 1)]
    );
    assert_eq!(
        tickets::institutions_of_recipient_month(pool, recipient, MONTH, 1)
            .await
            .unwrap(),
        vec![CLINIC.to_string()]
    );
    assert_eq!(
        tickets::issue_numbers_between(pool, TOKYO, "202603-00000", "202603-99999~")
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        tickets::max_issue_number_between(pool, TOKYO, "202603-00000", "202603-99999~")
            .await
            .unwrap()
            .as_deref(),
        Some("202603-00043")
    );
    // The same 交付番号 range in the other office is empty.
    assert_eq!(
        tickets::max_issue_number_between(pool, OSAKA, "202603-00000", "202603-99999~")
            .await
            .unwrap(),
        None
    );
    // Overlap: another active 医療券 at the clinic, same 診療別, overlapping dates.
    let mut overlapping = next.clone();
    overlapping.valid_from = date("2026-03-10");
    overlapping.valid_until = date("2026-03-12");
    assert_eq!(
        tickets::overlapping(pool, recipient, &overlapping, None)
            .await
            .unwrap()
            .as_deref(),
        Some("202603-00043")
    );
    let amended_id = batch[0].id;
    assert_eq!(
        tickets::overlapping(pool, recipient, &overlapping, Some(amended_id))
            .await
            .unwrap(),
        None
    );
}
