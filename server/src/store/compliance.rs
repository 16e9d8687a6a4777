//! What the operator's compliance table reads (`crate::compliance` applies the rules of
//! `domain::compliance`): decisions, tickets and feed builds of every office (or one) over a
//! period, with the recipient's 受給者番号 and never a name.

use sqlx::AnyConnection;

/// A 資格 decision entered through the office portal (or left by a 転居), registered or
/// pending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    pub office_number: String,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub kind: String,
    pub decision_date: String,
    pub source: String,
    /// registered | pending
    pub status: String,
    /// UTC RFC 3339: when it was registered (pending: when it was entered).
    pub registered_at: String,
    pub recorded_at: Option<String>,
    pub registration_due: Option<String>,
}

/// Decisions of `office` (every office: `None`) decided on or after `from` (a 転居's pending
/// 廃止 whatever its date: its deadline counts from when it was left) up to `to` (ISO).
/// Imported histories and the seed's generated ones (`registered_by` `seed`) are not
/// decisions an office registered here.
pub async fn decisions(
    conn: &mut AnyConnection,
    office: Option<&str>,
    from: &str,
    to: &str,
) -> anyhow::Result<Vec<DecisionRow>> {
    let mut sql = "SELECT r.office_number, r.id AS recipient_id, r.recipient_number, e.kind, e.decision_date, \
         e.source, e.status, e.registered_at, e.recorded_at, e.registration_due \
         FROM qualification_events e JOIN recipients r ON r.id = e.recipient_id \
         WHERE e.status IN ('registered', 'pending') AND e.source IN ('decision', 'transfer') \
         AND e.registered_by <> 'seed' \
         AND ((e.decision_date >= $1 AND e.decision_date <= $2) OR e.source = 'transfer')"
        .to_string();
    if office.is_some() {
        sql.push_str(" AND r.office_number = $3");
    }
    sql.push_str(" ORDER BY r.office_number, e.decision_date, e.id");
    let mut query = sqlx::query_as::<_, DecisionRow>(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to);
    if let Some(office) = office {
        query = query.bind(office);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// A ticket issued through the office portal (not imported, not the seed's generated
/// months), with the decision day of the
/// latest registered 保護開始・再開 effective on or before its first day.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TicketRow {
    pub office_number: String,
    pub recipient_id: i64,
    pub recipient_number: String,
    pub ticket_type: String,
    pub issue_number: String,
    pub valid_from: String,
    /// UTC RFC 3339.
    pub created_at: String,
    pub retroactive_reason: Option<String>,
    pub decision_date: Option<String>,
}

/// Tickets of `office` (every office: `None`) not cancelled, first valid on or before `to`
/// and created after the UTC instant `created_after` (the period's first JST day).
pub async fn tickets(
    conn: &mut AnyConnection,
    office: Option<&str>,
    created_after: &str,
    to: &str,
) -> anyhow::Result<Vec<TicketRow>> {
    let mut sql = "SELECT t.office_number, t.recipient_id, r.recipient_number, t.ticket_type, t.issue_number, \
         t.valid_from, t.created_at, t.retroactive_reason, \
         (SELECT MAX(e.decision_date) FROM qualification_events e WHERE e.recipient_id = t.recipient_id \
          AND e.status = 'registered' AND e.kind IN ('start', 'restart') AND e.effective_date <= t.valid_from) AS decision_date \
         FROM tickets t JOIN recipients r ON r.id = t.recipient_id \
         WHERE t.status <> 'cancelled' AND t.created_by NOT IN ('import', 'seed') \
         AND t.created_at >= $1 AND t.valid_from <= $2"
        .to_string();
    if office.is_some() {
        sql.push_str(" AND t.office_number = $3");
    }
    sql.push_str(" ORDER BY t.office_number, t.valid_from, t.id");
    let mut query = sqlx::query_as::<_, TicketRow>(sqlx::AssertSqlSafe(sql))
        .bind(created_after)
        .bind(to);
    if let Some(office) = office {
        query = query.bind(office);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// A feed build nobody of the office has fetched.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedRow {
    pub office_number: String,
    pub feed_date: String,
    pub verification_count: i64,
    pub built_at: String,
}

/// The unfetched builds of `office` (every office: `None`) covering `from`..=`to` (ISO).
pub async fn unfetched_feeds(
    conn: &mut AnyConnection,
    office: Option<&str>,
    from: &str,
    to: &str,
) -> anyhow::Result<Vec<FeedRow>> {
    let mut sql = "SELECT office_number, feed_date, verification_count, built_at FROM daily_feeds \
         WHERE fetched_at IS NULL AND feed_date >= $1 AND feed_date <= $2"
        .to_string();
    if office.is_some() {
        sql.push_str(" AND office_number = $3");
    }
    sql.push_str(" ORDER BY office_number, feed_date");
    let mut query = sqlx::query_as::<_, FeedRow>(sqlx::AssertSqlSafe(sql))
        .bind(from)
        .bind(to);
    if let Some(office) = office {
        query = query.bind(office);
    }
    Ok(query.fetch_all(&mut *conn).await?)
}

/// Every office's number and name, in order.
pub async fn offices(conn: &mut AnyConnection) -> anyhow::Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT number, name FROM offices ORDER BY number")
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Every office's own 閉庁日 (office, ISO date).
pub async fn closed_days(conn: &mut AnyConnection) -> anyhow::Result<Vec<(String, String)>> {
    Ok(
        sqlx::query_as("SELECT office_number, date FROM office_closed_days")
            .fetch_all(&mut *conn)
            .await?,
    )
}
