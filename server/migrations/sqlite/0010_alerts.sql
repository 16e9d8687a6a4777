-- The office's alerts from each day's feed (issue 13 item 1): 未委託受診 of the day and the
-- month-to-date 頻回受診 rule (domain::alerts). Keep in step with ../postgres/0010_alerts.sql.
-- One row per (office, alert_key): a rebuilt day updates the days and dates of its alerts
-- and never touches the handled_* columns (who marked it 対応済み, when, and what was done).
CREATE TABLE office_alerts (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    office_number         TEXT NOT NULL REFERENCES offices (number),
    alert_key             TEXT NOT NULL,          -- domain::alerts::AlertDraft::key
    kind                  TEXT NOT NULL,          -- unentrusted | frequent_visits
    recipient_id          INTEGER NOT NULL REFERENCES recipients (id),
    institution_code      TEXT NOT NULL,
    institution_name      TEXT NOT NULL,
    month                 TEXT NOT NULL,          -- YYYY-MM
    first_date            TEXT NOT NULL,          -- the first JST day whose feed found it
    last_date             TEXT NOT NULL,          -- the latest JST day whose feed found it
    dates                 TEXT NOT NULL,          -- YYYY-MM-DD,YYYY-MM-DD,…
    days_in_month         INTEGER NOT NULL,
    days_in_three_months  INTEGER,                   -- NULL for unentrusted
    detected_at           TEXT NOT NULL,          -- UTC RFC 3339
    updated_at            TEXT NOT NULL,
    handled_at            TEXT,                   -- NULL: open
    handled_by            TEXT,                   -- login
    handled_by_name       TEXT,
    handled_action        TEXT,                   -- domain::api::AlertAction code
    handled_note          TEXT,
    UNIQUE (office_number, alert_key)
);
CREATE INDEX office_alerts_office_handled ON office_alerts (office_number, handled_at);
