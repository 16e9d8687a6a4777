-- 一括照会 reads audited as one row each (issue 12: the roster read's server time). Keep in
-- step with ../postgres/0012_roster_reads.sql.
--
-- A clinic's desk refreshes its month's roster every few minutes, and each read is a read of
-- every recipient listed. Written as one `audit_log` row per recipient, each read touched a
-- thousand pages of the (recipient_id, at) index. Now the set of recipients a read listed is
-- stored once (`roster_sets`, its members in `roster_set_members`, indexed by recipient),
-- and each read is one `audit_log` row (action `roster`, recipient_id NULL) naming its set.
-- A read that lists the same recipients as an earlier read of the same institution and month
-- reuses that set. A recipient's 提供記録 finds the reads through their memberships: exactly
-- the reads that listed them. Rows written before this migration (one per recipient) stay
-- as they are and are read as before.
CREATE TABLE roster_sets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    institution_code  TEXT NOT NULL,
    month             TEXT NOT NULL,              -- 診療年月 YYYY-MM
    digest            TEXT NOT NULL,              -- SHA-256 (hex) of the sorted recipient ids
    size              INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    UNIQUE (institution_code, month, digest)
);

CREATE TABLE roster_set_members (
    recipient_id  INTEGER NOT NULL REFERENCES recipients (id),
    set_id        INTEGER NOT NULL REFERENCES roster_sets (id),
    PRIMARY KEY (recipient_id, set_id)
) WITHOUT ROWID;

ALTER TABLE audit_log ADD COLUMN roster_set_id INTEGER REFERENCES roster_sets (id);
CREATE INDEX audit_log_roster_set ON audit_log (roster_set_id, at) WHERE roster_set_id IS NOT NULL;
