//! What the authorization matrix and the malformed-input test share: the callers, the
//! allowed set of every route (`MATRIX`), and a `World` of two offices, a clinic and a
//! pharmacy with the ids and a valid request of every route.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::Engine as _;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::common::*;
/// Every kind of caller: the five roles (a clinic and a pharmacy reception both have the
/// clinic role), the institution's bearer token of the onshi XML interface, and nobody.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Caseworker,
    Supervisor,
    Clinic,
    Pharmacy,
    Recipient,
    Operator,
    Token,
    Anonymous,
}

pub const EVERYONE: [Who; 8] = [
    Who::Caseworker,
    Who::Supervisor,
    Who::Clinic,
    Who::Pharmacy,
    Who::Recipient,
    Who::Operator,
    Who::Token,
    Who::Anonymous,
];

/// The answer to each caller with its own ids, in the order of `EVERYONE`
/// (caseworker, supervisor, clinic, pharmacy, recipient, operator, bearer token, anonymous):
/// `A` allowed (2xx), `F` 403, `U` 401.
pub const MATRIX: &[(&str, &str, &str)] = &[
    // session
    ("post", "/api/login", "AAAAAAAA"),
    ("post", "/api/logout", "AAAAAAAA"),
    ("get", "/api/session", "AAAAAAAU"),
    ("get", "/api/card/challenge", "AAAAAAAA"),
    ("post", "/api/card/login", "AAAAAAAA"),
    ("get", "/api/openapi.json", "AAAAAAAA"),
    ("get", "/healthz", "AAAAAAAA"),
    // homes
    ("get", "/api/office/home", "AAFFFFFU"),
    ("get", "/api/institution/home", "FFAAFFAU"),
    ("get", "/api/me/home", "FFFFAFFU"),
    ("get", "/api/operator/home", "FFFFFAFU"),
    // the operator's compliance table and institution registry
    ("get", "/api/operator/compliance", "FFFFFAFU"),
    ("get", "/api/operator/compliance/{office}", "FFFFFAFU"),
    ("get", "/api/operator/institutions", "FFFFFAFU"),
    ("post", "/api/operator/institutions", "FFFFFAFU"),
    ("get", "/api/operator/institutions/{code}", "FFFFFAFU"),
    ("put", "/api/operator/institutions/{code}", "FFFFFAFU"),
    // the recipient portal
    ("get", "/api/me/profile", "FFFFAFFU"),
    ("get", "/api/me/tickets", "FFFFAFFU"),
    ("get", "/api/me/health", "FFFFAFFU"),
    ("get", "/api/me/access-log", "FFFFAFFU"),
    // 台帳, 資格, 医療券
    ("get", "/api/office/recipients", "AAFFFFFU"),
    ("post", "/api/office/recipients", "AAFFFFFU"),
    ("get", "/api/office/recipients/{id}", "AAFFFFFU"),
    ("put", "/api/office/recipients/{id}", "AAFFFFFU"),
    (
        "post",
        "/api/office/recipients/{id}/reveal-individual-number",
        "FAFFFFFU",
    ),
    ("put", "/api/office/recipients/{id}/restriction", "AAFFFFFU"),
    ("get", "/api/office/staff", "AAFFFFFU"),
    (
        "post",
        "/api/office/recipients/{id}/qualification",
        "AAFFFFFU",
    ),
    (
        "post",
        "/api/office/qualification-events/{event_id}/register",
        "AAFFFFFU",
    ),
    (
        "post",
        "/api/office/qualification-events/{event_id}/withdraw",
        "AAFFFFFU",
    ),
    ("get", "/api/office/deadlines", "AAFFFFFU"),
    ("get", "/api/office/institutions", "AAFFFFFU"),
    ("post", "/api/office/recipients/{id}/tickets", "AAFFFFFU"),
    ("get", "/api/office/tickets/{ticket_id}", "AAFFFFFU"),
    ("put", "/api/office/tickets/{ticket_id}", "AAFFFFFU"),
    ("post", "/api/office/tickets/{ticket_id}/cancel", "AAFFFFFU"),
    ("get", "/api/office/tickets/{ticket_id}/print", "AAFFFFFU"),
    ("post", "/api/office/tickets/renew/preview", "AAFFFFFU"),
    ("post", "/api/office/tickets/renew", "AAFFFFFU"),
    ("get", "/api/office/supervisor", "FAFFFFFU"),
    ("get", "/api/office/recipients/{id}/notice", "AAFFFFFU"),
    ("get", "/api/office/recipients/{id}/visits", "AAFFFFFU"),
    // 閉庁日
    ("get", "/api/office/closed-days", "AAFFFFFU"),
    ("post", "/api/office/closed-days", "FAFFFFFU"),
    ("post", "/api/office/closed-days/import", "FAFFFFFU"),
    ("delete", "/api/office/closed-days/{date}", "FAFFFFFU"),
    // 健診・薬剤情報
    ("post", "/api/office/checkups/import", "AAFFFFFU"),
    ("post", "/api/office/receipts/import", "AAFFFFFU"),
    ("get", "/api/office/checkups/export", "AAFFFFFU"),
    ("get", "/api/office/checkups/deadline", "AAFFFFFU"),
    ("get", "/api/office/screening/psychotropic", "AAFFFFFU"),
    ("get", "/api/verify/{verification_id}/health", "FFAAFFAU"),
    // feed and screening
    ("get", "/api/office/feed", "AAFFFFFU"),
    ("get", "/api/office/feed.csv", "AAFFFFFU"),
    ("get", "/api/office/screening/data", "AAFFFFFU"),
    ("get", "/api/office/screening/result", "AAFFFFFU"),
    ("get", "/api/office/screening/followups", "AAFFFFFU"),
    // alerts
    ("get", "/api/office/alerts", "AAFFFFFU"),
    ("post", "/api/office/alerts/{alert_id}/handle", "AAFFFFFU"),
    ("post", "/api/office/screening/followups", "AAFFFFFU"),
    // 請求前資格確認
    ("post", "/api/office/claims-check", "AAFFFFFU"),
    ("get", "/api/office/claims-check/{id}", "AAFFFFFU"),
    (
        "get",
        "/api/office/claims-check/{id}/return-file",
        "AAFFFFFU",
    ),
    // reception
    ("post", "/api/verify/number", "FFAAFFAU"),
    ("post", "/api/verify/card", "FFAAFFAU"),
    ("get", "/api/verify/roster", "FFAAFFAU"),
    ("get", "/api/verify/roster.csv", "FFAAFFAU"),
    ("post", "/api/verify/sync", "FFAAFFAU"),
    ("get", "/api/verify/today", "FFAAFFAU"),
    // onshi XML (bearer token only)
    ("post", "/onshi/OQSsiquc01req", "UUUUUUAU"),
    ("post", "/onshi/OQSmutic01req", "UUUUUUAU"),
    ("post", "/onshi/OQSmutic02req", "UUUUUUAU"),
];

