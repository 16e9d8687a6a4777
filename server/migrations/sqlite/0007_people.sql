-- 被保護者 as one person across offices, 資格 as a history (issue 11).
-- Keep in step with ../postgres/0007_people.sql (they differ in MIN/LEAST and integer types).

-- The person. Its id is the id of the person's first recipients row, so every existing
-- row becomes its own person and a new row's id is never taken by another person.
-- A 転居 links the new office's row to the same person (recipients.person_id).
CREATE TABLE people (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL
);
INSERT INTO people (id, created_at) SELECT id, created_at FROM recipients;

ALTER TABLE recipients ADD COLUMN person_id INTEGER REFERENCES people (id);
UPDATE recipients SET person_id = id;
-- HMAC-SHA256 of the 個人番号 under a key derived from data.key: finds the person when
-- another office registers them (転居) without decrypting every stored number. Filled by
-- the server for rows stored before this migration.
ALTER TABLE recipients ADD COLUMN individual_number_digest TEXT;
CREATE INDEX recipients_person ON recipients (person_id);
CREATE INDEX recipients_individual_number_digest ON recipients (individual_number_digest);

-- Where a decision came from: decision (a caseworker, the seed), import (the
-- 資格取得日/資格喪失日 of recipients.csv) or migration (written below). A 廃止 recorded at
-- the old office when the new office registers the 開始 of a 転居 names that 開始.
ALTER TABLE qualification_events ADD COLUMN source TEXT NOT NULL DEFAULT 'decision';
ALTER TABLE qualification_events ADD COLUMN linked_event_id INTEGER REFERENCES qualification_events (id);
CREATE INDEX qualification_events_history ON qualification_events (recipient_id, status, effective_date);

-- Until now a record imported with a 資格取得日/資格喪失日 pair had no decision for it, and
-- a decision replaced the pair. From here on the history alone holds 資格:
-- 1. a pair with no registered decision becomes 開始 (and 廃止) decisions from the import
--    (a 資格喪失日 without 資格取得日 stood for no 資格: a lone 廃止 would refuse every
--    later decision);
INSERT INTO qualification_events
    (recipient_id, kind, effective_date, decision_date, registered_at, registered_by, status, source)
SELECT r.id, 'start', r.qualified_from, r.qualified_from, r.created_at, 'import', 'registered', 'import'
FROM recipients r
WHERE r.qualified_from IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM qualification_events e WHERE e.recipient_id = r.id AND e.status = 'registered');
INSERT INTO qualification_events
    (recipient_id, kind, effective_date, decision_date, registered_at, registered_by, status, source)
SELECT r.id, 'abolish', r.qualified_until, r.qualified_until, r.created_at, 'import', 'registered', 'import'
FROM recipients r
WHERE r.qualified_from IS NOT NULL AND r.qualified_until IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM qualification_events e WHERE e.recipient_id = r.id AND e.status = 'registered' AND e.source = 'decision');
-- 2. a history that begins with a 停止 or 廃止 (decisions on top of an imported pair) gets
--    the 開始 the pair stood for. After a 再開 the pair's 資格取得日 was already replaced:
--    the earliest date known is then the first decision's, which is what is kept.
INSERT INTO qualification_events
    (recipient_id, kind, effective_date, decision_date, registered_at, registered_by, status, source)
SELECT r.id, 'start', MIN(r.qualified_from, f.effective_date), MIN(r.qualified_from, f.effective_date),
       r.created_at, 'import', 'registered', 'migration'
FROM recipients r
JOIN qualification_events f ON f.recipient_id = r.id AND f.status = 'registered' AND f.source = 'decision'
WHERE r.qualified_from IS NOT NULL
  AND f.kind IN ('suspend', 'abolish')
  AND NOT EXISTS (
      SELECT 1 FROM qualification_events g
      WHERE g.recipient_id = r.id AND g.status = 'registered' AND g.id <> f.id
        AND (g.effective_date < f.effective_date
             OR (g.effective_date = f.effective_date AND g.kind IN ('start', 'restart'))
             OR (g.effective_date = f.effective_date AND g.id < f.id)));
-- 3. The previous release's recipients.csv import replaced the pair of any record, decisions
--    or not, and verification went by the pair: where the end of the history and the pair
--    disagree on whether 資格 goes on, the pair is the later word.
--    "Last" is the order the history applies: 効力発生日, 開始・再開 before 停止・廃止, id.
--    a. the pair begins after the history's last 停止 or 廃止: a 再開 or a 開始 on its 資格取得日;
INSERT INTO qualification_events
    (recipient_id, kind, effective_date, decision_date, registered_at, registered_by, status, source)
SELECT r.id, CASE WHEN l.kind = 'suspend' THEN 'restart' ELSE 'start' END, r.qualified_from, r.qualified_from,
       r.created_at, 'import', 'registered', 'migration'
FROM recipients r
JOIN qualification_events l ON l.recipient_id = r.id AND l.status = 'registered'
WHERE r.qualified_from IS NOT NULL
  AND l.kind IN ('suspend', 'abolish')
  AND l.effective_date < r.qualified_from
  AND NOT EXISTS (
      SELECT 1 FROM qualification_events g
      WHERE g.recipient_id = r.id AND g.status = 'registered' AND g.id <> l.id
        AND (g.effective_date, CASE WHEN g.kind IN ('start', 'restart') THEN 0 ELSE 1 END, g.id)
          > (l.effective_date, CASE WHEN l.kind IN ('start', 'restart') THEN 0 ELSE 1 END, l.id));
--    b. the history ends covered but the pair has a 資格喪失日 on or after its last 開始 or
--       再開: a 廃止 on that date (after a. for a pair that both reopens and closes).
INSERT INTO qualification_events
    (recipient_id, kind, effective_date, decision_date, registered_at, registered_by, status, source)
SELECT r.id, 'abolish', r.qualified_until, r.qualified_until, r.created_at, 'import', 'registered', 'migration'
FROM recipients r
JOIN qualification_events l ON l.recipient_id = r.id AND l.status = 'registered'
WHERE r.qualified_from IS NOT NULL AND r.qualified_until IS NOT NULL
  AND l.kind IN ('start', 'restart')
  AND l.effective_date <= r.qualified_until
  AND NOT EXISTS (
      SELECT 1 FROM qualification_events g
      WHERE g.recipient_id = r.id AND g.status = 'registered' AND g.id <> l.id
        AND (g.effective_date, CASE WHEN g.kind IN ('start', 'restart') THEN 0 ELSE 1 END, g.id)
          > (l.effective_date, CASE WHEN l.kind IN ('start', 'restart') THEN 0 ELSE 1 END, l.id));
--    A pair that disagrees otherwise (another 資格取得日 for the same open period, or one that
--    reopens on or before a registered 廃止) cannot be told from a stale file: the
--    registered decisions stand.
