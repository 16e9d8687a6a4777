-- The national operator's oversight (issue 13 item 7). Keep in step with ../postgres/0011_operator.sql.

-- The institution registry kept in the browser: 指定年月日, the end of the 指定 (when it
-- lapses or is not renewed) and 廃止年月日. NULL: not known or not applicable.
ALTER TABLE institutions ADD COLUMN designated_from TEXT;
ALTER TABLE institutions ADD COLUMN designated_until TEXT;
ALTER TABLE institutions ADD COLUMN abolished_on TEXT;

-- Every change the operator makes to an institution: one row per field changed (an
-- institution added: one row per field given), who and when. Append-only.
CREATE TABLE institution_changes (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_code  TEXT NOT NULL REFERENCES institutions (code),
    field             TEXT NOT NULL,          -- the field's Japanese label
    before_value      TEXT NOT NULL,          -- '' when there was none
    after_value       TEXT NOT NULL,
    changed_at        TEXT NOT NULL,          -- UTC RFC 3339
    changed_by        TEXT NOT NULL,          -- login
    changed_by_name   TEXT NOT NULL
);
CREATE INDEX institution_changes_code ON institution_changes (institution_code, id);

-- When the office first fetched a built daily feed (opened the day's feed or downloaded its
-- file), and who: NULL while nobody of the office has.
ALTER TABLE daily_feeds ADD COLUMN fetched_at TEXT;
ALTER TABLE daily_feeds ADD COLUMN fetched_by TEXT;

-- The compliance table reads every office's decisions and tickets of a period.
CREATE INDEX qualification_events_decision_date ON qualification_events (decision_date);
CREATE INDEX tickets_created_at ON tickets (created_at);
