//! Upgrading a database of the previous release (migrations 0001–0006) to the 資格 history
//! of migration 0007: the database is built with the old schema only and filled as the old
//! code wrote it (imports overwrote the 資格取得日/資格喪失日 pair, the seed wrote a 開始,
//! decisions made in the app replaced the pair), then opened with the real `Db::open`.
//! Every old row reads the same afterwards, every record is its own person, and the covered
//! periods derived from `qualification_events` alone are what the old data meant.
//! SQLite, or PostgreSQL when `ONSHI_TEST_PG_ADMIN_URL` is set (as the other tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use serde_json::json;
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row as _};

use common::{login, send, CLINIC, OSAKA, PHARMACY, TOKYO};
use domain::api::Role;
use domain::numbers::{IndividualNumber, RecipientNumber};
use domain::qualification::{periods_of_pair, CoveredPeriod, QualificationKind};
use server::db::{Backend, Db, Value};
use server::keys::Keys;
use server::store::people;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The last migration of the previous release; the next one is under test.
const PREVIOUS: i64 = 6;

/// When the old rows were written (UTC, as stored).
const OLD_AT: &str = "2025-06-01T00:00:00.000000Z";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

// ------------------------------------------------------------------ the old database

/// A database at the previous release's schema, in `dir` (SQLite) or a fresh PostgreSQL
/// database (`url`), and the keys of that data directory.
struct Previous {
    dir: tempfile::TempDir,
    url: Option<String>,
    /// Over the old schema: only what the previous release could run on it.
    db: Db,
    keys: Arc<Keys>,
}

async fn previous_release() -> Previous {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = common::fresh_database_url().await;
    let (connect, backend) = match &url {
        Some(url) => (url.clone(), Backend::Postgres),
        // The file `Db::open(None, dir)` opens.
        None => (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("onshi.sqlite3").display()
            ),
            Backend::Sqlite,
        ),
    };
    let pool = AnyPoolOptions::new()
        .max_connections(2)
        .connect(&connect)
        .await
        .unwrap();
    let migrator = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    assert!(
        migrator.version_exists(PREVIOUS + 1),
        "the migration under test exists"
    );
    migrator.run_to(PREVIOUS, &pool).await.unwrap();
    // The pool only: the migration under test, through sqlx (no SQLite hot path).
    let db = Db {
        pool,
        backend,
        sqlite: None,
    };
    assert_eq!(
        applied_versions(&db).await,
        (1..=PREVIOUS).collect::<Vec<_>>()
    );
    let keys = Arc::new(Keys::load_or_create(dir.path()).unwrap());
    Previous { dir, url, db, keys }
}

async fn applied_versions(db: &Db) -> Vec<i64> {
    sqlx::query_as::<_, (i64,)>(
        "SELECT version FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.0)
    .collect()
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    values: &[Value],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for value in values {
        query = match value {
            Value::Text(s) => query.bind(s.clone()),
            Value::Int(i) => query.bind(*i),
            Value::Null => query.bind(Option::<String>::None),
            Value::NullInt => query.bind(Option::<i64>::None),
        };
    }
    query
}

/// `INSERT INTO table (columns) VALUES (…)`.
async fn insert(pool: &AnyPool, table: &str, row: &[(&str, Value)]) {
    let (sql, values) = insert_sql(table, row, "");
    let query = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), &values);
    query.execute(pool).await.expect(&sql);
}

/// [`insert`] into a table with an `id`: the new row's.
async fn insert_id(pool: &AnyPool, table: &str, row: &[(&str, Value)]) -> i64 {
    let (sql, values) = insert_sql(table, row, " RETURNING id");
    let query = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), &values);
    let row = query.fetch_one(pool).await.expect(&sql);
    row.try_get::<i64, _>(0).unwrap()
}

