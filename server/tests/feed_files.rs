//! `onshi daily-feed --out DIR`'s files and their audit rows (`feed::write_files`), across
//! more offices than one audit transaction takes (`feed::AUDIT_BATCH_OFFICES`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use domain::codes::{QualificationValidity, ReferenceClass};
use domain::numbers::InstitutionCode;
use server::store::offices::NewOffice;
use server::store::verifications::{NewVerification, Source};

#[tokio::test]
async fn every_office_gets_its_file_and_every_named_recipient_an_audit_row() {
    let f = common::fixture().await;
    let db = &f.db;
    // Offices between Tokyo and Osaka by number: Osaka's file is in the second audit batch.
    let extra: Vec<NewOffice> = (0..server::feed::AUDIT_BATCH_OFFICES)
        .map(|k| NewOffice {
            number: format!("122{k:05}"),
            name: format!("空の福祉事務所{k}"),
            postal_code: None,
            address: None,
            phone: None,
        })
        .collect();
    let mut conn = db.pool.acquire().await.unwrap();
    server::store::offices::insert_many(&mut conn, &extra)
        .await
        .unwrap();
    let date = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    let clinic = InstitutionCode::parse(common::CLINIC).unwrap();
    let at = |hour| Utc.with_ymd_and_hms(2026, 10, 1, hour, 0, 0).unwrap();
    let made = [
        (
            "a",
            common::TOKYO,
            "1234566",
            QualificationValidity::Valid,
            1,
        ),
        (
            "b",
            common::TOKYO,
            "1234566",
            QualificationValidity::Valid,
            2,
        ),
        (
            "c",
            common::OSAKA,
            "0000018",
            QualificationValidity::Valid,
            3,
        ),
        (
            "d",
            common::OSAKA,
            "9999997",
            QualificationValidity::NotFound,
            4,
        ),
    ];
    let new: Vec<NewVerification<'_>> = made
        .iter()
        .map(|(id, office, number, validity, hour)| NewVerification {
            client_id: id,
            verified_at: at(*hour),
            institution: &clinic,
            office_number: office,
            recipient_number: number,
            reference_class: ReferenceClass::NumberEntry,
            validity: *validity,
            source: Source::Online,
        })
        .collect();
    server::store::verifications::insert_many(&mut conn, &new)
        .await
        .unwrap();
    drop(conn);

    let built = server::feed::build(db, date).await.unwrap();
    assert_eq!(built.len(), 2 + server::feed::AUDIT_BATCH_OFFICES);
    let dir = f.dir.path().join("feeds");
    let written = server::feed::write_files(db, date, &dir, &built)
        .await
        .unwrap();
    assert_eq!(written.len(), built.len());
    let lines = |office: &str| {
        std::fs::read_to_string(dir.join(format!("{office}_20261001.csv")))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(lines(common::TOKYO), 3);
    assert_eq!(lines(common::OSAKA), 3);
    assert_eq!(lines("12200000"), 1, "an empty office gets its header");

    // One row per recipient each file names (a 4 names nobody), under that office's name.
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT a.actor_label, r.office_number, a.recipient_id FROM audit_log a \
         JOIN recipients r ON r.id = a.recipient_id WHERE a.action = 'feed.export' \
         ORDER BY r.office_number",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0].0, "テスト区福祉事務所（onshi daily-feed）");
    assert_eq!(rows[0].1, common::TOKYO);
    assert_eq!(rows[1].0, "テスト市福祉事務所（onshi daily-feed）");
    assert_eq!(rows[1].1, common::OSAKA);
}
