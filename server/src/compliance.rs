//! The operator's per-office compliance table (`/api/operator/compliance`): over a period
//! (`domain::compliance::period`), each office's 資格 decisions registered late, 医療券・調剤券
//! issued after the decision day they cover and daily feeds never fetched, by the rules of
//! `domain::compliance` (written out in docs/compliance.md) and each office's calendar with
//! its own 閉庁日. The drill-down names recipients by 受給者番号 only; reading it is audited
//! for each recipient named.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use domain::api::{
    ComplianceTable, LateRegistration, LateTicket, OfficeCompliance, OfficeComplianceDetail,
    UnfetchedFeed,
};
use domain::calendar::OfficeCalendar;
use domain::codes::TicketType;
use domain::compliance::{
    feed_unfetched, period, registration_open_days_late, ticket_days_late, ticket_decision_day,
};
use domain::qualification::QualificationKind;

use crate::auth::Caller;
use crate::db::Db;
use crate::error::ServiceError;
use crate::store::compliance as store;
use crate::{audit, deadlines, scope};

/// The cases of every office (or one), by office number.
#[derive(Default)]
struct Cases {
    registrations: Vec<(i64, LateRegistration)>,
    tickets: Vec<(i64, LateTicket)>,
    feeds: Vec<UnfetchedFeed>,
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").ok()
}

fn jst_day(instant: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(instant)
        .ok()
        .map(|t| domain::jst::date_of(t.with_timezone(&Utc)))
}

/// The first UTC instant of the JST day `day` (RFC 3339, as `created_at` is stored).
fn jst_start(day: NaiveDate) -> String {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(9);
    crate::db::instant_text(midnight.and_utc())
}