pub const MISSING: i64 = 987_654_321;

/// A 医療機関コード not registered yet (東京, 医科; a new one each call).
pub fn fresh_institution_code() -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let body = format!("131{:06}", 900_000 + n);
    let digit = domain::numbers::luhn_check_digit(&body).unwrap();
    format!("{body}{digit}")
}

/// The fields of an institution as the operator's form sends them.
pub fn institution_fields() -> Value {
    json!({"name": "権限確認クリニック", "online_capable": true, "designated_from": "令和6年4月1日",
           "designated_until": "", "abolished_on": "", "postal_code": "105-0011",
           "address": "東京都港区芝公園1-1", "phone": "03-1234-5678"})
}

/// A new institution (a fresh code each call).
pub fn new_institution() -> Value {
    let mut body = institution_fields();
    body["code"] = json!(fresh_institution_code());
    body
}

/// The Osaka office's own 閉庁日 (another tenant's, for Tokyo's callers).
pub const OSAKA_CLOSED_DAY: &str = "2031-06-10";

/// A date no office has closed yet (a new one each call).
pub fn fresh_date() -> String {
    static SEQ: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let first = chrono::NaiveDate::from_ymd_opt(2032, 1, 1).unwrap();
    (first + chrono::Duration::days(n)).to_string()
}

