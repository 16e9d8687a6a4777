-- Daily feed and screening (issue 6). Keep in step with ../postgres/0004_screening.sql.

-- One build of an office's daily feed: the previous JST day's verifications of its
-- recipients. Re-building a day replaces its row (the feed itself is read from
-- verifications by office_number and verified_date).
CREATE TABLE daily_feeds (
    office_number       TEXT NOT NULL REFERENCES offices (number),
    feed_date           TEXT NOT NULL,        -- the JST day covered
    verification_count  INTEGER NOT NULL,
    built_at            TEXT NOT NULL,        -- UTC RFC 3339
    PRIMARY KEY (office_number, feed_date)
);

-- What the caseworker did about a screening candidate. Append-only history; last month's
-- entries are shown beside this month's candidates.
CREATE TABLE screening_followups (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    office_number     TEXT NOT NULL REFERENCES offices (number),
    recipient_id      INTEGER NOT NULL REFERENCES recipients (id),
    institution_code  TEXT,                   -- NULL: about the recipient (多数医療機関受診)
    month             TEXT NOT NULL,          -- the screened month, YYYY-MM
    category          TEXT,                   -- 区分 label; NULL for 多数医療機関受診
    action            TEXT NOT NULL,          -- attending_doctor | commissioned_doctor | guidance | not_applicable
    note              TEXT NOT NULL DEFAULT '',
    recorded_by       TEXT NOT NULL,          -- login
    recorded_by_name  TEXT NOT NULL,
    recorded_at       TEXT NOT NULL           -- UTC RFC 3339
);
CREATE INDEX screening_followups_office_month ON screening_followups (office_number, month);
