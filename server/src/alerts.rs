//! The office's alerts (issue 13 item 1). When the daily feed of a day is built
//! (`crate::feed::build`), the offices get their alerts: the day's 未委託受診 and the
//! recipients who reached the 頻回受診候補 rule counting the month up to that day
//! (`domain::alerts::derive_day`, the screening's own rules over months M−2..M). Only a
//! recipient verified that day can bring one, so [`derive_day`] reads just those recipients'
//! months and tickets, for every office at once, and the alerts are written in bulk. They are
//! stored in `office_alerts` (`store::alerts`), keyed so that a rebuilt day neither duplicates
//! nor reopens an alert. The seed's history ([`backfill`]) screens each office's months
//! (`crate::screening::load`) day by day with the same rule.
//!
//! Caseworkers and supervisors of the office list them ([`list`]) and mark one handled
//! ([`handle`]) with what was done; a follow-up action (主治医確認 …) is also recorded as a
//! screening follow-up (`store::followups`), in the same transaction. Issuing a ticket
//! that covers a 未委託受診 settles its alert as 事後委託 ([`settle_by_ticket`]).

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};

use domain::alerts::AlertDraft;
use domain::api::{AlertAction, AlertHandleRequest, AlertList, OfficeAlert, HANDLED_SHOWN};
use domain::codes::QualificationValidity;
use domain::screening::InputBuilder;

use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::error::ServiceError;
use crate::store::{alerts, followups};

/// An office's alerts of a day, each with the 台帳 id of its recipient.
pub struct DayAlerts {
    pub office_number: String,
    pub alerts: Vec<(i64, AlertDraft)>,
}

/// Derive (read only) the alerts `date` brings to every office (`domain::alerts::derive_day`),
/// reading only what they can come from, for all offices at once (`store::alerts`): the day's
/// 資格有効性 6 visits with the tickets naming their institutions (未委託受診), and the
/// (recipient, institution) pairs visited that day with at least `MONTH_DAYS` days so far in
/// the month, with their months M−2..`date` (頻回受診). Each office's are then screened.
/// Recipients not in the 台帳 are left out (an alert links to the recipient). Sorted by office.
pub async fn derive_day(db: &Db, date: NaiveDate) -> anyhow::Result<Vec<DayAlerts>> {
    let month = domain::screening::month_of(date);
    let (first, _) = domain::screening::period(month)
        .ok_or_else(|| anyhow::anyhow!("month of {date} out of range"))?;
    let month_first = date.with_day(1).unwrap_or(date);
    let day = date.to_string();
    let months = [-2, -1, 0]
        .map(|k| domain::screening::month_label(domain::screening::shift_month(month, k)));
    let code = |v: QualificationValidity| v.code().parse::<i64>().ok();
    // The verdicts the screening counts (資格有効性 1 and 6).
    let counted: Vec<i64> = QualificationValidity::ALL
        .iter()
        .filter(|v| v.is_eligible())
        .filter_map(|v| code(*v))
        .collect();
    let unregistered = code(QualificationValidity::ValidUnregistered)
        .ok_or_else(|| anyhow::anyhow!("資格有効性 6 has no number"))?;
    let min_days = i64::from(domain::screening::MONTH_DAYS);
    let mut verifications = alerts::visits_of_day(&db.pool, &day, unregistered).await?;
    verifications.extend(
        alerts::busy_pairs_of_day(
            &db.pool,
            &day,
            &counted,
            &month_first.to_string(),
            min_days,
            &first.to_string(),
        )
        .await?,
    );
    let tickets = alerts::tickets_of_day_visits(&db.pool, &day, unregistered, &months).await?;

    struct Office {
        builder: InputBuilder,
        ids: HashMap<String, i64>,
    }
    let mut offices: BTreeMap<&str, Office> = BTreeMap::new();
    let mut skipped = 0usize;
    for v in &verifications {
        let office = offices.entry(&v.office_number).or_insert_with(|| Office {
            builder: InputBuilder::for_month(&v.office_number, month),
            ids: HashMap::new(),
        });
        let verdict = QualificationValidity::from_code(&v.validity.to_string());
        let (Some(on), Some(verdict)) = (parse_date(&v.verified_date), verdict) else {
            skipped += 1;
            continue;
        };
        if !office.ids.contains_key(&v.recipient_number) {
            office
                .builder
                .recipient(&v.recipient_number, &v.recipient_name);
            office
                .ids
                .insert(v.recipient_number.clone(), v.recipient_id);
        }
        office
            .builder
            .institution(&v.institution_code, &v.institution_name);
        office
            .builder
            .verification(&v.recipient_number, &v.institution_code, on, verdict);
    }
    for t in &tickets {
        let Some(office) = offices.get_mut(t.office_number.as_str()) else {
            continue;
        };
        let (Some(from), Some(until)) = (parse_date(&t.valid_from), parse_date(&t.valid_until))
        else {
            skipped += 1;
            continue;
        };
        let injuries: Vec<&str> = [&t.injury_name1, &t.injury_name2, &t.injury_name3]
            .into_iter()
            .filter_map(|name| name.as_deref())
            .collect();
        office.builder.ticket(
            &t.recipient_number,
            &t.institution_code,
            from,
            until,
            &injuries,
        );
    }
    if skipped > 0 {
        tracing::warn!("alerts of {date}: {skipped} rows with unreadable dates or codes left out");
    }
    Ok(offices
        .into_iter()
        .map(|(office_number, office)| {
            let input = office.builder.build();
            let alerts = domain::alerts::derive_day(&input, date)
                .into_iter()
                .filter_map(|draft| {
                    let id = office.ids.get(&draft.recipient_number).copied()?;
                    Some((id, draft))
                })
                .collect();
            DayAlerts {
                office_number: office_number.to_string(),
                alerts,
            }
        })
        .collect())
}

fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Store derived alerts inside the feed build's transaction, in bulk; how many were written.
pub async fn store(
    conn: &mut sqlx::AnyConnection,
    days: &[DayAlerts],
    now: &str,
) -> anyhow::Result<usize> {
    let new: Vec<alerts::NewAlert<'_>> = days
        .iter()
        .flat_map(|day| {
            day.alerts
                .iter()
                .map(|(recipient_id, draft)| alerts::NewAlert {
                    office_number: &day.office_number,
                    recipient_id: *recipient_id,
                    draft,
                })
        })
        .collect();
    alerts::upsert_many(conn, &new, now).await?;
    Ok(new.len())
}

/// Derive and store the alerts of every day `from..=until` for every office, oldest day
/// first, reading each office's month once (the seed's history of daily builds). How many
/// distinct alerts were found (a month's 頻回受診 alert, found again each day, counts once).
pub async fn backfill(db: &Db, from: NaiveDate, until: NaiveDate) -> anyhow::Result<usize> {
    let mut offices: Vec<String> = crate::store::offices::numbers(db)
        .await?
        .into_iter()
        .collect();
    offices.sort();
    let now = now_text();
    let mut found = std::collections::HashSet::new();
    let mut month_start = from;
    while month_start <= until {
        let month = domain::screening::month_of(month_start);
        let (year, next_month) = domain::screening::shift_month(month, 1);
        let next = NaiveDate::from_ymd_opt(year, next_month, 1)
            .ok_or_else(|| anyhow::anyhow!("month after {month_start} out of range"))?;
        let last = until.min(next.pred_opt().unwrap_or(until));
        for office in &offices {
            let loaded = crate::screening::load(db, office, month).await?;
            let mut day = DayAlerts {
                office_number: office.clone(),
                alerts: Vec::new(),
            };
            for date in month_start.iter_days().take_while(|d| *d <= last) {
                for draft in domain::alerts::derive_day(&loaded.input, date) {
                    if let Some(id) = loaded.ids.get(&draft.recipient_number) {
                        found.insert((office.clone(), draft.key()));
                        day.alerts.push((*id, draft));
                    }
                }
            }
            let mut tx = db.pool.begin().await?;
            store(&mut tx, std::slice::from_ref(&day), &now).await?;
            tx.commit().await?;
        }
        month_start = next;
    }
    Ok(found.len())
}