/// Routes that make sessions: the callers' standing sessions are renewed after them.
pub const SESSION_ROUTES: &[&str] = &["/api/login", "/api/logout", "/api/card/login"];

// ------------------------------------------------------------------ the world

#[derive(Clone)]
pub enum Auth {
    Cookie(String),
    Bearer(String),
    Nobody,
}

#[derive(Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub cookie: Option<String>,
    pub bytes: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes)
            .chars()
            .take(300)
            .collect()
    }
}

pub async fn raw(
    app: &Router,
    method: &str,
    path: &str,
    auth: &Auth,
    body: Option<(&str, Vec<u8>)>,
) -> Answer {
    let mut builder = Request::builder().method(method).uri(path);
    match auth {
        Auth::Cookie(c) => builder = builder.header(header::COOKIE, c),
        Auth::Bearer(t) => builder = builder.header(header::AUTHORIZATION, format!("Bearer {t}")),
        Auth::Nobody => {}
    }
    let body = match body {
        Some((content_type, bytes)) => {
            builder = builder.header(header::CONTENT_TYPE, content_type);
            Body::from(bytes)
        }
        None => Body::empty(),
    };
    let response = app
        .clone()
        .oneshot(builder.body(body).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    let bytes = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    Answer {
        status,
        content_type,
        cookie,
        bytes,
    }
}

pub fn this_month() -> String {
    domain::api::ticket_month_back(server::db::today_jst(), 0)
}

pub fn medical_ticket(institution: &str) -> Value {
    json!({
        "ticket_type": "01", "treatment_month": this_month(), "institution_code": institution,
        "treatment_type": "02", "injury_names": ["高血圧症"], "self_pay_amount": "0",
        "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
        "elderly_care": "02", "prefectural_expense": "02"
    })
}

pub fn dispensing_ticket() -> Value {
    json!({
        "ticket_type": "02", "treatment_month": this_month(), "institution_code": PHARMACY,
        "prescriber_code": CLINIC, "treatment_type": "04", "self_pay_amount": "0",
        "single_or_combined": "01", "social_insurance": "02", "infection_law": "02",
        "elderly_care": "02", "prefectural_expense": "02"
    })
}

/// A new person each call (same kana and birth date is a possible duplicate: 409).
pub fn person() -> Value {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let birth = chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + chrono::Days::new(n);
    json!({"name": "権限　確認", "name_kana": "ケンゲン　カクニン", "sex": "2", "birth_date": birth.to_string(),
           "postal_code": "105-0011", "address": "東京都テスト区1-2-3"})
}

/// Ids of one kind: the caller's own (made on demand when a request uses one up) and
/// another tenant's.
pub struct World {
    pub f: Fixture,
    pub app: Router,
    /// The standing credentials of each caller (renewed after the sign-in routes: a new
    /// session may end the caller's older ones).
    pub auth: std::sync::Mutex<BTreeMap<&'static str, Auth>>,
    pub card: domain::card::CardFile,
    pub tokyo_recipient: i64,
    pub osaka_recipient: i64,
    pub osaka_ticket: i64,
    pub osaka_event: i64,
    pub osaka_alert: i64,
    pub tokyo_claims: i64,
    pub osaka_claims: i64,
    pub clinic_verification: i64,
    pub pharmacy_verification: i64,
    pub claims_zip: (String, Vec<u8>),
}

pub fn key(who: Who) -> &'static str {
    match who {
        Who::Caseworker => "caseworker",
        Who::Supervisor => "supervisor",
        Who::Clinic => "clinic",
        Who::Pharmacy => "pharmacy",
        Who::Recipient => "recipient",
        Who::Operator => "operator",
        Who::Token => "token",
        Who::Anonymous => "anonymous",
    }
}