fn insert_sql(table: &str, row: &[(&str, Value)], tail: &str) -> (String, Vec<Value>) {
    let columns: Vec<&str> = row.iter().map(|c| c.0).collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES ({}){tail}",
        columns.join(", "),
        server::db::placeholders(1, columns.len()),
    );
    (sql, row.iter().map(|c| c.1.clone()).collect())
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn date(d: NaiveDate) -> Value {
    Value::Text(d.to_string())
}

fn opt_date(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, date)
}

/// A decision as the previous release stored it.
struct OldEvent {
    kind: QualificationKind,
    effective: NaiveDate,
    /// registered | pending | withdrawn
    status: &'static str,
    /// `seed` (written with the columns of 0001 only, as the seed did) or a login (the
    /// office portal: registration due, recorded at/by).
    by: &'static str,
}

fn event(
    kind: QualificationKind,
    effective: NaiveDate,
    status: &'static str,
    by: &'static str,
) -> OldEvent {
    OldEvent {
        kind,
        effective,
        status,
        by,
    }
}

/// One record of the old database and what its 資格 must be after the migration.
struct Case {
    label: &'static str,
    office: &'static str,
    /// The stored 資格取得日/資格喪失日 (the last word of an import or a decision).
    pair: (Option<NaiveDate>, Option<NaiveDate>),
    events: Vec<OldEvent>,
    /// The covered periods the migrated history must give.
    periods: Vec<(NaiveDate, Option<NaiveDate>)>,
    /// Decisions the migration writes for it (source import or migration).
    synthesized: i64,
    /// The latest period is the stored pair (false: a stale pair the decisions overrule).
    pair_is_latest: bool,
    // Filled when stored.
    id: i64,
    number: String,
    birth: NaiveDate,
}

fn case(
    label: &'static str,
    office: &'static str,
    pair: (Option<NaiveDate>, Option<NaiveDate>),
    events: Vec<OldEvent>,
    periods: Vec<(NaiveDate, Option<NaiveDate>)>,
    synthesized: i64,
) -> Case {
    Case {
        label,
        office,
        pair,
        events,
        periods,
        synthesized,
        pair_is_latest: true,
        id: 0,
        number: String::new(),
        birth: NaiveDate::MIN,
    }
}

impl Case {
    fn stale_pair(self) -> Case {
        Case {
            pair_is_latest: false,
            ..self
        }
    }
}

