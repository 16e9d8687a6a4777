-- 福祉事務所 portal (issue 3). Keep in step with ../sqlite/0003_office.sql.

-- 被保護者台帳: the 地区担当員 whose caseload the recipient is in, and the 閲覧制限 reason
-- (kept here, never in the audit log the recipient can read).
ALTER TABLE recipients ADD COLUMN caseworker_login TEXT;        -- users.login; NULL = unassigned
ALTER TABLE recipients ADD COLUMN restriction_reason TEXT;
ALTER TABLE recipients ADD COLUMN restriction_changed_at TEXT;  -- UTC RFC 3339
ALTER TABLE recipients ADD COLUMN restriction_changed_by TEXT;  -- login
CREATE INDEX recipients_caseworker ON recipients (office_number, caseworker_login);
CREATE INDEX recipients_birth_date ON recipients (office_number, birth_date);

-- 資格情報: a decision may be recorded before its 資格 is registered; the registration is
-- due 2 開庁日 after the decision (registration_due, computed when recorded with the
-- office's calendar; NULL for decisions that came from the seed or an import).
-- For a pending decision registered_at/registered_by hold when and by whom it was recorded.
ALTER TABLE qualification_events ADD COLUMN status TEXT NOT NULL DEFAULT 'registered'; -- registered | pending | withdrawn
ALTER TABLE qualification_events ADD COLUMN registration_due TEXT;
ALTER TABLE qualification_events ADD COLUMN recorded_at TEXT;
ALTER TABLE qualification_events ADD COLUMN recorded_by TEXT;
ALTER TABLE qualification_events ADD COLUMN withdraw_reason TEXT;
CREATE INDEX qualification_events_pending ON qualification_events (status, registration_due);

-- 医療券/調剤券: amendments, cancellation, and next month's renewal.
ALTER TABLE tickets ADD COLUMN updated_at TEXT;
ALTER TABLE tickets ADD COLUMN updated_by TEXT;
ALTER TABLE tickets ADD COLUMN cancelled_at TEXT;
ALTER TABLE tickets ADD COLUMN cancelled_by TEXT;
ALTER TABLE tickets ADD COLUMN cancel_reason TEXT;
ALTER TABLE tickets ADD COLUMN renewed_from BIGINT REFERENCES tickets (id);
CREATE INDEX tickets_office_created ON tickets (office_number, created_at);
CREATE INDEX tickets_office_month ON tickets (office_number, treatment_month);

-- Numbers the app issues per office: 受給者番号 (kind 'recipient', the 6-digit 受給者区分)
-- and 交付番号 (kind 'ticket:YYYYMM', the 5-digit serial of YYYYMM-NNNNN). Numbers already
-- taken (imports) are skipped when issuing.
CREATE TABLE office_sequences (
    office_number  TEXT NOT NULL REFERENCES offices (number),
    kind           TEXT NOT NULL,
    next_value     BIGINT NOT NULL,
    PRIMARY KEY (office_number, kind)
);
