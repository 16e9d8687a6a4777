//! 転居 (移管): a person who holds 資格 at one office registers at another.
//!
//! The new office registers the person's record with their 個人番号; when a record with the
//! same 個人番号 exists elsewhere, the caseworker confirms that it is the same person and the
//! two records are linked to one person (`recipients.person_id`). When the new office then
//! registers its 保護開始, the old office receives a 廃止 decision as of the day before, to
//! register within 2 開庁日 like any other (it appears in its deadline list), linked to that
//! 開始. Until the old office registers it, the old numbers keep the 資格 they had; after
//! it, the old numbers answer 3 無効（新しい資格あり） for the dates the new office covers.
//!
//! Each office keeps seeing only its own record: the new office learns the old office's
//! name only, the old office only the new office's name.

use chrono::{Duration, NaiveDate};
use sqlx::AnyConnection;

use domain::qualification::{registration_due, QualificationKind};

use crate::store::offices;
use crate::store::people::{self, NewDecision};

/// After a decision of `recipient_id` (of `office`) was registered: when it is a 保護開始 of
/// a person who still holds an open 資格 at another office, record that office's 廃止 as
/// of the day before (pending, linked to `event_id`). Returns the other offices' names.
#[allow(clippy::too_many_arguments)]
pub async fn on_registered(
    conn: &mut AnyConnection,
    recipient_id: i64,
    office: &str,
    event_id: i64,
    kind: QualificationKind,
    effective: NaiveDate,
    today: NaiveDate,
    now: &str,
) -> anyhow::Result<Option<String>> {
    if kind != QualificationKind::Start {
        return Ok(None);
    }
    let others = people::other_records(conn, recipient_id).await?;
    let mut names = Vec::new();
    for other in others {
        let other_id = other.recipient_id;
        let history = people::history(conn, other_id).await?;
        let abolish_on = effective - Duration::days(1);
        // Only a 資格 still open there (or open past the new 開始) is ended; a pending
        // decision already recorded there stands.
        let Ok(state) = history.state() else { continue };
        if state.apply(QualificationKind::Abolish, abolish_on).is_err() {
            continue;
        }
        let open = other.periods.last().is_some_and(|p| p.until.is_none());
        let pending = people::pending_count(conn, other_id).await?;
        if !open || pending > 0 {
            continue;
        }
        let calendar = offices::calendar(conn, &other.office_number).await?;
        let by = format!("移管:{office}");
        people::insert_decision(
            conn,
            &NewDecision {
                recipient_id: other_id,
                kind: QualificationKind::Abolish,
                effective: abolish_on,
                decision: today,
                status: "pending",
                registration_due: Some(registration_due(&calendar, today)),
                at: now,
                by: &by,
                source: "transfer",
                linked_event_id: Some(event_id),
            },
        )
        .await?;
        names.push(other.office_name);
    }
    Ok((!names.is_empty()).then(|| names.join("、")))
}