/// The records of the old database. `today` places (d) so that its earlier period and its
/// gap can be verified (offline checks reach back 31 days).
fn cases(today: NaiveDate) -> Vec<Case> {
    use QualificationKind::*;
    let ago = |days: i64| today - Duration::days(days);
    vec![
        case(
            "(a) imported pair, open",
            TOKYO,
            (Some(d("2019-04-01")), None),
            vec![],
            vec![(d("2019-04-01"), None)],
            1,
        ),
        case(
            "(b) imported pair, closed; a withdrawn decision",
            OSAKA,
            (Some(d("2018-06-01")), Some(d("2023-03-31"))),
            vec![event(Abolish, d("2022-12-31"), "withdrawn", "osaka-cw")],
            vec![(d("2018-06-01"), Some(d("2023-03-31")))],
            2,
        ),
        case(
            "(c) seeded 開始 only",
            TOKYO,
            (Some(d("2021-10-01")), None),
            vec![event(Start, d("2021-10-01"), "registered", "seed")],
            vec![(d("2021-10-01"), None)],
            0,
        ),
        case(
            "(d) 開始 → 停止 → 再開 in the app (pair overwritten with the 再開)",
            TOKYO,
            (Some(ago(5)), None),
            vec![
                event(Start, ago(400), "registered", "tokyo-cw"),
                event(Suspend, ago(20), "registered", "tokyo-cw"),
                event(Restart, ago(5), "registered", "tokyo-cw"),
            ],
            vec![(ago(400), Some(ago(20))), (ago(5), None)],
            0,
        ),
        case(
            "(e) imported pair, then a 停止 in the app",
            TOKYO,
            (Some(d("2017-01-10")), Some(d("2024-05-10"))),
            vec![event(Suspend, d("2024-05-10"), "registered", "tokyo-cw")],
            vec![(d("2017-01-10"), Some(d("2024-05-10")))],
            1,
        ),
        case(
            "(f) 開始 → 廃止 → 開始",
            TOKYO,
            (Some(d("2025-01-06")), None),
            vec![
                event(Start, d("2022-04-01"), "registered", "tokyo-cw"),
                event(Abolish, d("2023-06-30"), "registered", "tokyo-cw"),
                event(Start, d("2025-01-06"), "registered", "tokyo-cw"),
            ],
            vec![
                (d("2022-04-01"), Some(d("2023-06-30"))),
                (d("2025-01-06"), None),
            ],
            0,
        ),
        case(
            "(g) imported pair with a pending 廃止",
            TOKYO,
            (Some(d("2020-08-01")), None),
            vec![event(Abolish, d("2024-09-30"), "pending", "tokyo-cw")],
            vec![(d("2020-08-01"), None)],
            1,
        ),
        // The pair's 資格取得日 was replaced by the 再開: the earliest date left is the
        // 停止's, which 0007 keeps as the 開始 (documented there).
        case(
            "(h) imported pair, then 停止 → 再開 in the app",
            TOKYO,
            (Some(d("2021-03-01")), None),
            vec![
                event(Suspend, d("2020-11-30"), "registered", "tokyo-cw"),
                event(Restart, d("2021-03-01"), "registered", "tokyo-cw"),
            ],
            vec![
                (d("2020-11-30"), Some(d("2020-11-30"))),
                (d("2021-03-01"), None),
            ],
            1,
        ),
        // The old recipients.csv import replaced the pair of any record, decisions or not,
        // and verification went by the pair.
        case(
            "(i) seeded 開始, then a re-import closed the pair",
            TOKYO,
            (Some(d("2019-07-01")), Some(d("2024-12-31"))),
            vec![event(Start, d("2019-07-01"), "registered", "seed")],
            vec![(d("2019-07-01"), Some(d("2024-12-31")))],
            1,
        ),
        case(
            "(j) 開始 → 廃止 in the app, then a re-import opened a new pair",
            TOKYO,
            (Some(d("2025-04-01")), None),
            vec![
                event(Start, d("2020-02-01"), "registered", "tokyo-cw"),
                event(Abolish, d("2022-02-28"), "registered", "tokyo-cw"),
            ],
            vec![
                (d("2020-02-01"), Some(d("2022-02-28"))),
                (d("2025-04-01"), None),
            ],
            1,
        ),
        case(
            "(l) 開始 → 停止 in the app, then a re-import with a later, closed pair",
            TOKYO,
            (Some(d("2021-01-01")), Some(d("2022-12-31"))),
            vec![
                event(Start, d("2019-01-01"), "registered", "tokyo-cw"),
                event(Suspend, d("2020-06-30"), "registered", "tokyo-cw"),
            ],
            vec![
                (d("2019-01-01"), Some(d("2020-06-30"))),
                (d("2021-01-01"), Some(d("2022-12-31"))),
            ],
            2,
        ),
        // A re-import that reopens the pair with the 資格取得日 the decisions already began
        // with is a stale file: the registered 廃止 stands.
        case(
            "(m) 開始 → 廃止 in the app, then a stale re-import of the open pair",
            TOKYO,
            (Some(d("2018-04-01")), None),
            vec![
                event(Start, d("2018-04-01"), "registered", "tokyo-cw"),
                event(Abolish, d("2023-01-31"), "registered", "tokyo-cw"),
            ],
            vec![(d("2018-04-01"), Some(d("2023-01-31")))],
            0,
        )
        .stale_pair(),
        // An import could leave 資格取得日 empty: no 資格, and nothing to decide against.
        case(
            "(k) imported 資格喪失日 without 資格取得日",
            TOKYO,
            (None, Some(d("2023-09-30"))),
            vec![],
            vec![],
            0,
        ),
    ]
}

