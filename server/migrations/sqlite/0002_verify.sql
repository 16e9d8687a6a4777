-- 資格確認 at reception (issue 4). Keep in step with ../postgres/0002_verify.sql.
--
-- 本人同意: the recipient's agreement, given on the card reader, to show 薬剤情報 and
-- 健診情報 for this visit. Only by card and only with 資格有効性 1; one per verification.
CREATE TABLE consents (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    verification_id  INTEGER NOT NULL UNIQUE REFERENCES verifications (id),
    drug_info        INTEGER NOT NULL,        -- 薬剤情報 0/1
    checkup_info     INTEGER NOT NULL,        -- 健診情報 0/1
    recorded_at      TEXT NOT NULL            -- UTC RFC 3339
);
