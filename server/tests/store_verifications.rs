//! The verifications store (`server::store::verifications`): a verification round-trips
//! through insert → `by_client_id` / `by_id` → the institution's day and the office's feed,
//! with its consent; a repeated `client_id` writes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, NaiveDate, Utc};
use common::*;

use domain::api::{ConsentRecord, ConsentRequest};
use domain::codes::{QualificationValidity, ReferenceClass};
use domain::numbers::InstitutionCode;
use server::store::verifications::{self, NewVerification, Source, StoredVerification};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[tokio::test]
async fn round_trip_and_idempotency() {
    let f = fixture().await;
    let clinic = InstitutionCode::parse(CLINIC).unwrap();
    let day = date("2026-03-02");
    let card = NewVerification {
        client_id: "store-card-1",
        // 10:00 JST.
        verified_at: at("2026-03-02T01:00:00.000000Z"),
        institution: &clinic,
        office_number: TOKYO,
        recipient_number: "1234566",
        reference_class: ReferenceClass::Card,
        validity: QualificationValidity::Valid,
        source: Source::Online,
    };
    let mut tx = f.db.pool.begin().await.unwrap();
    let id = verifications::insert(&mut *tx, &card)
        .await
        .unwrap()
        .expect("a new client_id is written");
    let consent = verifications::insert_consent(
        &mut tx,
        id,
        &ConsentRequest {
            drug_info: true,
            checkup_info: false,
        },
        "2026-03-02T01:00:01.000000Z",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let expected_consent = ConsentRecord {
        drug_info: true,
        checkup_info: false,
        recorded_at: "2026-03-02T01:00:01.000000Z".to_string(),
    };
    assert_eq!(consent, expected_consent);

    // Later the same day: a typed-in number that matches nobody (offline queue).
    let not_found = NewVerification {
        client_id: "store-number-1",
        verified_at: at("2026-03-02T03:30:00.000000Z"),
        recipient_number: "9999999",
        reference_class: ReferenceClass::NumberEntry,
        validity: QualificationValidity::NotFound,
        source: Source::Offline,
        ..card
    };
    let second = verifications::insert(&f.db.pool, &not_found)
        .await
        .unwrap()
        .unwrap();

    let stored = verifications::by_client_id(&f.db.pool, "store-card-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored,
        StoredVerification {
            id,
            client_id: "store-card-1".to_string(),
            verified_at: "2026-03-02T01:00:00.000000Z".to_string(),
            verified_date: day,
            institution_code: CLINIC.to_string(),
            office_number: TOKYO.to_string(),
            recipient_number: "1234566".to_string(),
            reference_class: ReferenceClass::Card,
            validity: QualificationValidity::Valid,
            offline: false,
        }
    );
    assert_eq!(
        verifications::by_id(&f.db.pool, id).await.unwrap(),
        Some(stored.clone())
    );
    assert!(verifications::by_client_id(&f.db.pool, "nobody")
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        verifications::consent(&f.db.pool, id).await.unwrap(),
        Some(expected_consent.clone())
    );
    assert_eq!(
        verifications::consent(&f.db.pool, second).await.unwrap(),
        None
    );
    let offline = verifications::by_id(&f.db.pool, second)
        .await
        .unwrap()
        .unwrap();
    assert!(offline.offline);

    // The same client_id again (even with other values): nothing written.
    let retry = NewVerification {
        validity: QualificationValidity::Invalid,
        ..card
    };
    assert_eq!(
        verifications::insert(&f.db.pool, &retry).await.unwrap(),
        None
    );
    assert_eq!(
        verifications::by_client_id(&f.db.pool, "store-card-1")
            .await
            .unwrap(),
        Some(stored)
    );
    assert_eq!(
        verifications::count_at_institution_on(&f.db.pool, CLINIC, "2026-03-02")
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        verifications::count_of_office_on(&f.db.pool, TOKYO, "2026-03-02")
            .await
            .unwrap(),
        2
    );

    // The institution's day: newest first; names for the match only (never for a 4).
    let list = verifications::of_institution_on(&f.db.pool, &clinic, day)
        .await
        .unwrap();
    let ids: Vec<i64> = list.iter().map(|e| e.entry.id).collect();
    assert_eq!(ids, vec![second, id]);
    assert!(list[0].recipient_id.is_none());
    assert_eq!(list[0].entry.name, None);
    assert!(list[0].entry.offline);
    assert_eq!(list[0].entry.consent, None);
    assert!(list[1].recipient_id.is_some());
    assert_eq!(list[1].entry.name.as_deref(), Some("東京　一郎"));
    assert_eq!(list[1].entry.consent, Some(expected_consent));
    assert_eq!(list[1].entry.reference_class, ReferenceClass::Card);
    // Another date lists nothing.
    assert!(
        verifications::of_institution_on(&f.db.pool, &clinic, date("2026-03-03"))
            .await
            .unwrap()
            .is_empty()
    );

    // The office's feed: oldest first.
    let (feed, named_ids) = verifications::of_office_on(&f.db, TOKYO, day)
        .await
        .unwrap();
    let ids: Vec<i64> = feed.iter().map(|v| v.id).collect();
    assert_eq!(ids, vec![id, second]);
    let named = verifications::of_office_on_named(&f.db.pool, TOKYO, day)
        .await
        .unwrap();
    assert_eq!(named[0].recipient_name.as_deref(), Some("東京　一郎"));
    assert_eq!(named[1].recipient_id, None);
    assert_eq!(named_ids, vec![list[1].recipient_id.unwrap()]);
}