/// The case whose label starts with `key`, like "(d)".
fn find<'a>(cases: &'a [Case], key: &str) -> &'a Case {
    cases
        .iter()
        .find(|c| c.label.starts_with(key))
        .unwrap_or_else(|| panic!("case {key}"))
}

/// The 個人番号 sealed on case (a).
fn individual_number() -> String {
    IndividualNumber::from_body("12345678901")
        .unwrap()
        .as_str()
        .to_string()
}

/// Fill the old database as the previous release would have (the cases get their ids,
/// numbers and birth dates); the clinic's session token, made before the upgrade.
async fn fill(old: &Previous, cases: &mut [Case]) -> String {
    let pool = &old.db.pool;
    for (number, name, phone) in [
        (TOKYO, "テスト区福祉事務所", "03-0000-0000"),
        (OSAKA, "テスト市福祉事務所", "06-0000-0000"),
    ] {
        insert(
            pool,
            "offices",
            &[
                ("number", text(number)),
                ("name", text(name)),
                ("phone", text(phone)),
            ],
        )
        .await;
    }
    for (code, name, table) in [(CLINIC, "テスト内科", 1), (PHARMACY, "テスト薬局", 4)] {
        insert(
            pool,
            "institutions",
            &[
                ("code", text(code)),
                ("name", text(name)),
                ("score_table", Value::Int(table)),
                ("online_capable", Value::Int(1)),
            ],
        )
        .await;
    }
    let mut clinic_user = 0;
    for (login, role, office, inst) in [
        ("tokyo-cw", Role::Caseworker, Some(TOKYO), None),
        ("osaka-cw", Role::Caseworker, Some(OSAKA), None),
        ("clinic", Role::Clinic, None, Some(CLINIC)),
        ("operator", Role::Operator, None, None),
    ] {
        let id =
            server::auth::add_user(&old.db, login, common::PASSWORD, role, login, office, inst)
                .await
                .unwrap();
        if login == "clinic" {
            clinic_user = id;
        }
    }
    for (i, c) in cases.iter_mut().enumerate() {
        let n = i64::try_from(i).unwrap();
        c.number = RecipientNumber::from_body(&format!("{:06}", 100 + n))
            .unwrap()
            .as_str()
            .to_string();
        c.birth = d("1950-01-15") + Duration::days(400 * n);
        // (a) has a 個人番号 and a card.
        let first = c.label.starts_with("(a)");
        let sealed = if first {
            Value::Text(old.keys.seal(&individual_number()).unwrap())
        } else {
            Value::Null
        };
        c.id = insert_id(
            pool,
            "recipients",
            &[
                ("office_number", text(c.office)),
                ("recipient_number", text(&c.number)),
                ("individual_number", sealed),
                ("name", Value::Text(format!("移行　{}", i + 1))),
                ("name_kana", text("イコウ　テスト")),
                ("sex", Value::Int(1 + n % 2)),
                ("birth_date", date(c.birth)),
                ("postal_code", text("100-0001")),
                ("address", text("東京都千代田区1-1")),
                ("case_number", Value::Text(format!("C{:05}", i + 1))),
                ("card_held", Value::Int(i64::from(first))),
                ("card_registered", Value::Int(i64::from(first))),
                ("restricted", Value::Int(0)),
                ("qualified_from", opt_date(c.pair.0)),
                ("qualified_until", opt_date(c.pair.1)),
                ("created_at", text(OLD_AT)),
                ("updated_at", text(OLD_AT)),
                (
                    "caseworker_login",
                    text(if c.office == TOKYO {
                        "tokyo-cw"
                    } else {
                        "osaka-cw"
                    }),
                ),
            ],
        )
        .await;
        for e in &c.events {
            let mut row = vec![
                ("recipient_id", Value::Int(c.id)),
                ("kind", text(e.kind.code())),
                ("effective_date", date(e.effective)),
                ("decision_date", date(e.effective)),
                ("registered_at", text(OLD_AT)),
                ("registered_by", text(e.by)),
            ];
            if e.by != "seed" {
                row.extend([
                    ("status", text(e.status)),
                    ("registration_due", date(e.effective + Duration::days(2))),
                    ("recorded_at", text(OLD_AT)),
                    ("recorded_by", text(e.by)),
                ]);
                if e.status == "withdrawn" {
                    row.push(("withdraw_reason", text("決定の誤り")));
                }
            }
            insert(pool, "qualification_events", &row).await;
        }
    }
    let (a, b, d_id) = (
        find(cases, "(a)").id,
        find(cases, "(b)").id,
        find(cases, "(d)").id,
    );
    // Tickets: one, its renewal, and a cancelled one.
    let ticket = |issue: &'static str, month: &'static str, renewed_from: Value| {
        let (from, until) = domain::ticket::month_bounds(month).unwrap();
        vec![
            ("office_number", text(TOKYO)),
            ("recipient_id", Value::Int(a)),
            ("ticket_type", text("01")),
            ("issue_number", text(issue)),
            ("treatment_month", text(month)),
            ("valid_from", date(from)),
            ("valid_until", date(until)),
            ("institution_code", text(CLINIC)),
            ("treatment_type", text("02")),
            ("injury_name1", text("高血圧症")),
            ("self_pay_amount", Value::Int(0)),
            ("single_or_combined", text("01")),
            ("social_insurance", text("02")),
            ("infection_law", text("02")),
            ("elderly_care", text("02")),
            ("prefectural_expense", text("02")),
            ("status", text("active")),
            ("created_at", text(OLD_AT)),
            ("created_by", text("tokyo-cw")),
            ("renewed_from", renewed_from),
        ]
    };
    let first = insert_id(
        pool,
        "tickets",
        &ticket("202504-00001", "2025-04", Value::NullInt),
    )
    .await;
    insert(
        pool,
        "tickets",
        &ticket("202505-00001", "2025-05", Value::Int(first)),
    )
    .await;
    let mut cancelled = ticket("202505-00002", "2025-05", Value::NullInt);
    cancelled.extend([
        ("cancelled_at", text(OLD_AT)),
        ("cancelled_by", text("tokyo-cw")),
        ("cancel_reason", text("重複交付")),
    ]);
    cancelled.retain(|c| c.0 != "status");
    cancelled.push(("status", text("cancelled")));
    insert(pool, "tickets", &cancelled).await;
    // Verifications, one with its 本人同意.
    for (client, office, number, class, validity) in [
        ("old-1", TOKYO, find(cases, "(a)").number.clone(), 1, 1),
        ("old-2", OSAKA, find(cases, "(b)").number.clone(), 2, 2),
    ] {
        let id = insert_id(
            pool,
            "verifications",
            &[
                ("client_id", text(client)),
                ("verified_at", text("2025-04-10T01:00:00.000000Z")),
                ("verified_date", text("2025-04-10")),
                ("institution_code", text(CLINIC)),
                ("office_number", text(office)),
                ("recipient_number", text(&number)),
                ("reference_class", Value::Int(class)),
                ("validity", Value::Int(validity)),
                ("offline", Value::Int(0)),
                ("source", text("online")),
            ],
        )
        .await;
        if class == 1 {
            insert(
                pool,
                "consents",
                &[
                    ("verification_id", Value::Int(id)),
                    ("drug_info", Value::Int(1)),
                    ("checkup_info", Value::Int(0)),
                    ("recorded_at", text("2025-04-10T01:00:01.000000Z")),
                ],
            )
            .await;
        }
    }
    for (role, actor, label, action, recipient, detail) in [
        (
            "clinic",
            "clinic",
            "テスト内科",
            "verification",
            Value::Int(a),
            "有効",
        ),
        (
            "caseworker",
            "tokyo-cw",
            "テスト区福祉事務所",
            "qualification.record",
            Value::Int(d_id),
            "資格を登録: 保護再開",
        ),
        (
            "operator",
            "operator",
            "運用",
            "import.recipients",
            Value::NullInt,
            "",
        ),
        (
            "caseworker",
            "osaka-cw",
            "テスト市福祉事務所",
            "recipient.view",
            Value::Int(b),
            "",
        ),
    ] {
        insert(
            pool,
            "audit_log",
            &[
                ("at", text(OLD_AT)),
                ("actor_role", text(role)),
                ("actor_id", text(actor)),
                ("actor_label", text(label)),
                ("action", text(action)),
                ("recipient_id", recipient),
                ("detail", text(detail)),
            ],
        )
        .await;
    }
    insert(
        pool,
        "cards",
        &[
            ("serial", text("00000000000000A1")),
            ("recipient_id", Value::Int(a)),
            ("issued_at", text(OLD_AT)),
            ("not_after", text("2035-06-01T00:00:00.000000Z")),
            ("revoked_at", Value::Null),
        ],
    )
    .await;
    insert(
        pool,
        "office_closed_days",
        &[("office_number", text(TOKYO)), ("date", text("2025-08-13"))],
    )
    .await;
    insert(
        pool,
        "meta",
        &[("key", text("seeded_at")), ("value", text(OLD_AT))],
    )
    .await;
    // Sessions: the recipient of (a) on the portal, and the clinic's reception.
    server::auth::create_session(&old.db, Role::Recipient, None, Some(a))
        .await
        .unwrap();
    server::auth::create_session(&old.db, Role::Clinic, Some(clinic_user), None)
        .await
        .unwrap()
}