/// The office's open alerts and the latest handled ones, each marked `mine` when `login` is
/// the recipient's 地区担当員, with the recipient ids they name (for the audit log).
pub async fn list(db: &Db, office: &str, login: &str) -> anyhow::Result<(AlertList, Vec<i64>)> {
    let mark = |mut list: Vec<OfficeAlert>| {
        for alert in &mut list {
            alert.mine = alert.caseworker_login.as_deref() == Some(login);
        }
        list
    };
    let open = mark(alerts::open_of_office(&db.pool, office).await?);
    let handled = mark(alerts::handled_of_office(&db.pool, office, HANDLED_SHOWN).await?);
    let mut ids: Vec<i64> = open
        .iter()
        .chain(handled.iter())
        .map(|a| a.recipient_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok((AlertList { open, handled }, ids))
}

/// Mark the open alert `id` of `office` handled by `caller`, recording what was done (and,
/// for a follow-up action, the screening follow-up), audited in the same transaction.
pub async fn handle(
    db: &Db,
    office: &str,
    caller: &Caller,
    id: i64,
    req: &AlertHandleRequest,
) -> Result<OfficeAlert, ServiceError> {
    let note = req.note.trim();
    let errors = crate::screening::check_note(note, req.action.needs_note());
    let Some(alert) = alerts::of_office(&db.pool, office, id).await? else {
        return Err(ServiceError::NotFound("アラート"));
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    if let Some(done) = &alert.handled {
        return Err(already_handled(done));
    }
    let at = now_text();
    let mut tx = db.pool.begin().await.map_err(anyhow::Error::from)?;
    let handling = alerts::Handling {
        action: req.action,
        note,
        by: &caller.actor_id,
        by_name: &caller.display_name,
        at: &at,
    };
    if !alerts::mark_handled(&mut *tx, office, id, &handling).await? {
        return Err(ServiceError::Conflict(
            "このアラートは既に対応済みです。".to_string(),
        ));
    }
    if let Some(action) = req.action.followup() {
        followups::insert(
            &mut *tx,
            &followups::NewFollowup {
                office_number: office,
                recipient_id: alert.recipient_id,
                institution_code: Some(&alert.institution_code),
                month: &alert.month,
                category: Some(alert.kind.category()),
                action,
                note,
                recorded_by: &caller.actor_id,
                recorded_by_name: &caller.display_name,
                recorded_at: &at,
            },
        )
        .await?;
    }
    crate::audit::record_in(
        &mut tx,
        caller,
        "alert.handle",
        Some(alert.recipient_id),
        &format!(
            "{} {}（{}）: {}",
            alert.kind.label_ja(),
            alert.institution_name,
            alert.dates.join("、"),
            req.action.label_ja()
        ),
    )
    .await?;
    tx.commit().await.map_err(anyhow::Error::from)?;
    let mut saved = alerts::of_office(&db.pool, office, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("alert {id} unreadable"))?;
    saved.mine = saved.caseworker_login.as_deref() == Some(caller.actor_id.as_str());
    Ok(saved)
}

/// A ticket just issued in `conn`'s transaction by `caller`: the recipient's open 未委託受診
/// alerts that it covers (`domain::alerts::ticket_settles`) are marked handled as 事後委託,
/// noting its 交付番号, and audited in the same transaction. Returns how many.
pub async fn settle_by_ticket(
    conn: &mut sqlx::AnyConnection,
    office: &str,
    caller: &Caller,
    recipient_id: i64,
    ticket: &domain::ticket::Ticket,
) -> anyhow::Result<usize> {
    let open = alerts::open_of_recipient(&mut *conn, office, recipient_id).await?;
    let at = now_text();
    let note = format!("交付番号 {} の券を発行（自動）", ticket.issue_number);
    let mut settled = 0;
    for alert in open {
        let dates: Vec<NaiveDate> = alert
            .dates
            .iter()
            .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .collect();
        if !domain::alerts::ticket_settles(
            alert.kind,
            &alert.institution_code,
            &dates,
            ticket.institution_code.as_str(),
            ticket.valid_from,
            ticket.valid_until,
        ) {
            continue;
        }
        let handling = alerts::Handling {
            action: AlertAction::RetroactiveTicket,
            note: &note,
            by: &caller.actor_id,
            by_name: &caller.display_name,
            at: &at,
        };
        if alerts::mark_handled(&mut *conn, office, alert.id, &handling).await? {
            crate::audit::record_in(
                conn,
                caller,
                "alert.handle",
                Some(recipient_id),
                &format!(
                    "{} {}（{}）: {}（{}）",
                    alert.kind.label_ja(),
                    alert.institution_name,
                    alert.dates.join("、"),
                    AlertAction::RetroactiveTicket.label_ja(),
                    note
                ),
            )
            .await?;
            settled += 1;
        }
    }
    Ok(settled)
}

fn already_handled(done: &domain::api::AlertHandling) -> ServiceError {
    ServiceError::Conflict(format!(
        "このアラートは既に対応済みです（{}、{}）。",
        done.handled_by,
        done.action.label_ja()
    ))
}
