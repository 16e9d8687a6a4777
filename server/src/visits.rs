//! 受診状況 of one recipient for the 福祉事務所 (issue 13 item 2, product.md §1.2.3): the
//! verifications of the last months by institution and JST day with the tickets that cover
//! them (`domain::visits` groups and decides 未委託), and 健診・薬剤情報 exactly as the
//! recipient's portal has them (`crate::health::portal_health`).
//!
//! Scope: the caller's office (the handler takes it from `scope::office`); a recipient of
//! another office is not found. Every read is written to the audit log as `visits.read`,
//! which the recipient's 提供記録 names as the office's read of their 受診状況.
//! 閲覧制限 limits what the portal shows, not the office: places are named here as on the
//! recipient's detail page.

use std::collections::HashMap;

use chrono::NaiveDate;

use domain::api::RecipientVisits;
use domain::ticket::month_of;
use domain::visits::{first_month, visit_months, TicketRecord, VisitRecord};

use crate::auth::Caller;
use crate::db::Db;
use crate::error::ServiceError;
use crate::store::{people, tickets, verifications};

/// The audit action of a read of the 受診状況 (`domain::api::describe_access` words it).
pub const AUDIT_ACTION: &str = "visits.read";

/// What the office reads of recipient `id`: `months` calendar months up to `today`'s
/// (JST), newest first. Audited.
pub async fn recipient_visits(
    db: &Db,
    caller: &Caller,
    office: &str,
    id: i64,
    months: u32,
    today: NaiveDate,
) -> Result<RecipientVisits, ServiceError> {
    let mut conn = db.pool.acquire().await?;
    let row = people::recipient(&mut conn, office, id)
        .await?
        .ok_or(ServiceError::NotFound("受給者"))?;
    drop(conn);
    let from = first_month(today, months.saturating_sub(1));
    let records =
        verifications::of_recipient_between(&db.pool, office, &row.recipient_number, from, today)
            .await?;
    let mut names = HashMap::new();
    let records: Vec<VisitRecord> = records
        .into_iter()
        .map(|v| {
            if let Some(name) = v.institution_name {
                names.insert(v.institution_code.clone(), name);
            }
            VisitRecord {
                institution_code: v.institution_code,
                date: v.verified_date,
                validity: v.validity,
            }
        })
        .collect();
    let held: Vec<TicketRecord> =
        tickets::of_recipient_since(&db.pool, office, id, &month_of(from))
            .await?
            .into_iter()
            .filter(tickets::StoredTicket::is_active)
            .map(|t| TicketRecord {
                id: t.id,
                ticket: t.ticket,
            })
            .collect();
    let mut health = crate::health::portal_health(db, id).await?;
    if health.medications.is_empty() && health.checkups.is_empty() {
        health.note = "この方の薬剤情報・健診結果は、まだ登録されていません。".to_string();
    } else {
        health.note =
            "本人がポータルで見ているものと同じ薬剤情報・健診結果です（閲覧制限があっても、福祉事務所には医療機関名を表示します）。"
                .to_string();
    }
    crate::audit::record(
        db,
        caller,
        AUDIT_ACTION,
        Some(id),
        &format!("{}〜{}", month_of(from), month_of(today)),
    )
    .await?;
    Ok(RecipientVisits {
        recipient_id: id,
        recipient_number: row.recipient_number,
        name: row.name,
        today: today.to_string(),
        months_requested: months,
        months: visit_months(today, months, &records, &held, &names),
        health,
        restricted: row.restricted != 0,
    })
}