// ------------------------------------------------------------------ snapshots

/// Every table of a database (but sqlx's own and SQLite's): its columns and its rows as
/// text, sorted.
type Snapshot = BTreeMap<String, (Vec<String>, Vec<Vec<Option<String>>>)>;

async fn strings(db: &Db, sql: String, bind: Option<&str>) -> Vec<String> {
    let mut query = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
    if let Some(b) = bind {
        query = query.bind(b.to_string());
    }
    query
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect()
}

async fn tables(db: &Db) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' \
                            AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
        Backend::Postgres => "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
                              WHERE table_schema = 'public' AND table_type = 'BASE TABLE' \
                              AND table_name <> '_sqlx_migrations' ORDER BY table_name",
    };
    strings(db, sql.to_string(), None).await
}

async fn columns(db: &Db, table: &str) -> Vec<String> {
    let sql = match db.backend {
        Backend::Sqlite => "SELECT name FROM pragma_table_info($1) ORDER BY cid",
        Backend::Postgres => "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                              WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    };
    strings(db, sql.to_string(), Some(table)).await
}

/// The rows of `table` (only `columns`, only those `filter` keeps), each value as text.
async fn rows(db: &Db, table: &str, columns: &[String], filter: &str) -> Vec<Vec<Option<String>>> {
    let list = columns
        .iter()
        .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT {list} FROM \"{table}\" {filter}");
    let mut out: Vec<Vec<Option<String>>> = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..columns.len())
                .map(|i| r.try_get::<Option<String>, _>(i).unwrap())
                .collect()
        })
        .collect();
    out.sort();
    out
}

