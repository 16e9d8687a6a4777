-- onshi XML 一括照会 and 請求前資格確認 (issue 8). Keep in step with ../postgres/0005_onshi.sql.

-- 医療扶助 一括照会 accepted through OQSmutic01req; the result is prepared in the background
-- and fetched with OQSmutic02req by its reception number. Rows older than 7 days are deleted
-- (the result holds personal data).
CREATE TABLE bulk_requests (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    reception_number  TEXT NOT NULL UNIQUE,    -- ReceptionNumber answered in OQSmutic01res
    request_key       TEXT NOT NULL UNIQUE,    -- hash of institution, JST date and request bytes: a resent request gets the same number
    institution_code  TEXT NOT NULL REFERENCES institutions (code),
    month             TEXT NOT NULL,           -- 診療年月 YYYY-MM
    status            TEXT NOT NULL,           -- processing | ready | failed
    created_at        TEXT NOT NULL,
    ready_at          TEXT,
    result            TEXT                     -- once ready: {"roster": domain::api::Roster, "recipient_ids": [...]} (JSON)
);
CREATE INDEX bulk_requests_created ON bulk_requests (created_at);

-- 請求前資格確認: one row per 資格情報ファイル checked, with its review.
CREATE TABLE claims_checks (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    office_number  TEXT NOT NULL REFERENCES offices (number),
    file_name      TEXT NOT NULL,
    billing_month  TEXT NOT NULL,              -- 請求年月 YYYY-MM (from the file name)
    receipt_count  INTEGER NOT NULL,
    return_count   INTEGER NOT NULL,
    checked_at     TEXT NOT NULL,
    checked_by     TEXT NOT NULL,              -- login, or "onshi claims-check"
    review         TEXT NOT NULL               -- JSON of domain::api::ClaimsReview
);
CREATE INDEX claims_checks_office ON claims_checks (office_number, checked_at);