pub fn login_of(who: Who) -> Option<&'static str> {
    match who {
        Who::Caseworker => Some("tokyo-cw"),
        Who::Supervisor => Some("tokyo-sv"),
        Who::Clinic => Some("clinic"),
        Who::Pharmacy => Some("pharmacy"),
        Who::Operator => Some("operator"),
        _ => None,
    }
}

pub async fn json_call(app: &Router, method: &str, path: &str, auth: &Auth, body: Value) -> Answer {
    raw(
        app,
        method,
        path,
        auth,
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

pub fn ok(answer: &Answer, what: &str) -> Value {
    assert!(
        answer.status.is_success(),
        "{what}: {} {}",
        answer.status,
        answer.text()
    );
    answer.json()
}

impl World {
    pub async fn new() -> World {
        let f = fixture().await;
        let app = f.app();
        server::auth::add_user(
            &f.db,
            "pharmacy",
            PASSWORD,
            domain::api::Role::Clinic,
            "pharmacy",
            None,
            Some(PHARMACY),
        )
        .await
        .unwrap();
        let id_of = |office: &'static str, number: &'static str| {
            let pool = f.db.pool.clone();
            async move {
                let (id,): (i64,) = sqlx::query_as(
                    "SELECT id FROM recipients WHERE office_number = $1 AND recipient_number = $2",
                )
                .bind(office)
                .bind(number)
                .fetch_one(&pool)
                .await
                .unwrap();
                id
            }
        };
        let tokyo_recipient = id_of(TOKYO, "1234566").await;
        let osaka_recipient = id_of(OSAKA, "0000018").await;
        let card_json = server::cards::issue(
            &f.db,
            &f.keys,
            TOKYO,
            "1234566",
            "4321",
            server::db::today_jst(),
        )
        .await
        .unwrap();
        let card = domain::card::parse_card_file(&card_json).unwrap();
        let token = server::auth::add_institution_token(&f.db, CLINIC)
            .await
            .unwrap();
        let mut world = World {
            app: app.clone(),
            auth: std::sync::Mutex::new(BTreeMap::new()),
            card,
            tokyo_recipient,
            osaka_recipient,
            osaka_ticket: 0,
            osaka_event: 0,
            osaka_alert: 0,
            tokyo_claims: 0,
            osaka_claims: 0,
            clinic_verification: 0,
            pharmacy_verification: 0,
            claims_zip: (String::new(), Vec::new()),
            f,
        };
        for who in EVERYONE {
            let auth = match who {
                Who::Token => Auth::Bearer(token.clone()),
                Who::Anonymous => Auth::Nobody,
                _ => world.session(who).await,
            };
            world.auth.lock().unwrap().insert(key(who), auth);
        }
        let osaka = Auth::Cookie(login(&app, "osaka-cw").await);
        let tokyo = world.auth(Who::Caseworker);
        // Tickets at both institutions in both offices: verdict 1 at either desk.
        for (auth, recipient) in [(&tokyo, tokyo_recipient), (&osaka, osaka_recipient)] {
            let path = format!("/api/office/recipients/{recipient}/tickets");
            let medical = json_call(&app, "POST", &path, auth, medical_ticket(CLINIC)).await;
            let medical = ok(&medical, "medical ticket");
            let dispensing = json_call(&app, "POST", &path, auth, dispensing_ticket()).await;
            ok(&dispensing, "dispensing ticket");
            if recipient == osaka_recipient {
                world.osaka_ticket = medical["id"].as_i64().unwrap();
            }
        }
        world.osaka_event = world.pending_event(&osaka, osaka_recipient).await;
        world.osaka_alert = world.alert(OSAKA, osaka_recipient).await;
        // The Osaka office closes a day of its own (no Osaka supervisor here: the store).
        let mut conn = world.f.db.pool.acquire().await.unwrap();
        let day = domain::closed_days::ClosedDay {
            date: OSAKA_CLOSED_DAY.parse().unwrap(),
            reason: "大阪の閉庁日".into(),
        };
        server::store::offices::insert_closed_day(
            &mut conn,
            OSAKA,
            &day,
            "2026-01-01T00:00:00Z",
            "osaka-sv",
        )
        .await
        .unwrap();
        drop(conn);
        // 請求前資格確認 runs of both offices.
        let month = this_month();
        for (auth, office) in [(&tokyo, TOKYO), (&osaka, OSAKA)] {
            let sample = server::claims::sample(&world.f.db, office, &month)
                .await
                .unwrap();
            let answer = raw(
                &app,
                "POST",
                &format!("/api/office/claims-check?name={}", sample.file_name),
                auth,
                Some(("application/zip", sample.zip.clone())),
            )
            .await;
            let id = ok(&answer, "claims check")["id"].as_i64().unwrap();
            if office == TOKYO {
                world.tokyo_claims = id;
                world.claims_zip = (sample.file_name, sample.zip);
            } else {
                world.osaka_claims = id;
            }
        }
        world.clinic_verification = world.verification(Who::Clinic).await;
        world.pharmacy_verification = world.verification(Who::Pharmacy).await;
        world
    }

    pub fn auth(&self, who: Who) -> Auth {
        self.auth.lock().unwrap()[key(who)].clone()
    }

    /// Sign every caller in again: after a route that makes sessions (sign-in, sign-out's
    /// fresh session, card sign-in), which may end the older sessions of the same user.
    pub async fn renew_sessions(&self) {
        for who in EVERYONE {
            if login_of(who).is_some() || who == Who::Recipient {
                let auth = self.session(who).await;
                self.auth.lock().unwrap().insert(key(who), auth);
            }
        }
    }

    /// A new session of `who` (a recipient signs in with the card).
    pub async fn session(&self, who: Who) -> Auth {
        if who == Who::Recipient {
            let body = self.card_body().await;
            let answer = json_call(&self.app, "POST", "/api/card/login", &Auth::Nobody, body).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
            return Auth::Cookie(answer.cookie.expect("session cookie"));
        }
        match login_of(who) {
            Some(name) => Auth::Cookie(login(&self.app, name).await),
            None => self.auth(who),
        }
    }

    /// A signed challenge of the recipient's card.
    pub async fn card_body(&self) -> Value {
        let challenge = raw(&self.app, "GET", "/api/card/challenge", &Auth::Nobody, None).await;
        let challenge = challenge.json();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(challenge["challenge"].as_str().unwrap())
            .unwrap();
        let unlocked = domain::card::unlock(&self.card, "4321").unwrap();
        json!({
            "challenge_id": challenge["challenge_id"],
            "certificate": unlocked.certificate(),
            "signature": unlocked.sign(&bytes),
        })
    }

    pub async fn card_verify_request(&self) -> Value {
        let mut body = self.card_body().await;
        body["client_id"] = json!(server::auth::new_token());
        body["consent"] = json!({"drug_info": true, "checkup_info": true});
        body
    }

    pub fn number_request(&self) -> Value {
        json!({"client_id": server::auth::new_token(), "office_number": TOKYO,
               "recipient_number": "1234566", "birth_date": "1960-04-01"})
    }

    /// A verification by card with the recipient's consent to 薬剤・健診情報.
    pub async fn verification(&self, who: Who) -> i64 {
        let answer = json_call(
            &self.app,
            "POST",
            "/api/verify/card",
            &self.auth(who),
            self.card_verify_request().await,
        )
        .await;
        ok(&answer, "verification")["verification_id"]
            .as_i64()
            .unwrap()
    }

    /// A recipient of `auth`'s office with 保護開始 registered and a 停止 waiting for its
    /// registration: the pending event's id.
    pub async fn pending_event(&self, auth: &Auth, recipient: i64) -> i64 {
        let path = format!("/api/office/recipients/{recipient}/qualification");
        let today = server::db::today_jst().to_string();
        let answer = json_call(
            &self.app,
            "POST",
            &path,
            auth,
            json!({"kind": "suspend", "effective_date": today, "decision_date": today, "register": false}),
        )
        .await;
        ok(&answer, "pending event")["qualification_history"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    }

    /// A fresh open alert (未委託受診, a new date each call) of `office`'s `recipient`: the
    /// store writes it as a day's feed would.
    pub async fn alert(&self, office: &str, recipient: i64) -> i64 {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let date = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap() + chrono::Days::new(n);
        let draft = domain::alerts::AlertDraft {
            kind: domain::alerts::AlertKind::Unentrusted,
            recipient_number: format!("r{recipient}"),
            recipient_name: String::new(),
            institution_code: CLINIC.to_string(),
            institution_name: "権限確認クリニック".to_string(),
            month: date.format("%Y-%m").to_string(),
            date,
            dates: vec![date],
            days_in_month: 1,
            days_in_three_months: None,
        };
        server::store::alerts::upsert(
            &self.f.db.pool,
            office,
            recipient,
            &draft,
            "2030-01-01T00:00:00Z",
        )
        .await
        .unwrap()
    }

    /// A fresh Tokyo recipient with a registered 保護開始.
    pub async fn fresh_recipient(&self) -> i64 {
        let cw = &self.auth(Who::Caseworker);
        let created = json_call(&self.app, "POST", "/api/office/recipients", cw, person()).await;
        let id = ok(&created, "recipient")["id"].as_i64().unwrap();
        let start =
            json!({"kind": "start", "effective_date": "2024-01-01", "decision_date": "2024-01-05"});
        let path = format!("/api/office/recipients/{id}/qualification");
        ok(
            &json_call(&self.app, "POST", &path, cw, start).await,
            "保護開始",
        );
        id
    }

    /// A fresh Tokyo recipient with a 個人番号 (a new one each call).
    pub async fn recipient_with_individual_number(&self) -> i64 {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = format!("{:011}", 40_000_000_000 + n);
        let digit = domain::numbers::my_number_check_digit(&body).unwrap();
        let mut input = person();
        input["individual_number"] = json!(format!("{body}{digit}"));
        let cw = &self.auth(Who::Caseworker);
        let created = json_call(&self.app, "POST", "/api/office/recipients", cw, input).await;
        ok(&created, "recipient with 個人番号")["id"]
            .as_i64()
            .unwrap()
    }

    pub async fn fresh_ticket(&self) -> i64 {
        let cw = &self.auth(Who::Caseworker);
        let recipient = self.fresh_recipient().await;
        let path = format!("/api/office/recipients/{recipient}/tickets");
        let answer = json_call(&self.app, "POST", &path, cw, medical_ticket(CLINIC)).await;
        ok(&answer, "ticket")["id"].as_i64().unwrap()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ids {
    Own,
    Other,
    Missing,
}

pub fn sample(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../docs/samples")
            .join(path),
    )
    .unwrap()
}

impl World {
    /// The id a path parameter gets for `who`.
    pub async fn id(&self, method: &str, path: &str, who: Who, ids: Ids) -> i64 {
        if ids == Ids::Missing {
            return MISSING;
        }
        let own = ids == Ids::Own;
        if path.contains("{verification_id}") {
            let (mine, theirs) = if who == Who::Pharmacy {
                (self.pharmacy_verification, self.clinic_verification)
            } else {
                (self.clinic_verification, self.pharmacy_verification)
            };
            return if own { mine } else { theirs };
        }
        if path.contains("claims-check/{id}") {
            return if own {
                self.tokyo_claims
            } else {
                self.osaka_claims
            };
        }
        if path.contains("{ticket_id}") {
            return if own {
                self.fresh_ticket().await
            } else {
                self.osaka_ticket
            };
        }
        if path.contains("{alert_id}") {
            return if own {
                self.alert(TOKYO, self.tokyo_recipient).await
            } else {
                self.osaka_alert
            };
        }
        if path.contains("{event_id}") {
            if !own {
                return self.osaka_event;
            }
            let recipient = self.fresh_recipient().await;
            return self
                .pending_event(&self.auth(Who::Caseworker), recipient)
                .await;
        }
        if path.contains("reveal-individual-number") && own {
            return self.recipient_with_individual_number().await;
        }
        if path.contains("recipients/{id}") {
            return if !own {
                self.osaka_recipient
            } else if method == "get" {
                self.tokyo_recipient
            } else {
                self.fresh_recipient().await
            };
        }
        panic!("no ids for {path}")
    }

    /// A 閉庁日 in a path: a fresh one of the Tokyo office (own), the Osaka office's
    /// (another tenant's), or a date no office closes (missing).
    pub async fn closed_day(&self, ids: Ids) -> String {
        match ids {
            Ids::Own => {
                let date = fresh_date();
                let body = json!({"date": date, "reason": "権限の確認"});
                let auth = self.auth(Who::Supervisor);
                let added =
                    json_call(&self.app, "POST", "/api/office/closed-days", &auth, body).await;
                ok(&added, "閉庁日");
                date
            }
            Ids::Other => OSAKA_CLOSED_DAY.to_string(),
            Ids::Missing => "2031-06-11".to_string(),
        }
    }

    /// The request body of a route, valid for its allowed callers.
    pub async fn body(
        &self,
        method: &str,
        path: &str,
        who: Who,
    ) -> Option<(&'static str, Vec<u8>)> {
        let json_body = |v: Value| Some(("application/json", v.to_string().into_bytes()));
        let today = server::db::today_jst().to_string();
        match (method, path) {
            ("get", _) | ("delete", _) => None,
            ("post", "/api/login") => json_body(
                json!({"login": login_of(who).unwrap_or("tokyo-cw"), "password": PASSWORD}),
            ),
            ("post", "/api/logout") => None,
            ("post", "/api/card/login") => json_body(self.card_body().await),
            ("post", "/api/office/recipients") | ("put", "/api/office/recipients/{id}") => {
                json_body(person())
            }
            ("post", "/api/office/recipients/{id}/reveal-individual-number") => {
                json_body(json!({"reason": "権限の確認"}))
            }
            ("put", "/api/office/recipients/{id}/restriction") => {
                json_body(json!({"restricted": true, "reason": "権限の確認"}))
            }
            ("post", "/api/office/recipients/{id}/qualification") => json_body(
                json!({"kind": "suspend", "effective_date": today, "decision_date": today, "register": false}),
            ),
            ("post", "/api/office/qualification-events/{event_id}/register") => {
                json_body(json!({}))
            }
            ("post", "/api/office/qualification-events/{event_id}/withdraw")
            | ("post", "/api/office/tickets/{ticket_id}/cancel") => {
                json_body(json!({"reason": "権限の確認"}))
            }
            ("post", "/api/office/recipients/{id}/tickets")
            | ("put", "/api/office/tickets/{ticket_id}") => json_body(medical_ticket(CLINIC)),
            ("post", "/api/office/tickets/renew/preview") => json_body(json!({})),
            ("post", "/api/operator/institutions") => json_body(new_institution()),
            ("put", "/api/operator/institutions/{code}") => json_body(institution_fields()),
            ("post", "/api/office/closed-days") => {
                json_body(json!({"date": fresh_date(), "reason": "権限の確認"}))
            }
            ("post", "/api/office/closed-days/import") => {
                json_body(json!({"text": format!("{},権限の確認", fresh_date())}))
            }
            ("post", "/api/office/tickets/renew") => {
                let preview = json_call(
                    &self.app,
                    "POST",
                    "/api/office/tickets/renew/preview",
                    &self.auth(who),
                    json!({}),
                )
                .await;
                let token = preview.json()["preview_token"]
                    .as_str()
                    .unwrap_or("none")
                    .to_string();
                json_body(json!({"preview_token": token}))
            }
            ("post", "/api/office/checkups/import") => {
                Some(("application/zip", sample("checkups/checkups-cda.zip")))
            }
            ("post", "/api/office/receipts/import") => {
                Some(("text/csv", sample("receipts/1311234569_202405.csv")))
            }
            ("post", "/api/office/alerts/{alert_id}/handle") => {
                json_body(json!({"action": "guidance", "note": "権限の確認"}))
            }
            ("post", "/api/office/screening/followups") => json_body(json!({
                "recipient_number": "1234566", "institution_code": CLINIC, "month": this_month(),
                "category": "頻回受診候補", "action": "guidance", "note": "権限の確認"
            })),
            ("post", "/api/office/claims-check") => {
                Some(("application/zip", self.claims_zip.1.clone()))
            }
            ("post", "/api/verify/number") => json_body(self.number_request()),
            ("post", "/api/verify/card") => json_body(self.card_verify_request().await),
            ("post", "/api/verify/sync") => json_body(json!({"items": [self.number_request()]})),
            ("post", "/onshi/OQSsiquc01req") => Some((
                "application/xml",
                sample("onshi/OQSsiquc01req_verdict1_utf8.xml"),
            )),
            ("post", "/onshi/OQSmutic01req") => Some((
                "application/xml",
                sample("onshi/OQSmutic01req_sample_sjis.xml"),
            )),
            ("post", "/onshi/OQSmutic02req") => {
                // The reception number of a fresh 一括照会 (the sample's is unknown here).
                let accepted = raw(
                    &self.app,
                    "POST",
                    "/onshi/OQSmutic01req",
                    &self.auth(Who::Token),
                    Some((
                        "application/xml",
                        sample("onshi/OQSmutic01req_sample_sjis.xml"),
                    )),
                )
                .await;
                let text = String::from_utf8_lossy(&accepted.bytes).to_string();
                let number = text
                    .split_once("<ReceptionNumber>")
                    .and_then(|(_, rest)| rest.split_once("</ReceptionNumber>"))
                    .map_or("0", |(n, _)| n)
                    .to_string();
                let mut request = sample("onshi/OQSmutic02req_sample_sjis.xml");
                let old = b"2024041012345678";
                let at = request.windows(old.len()).position(|w| w == old).unwrap();
                request.splice(at..at + old.len(), number.bytes());
                Some(("application/xml", request))
            }
            _ => panic!("no request body for {method} {path}: add one to `body`"),
        }
    }

    pub async fn call(&self, method: &str, path: &str, who: Who, ids: Ids) -> Answer {
        let request = self.request(method, path, who, ids).await;
        raw(
            &self.app,
            &method.to_uppercase(),
            &request.path,
            &request.auth,
            request.body,
        )
        .await
    }

    /// The valid request of a route for `who` with `ids`.
    pub async fn request(&self, method: &str, path: &str, who: Who, ids: Ids) -> Prepared {
        let mut concrete = String::new();
        for segment in path.split('/').skip(1) {
            concrete.push('/');
            if segment == "{date}" {
                concrete.push_str(&self.closed_day(ids).await);
            } else if segment == "{office}" || segment == "{code}" {
                // The operator sees every office and institution: no other tenant's exists.
                concrete.push_str(match (segment, ids) {
                    ("{office}", Ids::Own) => TOKYO,
                    ("{code}", Ids::Own) => CLINIC,
                    ("{office}", _) => "99999999",
                    _ => "1319999999",
                });
            } else if segment.starts_with('{') {
                concrete.push_str(&self.id(method, path, who, ids).await.to_string());
            } else {
                concrete.push_str(segment);
            }
        }
        match path {
            "/api/office/checkups/import" | "/api/office/receipts/import" => {
                concrete.push_str("?skip_unmatched=1");
            }
            "/api/office/claims-check" => {
                concrete.push_str(&format!("?name={}", self.claims_zip.0));
            }
            _ => {}
        }
        let auth = if path == "/api/logout" {
            self.session(who).await
        } else {
            self.auth(who)
        };
        let body = self.body(method, path, who).await;
        Prepared {
            path: concrete,
            auth,
            body,
        }
    }
}

/// A request ready to send: the concrete path (with its query), who sends it, the body.
pub struct Prepared {
    pub path: String,
    pub auth: Auth,
    pub body: Option<(&'static str, Vec<u8>)>,
}