async fn snapshot(db: &Db) -> Snapshot {
    let mut out = Snapshot::new();
    for table in tables(db).await {
        let columns = columns(db, &table).await;
        let rows = rows(db, &table, &columns, "").await;
        out.insert(table, (columns, rows));
    }
    out
}

async fn count(db: &Db, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&db.pool)
        .await
        .unwrap();
    n
}

// ------------------------------------------------------------------ verification

/// 資格有効性 of a number-entry check of `c` by the clinic: online today, or a queued
/// offline check made at noon (JST) of `on`.
async fn validity(app: &axum::Router, cookie: &str, c: &Case, on: Option<NaiveDate>) -> String {
    let client_id = format!(
        "m-{}-{}",
        c.id,
        on.map_or("now".to_string(), |d| d.to_string())
    );
    let mut body = json!({
        "client_id": client_id,
        "office_number": c.office,
        "recipient_number": c.number,
        "birth_date": c.birth.to_string(),
    });
    if let Some(on) = on {
        body["offline"] = json!(true);
        body["verified_at"] = json!(format!("{on}T12:00:00+09:00"));
    }
    let reply = send(
        app,
        "POST",
        "/api/verify/number",
        Some(cookie),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}: {}", c.label, reply.text);
    assert_eq!(
        reply.json["verified_date"],
        on.unwrap_or_else(server::db::today_jst).to_string(),
        "{}",
        c.label
    );
    reply.json["validity"].as_str().unwrap().to_string()
}