async fn cases(
    db: &Db,
    office: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<BTreeMap<String, Cases>> {
    let mut conn = db.pool.acquire().await?;
    let mut calendars: BTreeMap<String, OfficeCalendar> = BTreeMap::new();
    for (number, day) in store::closed_days(&mut conn).await? {
        if let Some(day) = date(&day) {
            calendars
                .entry(number)
                .or_default()
                .extra_closed
                .insert(day);
        }
    }
    let national = OfficeCalendar::default();
    let in_period = |d: NaiveDate| from <= d && d <= to;
    let mut out: BTreeMap<String, Cases> = BTreeMap::new();
    let (from_text, to_text) = (from.to_string(), to.to_string());
    for r in store::decisions(&mut conn, office, &from_text, &to_text).await? {
        let calendar = calendars.get(&r.office_number).unwrap_or(&national);
        let (Some(kind), Some(due)) = (
            QualificationKind::from_code(&r.kind),
            deadlines::pending_due(
                calendar,
                &r.decision_date,
                &r.source,
                r.recorded_at.as_deref(),
                r.registration_due.as_deref(),
            ),
        ) else {
            continue;
        };
        // The period is of the day the 2 開庁日 count from (a 転居: the day it was left).
        let basis = if r.source == "transfer" {
            r.recorded_at.as_deref().and_then(jst_day)
        } else {
            date(&r.decision_date)
        };
        if !basis.is_some_and(in_period) {
            continue;
        }
        let registered_on = if r.status == "registered" {
            jst_day(&r.registered_at)
        } else {
            None
        };
        let Some(open_days_late) = registration_open_days_late(calendar, due, registered_on, today)
        else {
            continue;
        };
        out.entry(r.office_number).or_default().registrations.push((
            r.recipient_id,
            LateRegistration {
                recipient_number: r.recipient_number,
                kind_label: kind.label_ja().to_string(),
                decision_date: r.decision_date,
                due_date: due.to_string(),
                registered_on: registered_on.map(|d| d.to_string()),
                open_days_late,
            },
        ));
    }
    for t in store::tickets(&mut conn, office, &jst_start(from), &to_text).await? {
        let (Some(valid_from), Some(issued_on)) = (date(&t.valid_from), jst_day(&t.created_at))
        else {
            continue;
        };
        let decision = t.decision_date.as_deref().and_then(date);
        let Some(decided) = ticket_decision_day(valid_from, decision) else {
            continue;
        };
        if !in_period(decided) {
            continue;
        }
        let Some(days_late) = ticket_days_late(issued_on, decided) else {
            continue;
        };
        let ticket_type_label = TicketType::from_code(&t.ticket_type)
            .map(|k| k.label_ja().to_string())
            .unwrap_or_default();
        out.entry(t.office_number).or_default().tickets.push((
            t.recipient_id,
            LateTicket {
                recipient_number: t.recipient_number,
                issue_number: t.issue_number,
                ticket_type_label,
                valid_from: t.valid_from,
                decision_date: decided.to_string(),
                issued_on: issued_on.to_string(),
                days_late,
                retroactive: t.retroactive_reason.is_some_and(|r| !r.is_empty()),
            },
        ));
    }
    for f in store::unfetched_feeds(&mut conn, office, &from_text, &to_text).await? {
        let built_on = jst_day(&f.built_at).unwrap_or(today);
        if !feed_unfetched(built_on, false, today) {
            continue;
        }
        out.entry(f.office_number)
            .or_default()
            .feeds
            .push(UnfetchedFeed {
                feed_date: f.feed_date,
                verification_count: u64::try_from(f.verification_count).unwrap_or(0),
                built_at: f.built_at,
            });
    }
    Ok(out)
}

fn count<T>(v: &[T]) -> u64 {
    u64::try_from(v.len()).unwrap_or(u64::MAX)
}

/// Every office's counts over the period of `month` (none: last month and this month so
/// far), worst first.
pub async fn table(
    db: &Db,
    caller: &Caller,
    month: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ComplianceTable, ServiceError> {
    scope::operator(caller)?;
    let today = domain::jst::date_of(now);
    let (from, to) = period(month, today).map_err(|e| ServiceError::Validation(vec![e]))?;
    let mut found = cases(db, None, from, to, today).await?;
    let mut conn = db.pool.acquire().await?;
    let mut offices: Vec<OfficeCompliance> = store::offices(&mut conn)
        .await?
        .into_iter()
        .map(|(office_number, office_name)| {
            let c = found.remove(&office_number).unwrap_or_default();
            let (r, t, f) = (count(&c.registrations), count(&c.tickets), count(&c.feeds));
            OfficeCompliance {
                office_number,
                office_name,
                late_registrations: r,
                late_tickets: t,
                unfetched_feeds: f,
                total: r + t + f,
            }
        })
        .collect();
    offices.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.office_number.cmp(&b.office_number))
    });
    Ok(ComplianceTable {
        from: from.to_string(),
        to: to.to_string(),
        today: today.to_string(),
        offices,
    })
}

/// The cases behind one office's counts; an office not stored is not found.
pub async fn detail(
    db: &Db,
    caller: &Caller,
    office: &str,
    month: Option<&str>,
    now: DateTime<Utc>,
) -> Result<OfficeComplianceDetail, ServiceError> {
    scope::operator(caller)?;
    let mut conn = db.pool.acquire().await?;
    let office_name = crate::store::offices::name(&mut conn, office)
        .await?
        .ok_or(ServiceError::NotFound("福祉事務所"))?;
    drop(conn);
    let today = domain::jst::date_of(now);
    let (from, to) = period(month, today).map_err(|e| ServiceError::Validation(vec![e]))?;
    let mut found = cases(db, Some(office), from, to, today).await?;
    let c = found.remove(office).unwrap_or_default();
    let ids: BTreeSet<i64> = c
        .registrations
        .iter()
        .map(|(id, _)| *id)
        .chain(c.tickets.iter().map(|(id, _)| *id))
        .collect();
    let ids: Vec<i64> = ids.into_iter().collect();
    audit::record_many(
        db,
        caller,
        "operator.compliance",
        &ids,
        &format!("運用者の遵守状況（{office} {from}〜{to}）"),
    )
    .await?;
    Ok(OfficeComplianceDetail {
        from: from.to_string(),
        to: to.to_string(),
        today: today.to_string(),
        office_number: office.to_string(),
        office_name,
        registrations: c.registrations.into_iter().map(|(_, r)| r).collect(),
        tickets: c.tickets.into_iter().map(|(_, t)| t).collect(),
        feeds: c.feeds,
    })
}