// ------------------------------------------------------------------ the test

#[tokio::test]
async fn a_previous_release_database_migrates_to_the_qualification_history() {
    let today = server::db::today_jst();
    let old = previous_release().await;
    let mut cases = cases(today);
    let clinic_token = fill(&old, &mut cases).await;
    let before = snapshot(&old.db).await;
    for table in [
        "recipients",
        "qualification_events",
        "tickets",
        "verifications",
        "consents",
        "audit_log",
        "cards",
        "sessions",
        "users",
    ] {
        assert!(
            !before[table].1.is_empty(),
            "{table} has rows before the upgrade"
        );
    }
    let old_events = count(&old.db, "SELECT COUNT(*) FROM qualification_events").await;
    let last_old_event = count(&old.db, "SELECT MAX(id) FROM qualification_events").await;
    old.db.pool.close().await;

    // The upgrade: the real open, which runs 0007 and every later migration.
    let db = Db::open(old.url.as_deref(), old.dir.path()).await.unwrap();
    let latest = SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap();
    assert_eq!(
        applied_versions(&db).await,
        (1..=latest).collect::<Vec<_>>()
    );

    // Every old row reads the same, in every table of the old schema (the decisions the
    // migration adds come after the old ones).
    for (table, (columns, rows_before)) in &before {
        let filter = if table == "qualification_events" {
            format!("WHERE id <= {last_old_event}")
        } else {
            String::new()
        };
        let rows_after = rows(&db, table, columns, &filter).await;
        assert_eq!(&rows_after, rows_before, "{table}");
        if table != "qualification_events" {
            let total = count(&db, &format!("SELECT COUNT(*) FROM \"{table}\"")).await;
            assert_eq!(
                total,
                i64::try_from(rows_before.len()).unwrap(),
                "{table} count"
            );
        }
    }
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM qualification_events WHERE source = 'decision' AND linked_event_id IS NULL"
        )
        .await,
        old_events,
        "old decisions keep source decision"
    );

    // Every record is its own person.
    let people_rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, created_at FROM people ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let recipients: Vec<(i64, Option<i64>, String, Option<String>)> = sqlx::query_as(
        "SELECT id, person_id, created_at, individual_number_digest FROM recipients ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(recipients.len(), cases.len());
    assert_eq!(
        people_rows,
        recipients
            .iter()
            .map(|r| (r.0, r.2.clone()))
            .collect::<Vec<_>>()
    );
    for (id, person, _, digest) in &recipients {
        assert_eq!(*person, Some(*id), "person of recipient {id}");
        assert_eq!(*digest, None, "no digest before the backfill");
    }

    // 資格: the covered periods come from the history alone and are what the old data meant.
    let mut conn = db.pool.acquire().await.unwrap();
    // Every case is checked before failing, so that one run names every wrong one.
    let mut wrong: Vec<String> = Vec::new();
    for c in &cases {
        let history = people::history(&mut conn, c.id).await.unwrap();
        let periods = history.periods();
        let want: Vec<CoveredPeriod> = c
            .periods
            .iter()
            .map(|&(from, until)| CoveredPeriod { from, until })
            .collect();
        if periods != want {
            wrong.push(format!(
                "{}: periods {periods:?}, want {want:?} ({history:?})",
                c.label
            ));
        }
        // The latest period is the stored pair (what lists, exchange files and the old
        // verification went by), and the next decision can be checked against the history.
        let pair = periods_of_pair(c.pair.0, c.pair.1);
        if c.pair_is_latest && periods.last() != pair.first() {
            wrong.push(format!(
                "{}: latest period {:?}, stored pair {:?}",
                c.label,
                periods.last(),
                pair.first()
            ));
        }
        if let Err(e) = history.state() {
            wrong.push(format!(
                "{}: the history does not replay: {}",
                c.label, e.message
            ));
        }
        let (added,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM qualification_events WHERE recipient_id = $1 AND id > $2 \
             AND status = 'registered' AND registered_by = 'import' AND source IN ('import', 'migration') \
             AND linked_event_id IS NULL",
        )
        .bind(c.id)
        .bind(last_old_event)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        if added != c.synthesized {
            wrong.push(format!(
                "{}: {added} decisions written, want {}",
                c.label, c.synthesized
            ));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM qualification_events").await,
        old_events + cases.iter().map(|c| c.synthesized).sum::<i64>()
    );
    // (g): the pending 廃止 is still pending, outside the history, and can be registered.
    let g = find(&cases, "(g)");
    let (status,): (String,) = sqlx::query_as(
        "SELECT status FROM qualification_events WHERE recipient_id = $1 AND kind = 'abolish'",
    )
    .bind(g.id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(status, "pending");
    let history = people::history(&mut conn, g.id).await.unwrap();
    assert!(history
        .state()
        .unwrap()
        .apply(QualificationKind::Abolish, d("2024-09-30"))
        .is_ok());
    // (k): no 資格, and a 開始 can be decided.
    let k = find(&cases, "(k)");
    let history = people::history(&mut conn, k.id).await.unwrap();
    assert!(history
        .state()
        .unwrap()
        .apply(QualificationKind::Start, d("2024-04-01"))
        .is_ok());
    drop(conn);

    // The 個人番号 digest of records stored before digests existed.
    let keys = old.keys.clone();
    assert_eq!(people::backfill_digests(&db, &keys).await.unwrap(), 1);
    assert_eq!(people::backfill_digests(&db, &keys).await.unwrap(), 0);
    let digests: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, individual_number_digest FROM recipients ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    for (id, digest) in digests {
        let want = (id == find(&cases, "(a)").id)
            .then(|| people::individual_number_digest(&keys, &individual_number()));
        assert_eq!(digest, want, "digest of recipient {id}");
    }

    // Verification by number through the app, with the clinic's session from before the
    // upgrade (the clinic has no ticket for these records: 6 where 資格 holds).
    let app = server::http::app(server::http::AppState {
        db: db.clone(),
        keys,
        static_dir: None,
        secure_cookies: false,
        recorder: server::recorder::Recorder::new(db.clone()),
    });
    let cookie = format!("{}={clinic_token}", server::auth::SESSION_COOKIE);
    let ago = |days: i64| today - Duration::days(days);
    let dd = find(&cases, "(d)");
    assert_eq!(
        validity(&app, &cookie, dd, Some(ago(25))).await,
        "6",
        "(d) in its earlier period"
    );
    assert_eq!(
        validity(&app, &cookie, dd, Some(ago(20))).await,
        "6",
        "(d) on its 停止日"
    );
    assert_eq!(
        validity(&app, &cookie, dd, Some(ago(10))).await,
        "2",
        "(d) in its gap"
    );
    assert_eq!(validity(&app, &cookie, dd, None).await, "6", "(d) today");
    assert_eq!(
        validity(&app, &cookie, find(&cases, "(i)"), None).await,
        "2",
        "(i) today"
    );
    assert_eq!(
        validity(&app, &cookie, find(&cases, "(j)"), None).await,
        "6",
        "(j) today"
    );
    // Old passwords still sign in.
    login(&app, "clinic").await;
}
