-- 健診情報 and 薬剤情報 (issue 7). Keep in step with ../postgres/0006_health.sql.
--
-- checkups: one person's 健診 on one day (key: recipient + 受診日; a re-import replaces
-- it and its items). checkup_items: JLAC10 code → value, the states 未実施 / 測定不能 /
-- 以下 / 以上 kept as kinds, never as numbers (domain::checkup::ItemValue).
CREATE TABLE checkups (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id     INTEGER NOT NULL REFERENCES recipients (id),
    office_number    TEXT NOT NULL REFERENCES offices (number),
    examined_on      TEXT NOT NULL,           -- 受診日
    fiscal_year      INTEGER NOT NULL,        -- 年度 of 受診日 (April–March)
    report_kind      TEXT NOT NULL,           -- 報告区分 (1.2.392.200119.6.1001)
    program          TEXT NOT NULL,           -- 健診プログラム (…6.1002)
    provider_number  TEXT,                    -- 特定健診機関番号 (10 digits, …6.102)
    provider_name    TEXT,
    source           TEXT NOT NULL,           -- cda | csv | seed
    imported_at      TEXT NOT NULL,
    imported_by      TEXT NOT NULL,
    UNIQUE (recipient_id, examined_on)
);
CREATE INDEX checkups_office_year ON checkups (office_number, fiscal_year);

CREATE TABLE checkup_items (
    checkup_id   INTEGER NOT NULL REFERENCES checkups (id),
    seq          INTEGER NOT NULL,            -- order in the checkup (table order)
    code         TEXT NOT NULL,               -- 17-character item code (JLAC10-based)
    kind         TEXT NOT NULL,               -- numeric | coded | text | not_performed | unmeasurable | below_limit | above_limit
    value        TEXT,                        -- the number as written, the code, or the text
    unit         TEXT,
    code_system  TEXT,
    PRIMARY KEY (checkup_id, code)
);

-- One accepted レセ電 file (or one IR block of it).
CREATE TABLE receipt_imports (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    file_sha256       TEXT NOT NULL,
    institution_code  TEXT NOT NULL,          -- from IR (都道府県 + 点数表 + 7 digits)
    institution_name  TEXT NOT NULL,
    billing_month     TEXT NOT NULL,          -- 請求年月 YYYY-MM
    receipts          INTEGER NOT NULL,
    drugs             INTEGER NOT NULL,
    imported_at       TEXT NOT NULL,
    imported_by       TEXT NOT NULL
);

-- 薬剤情報: one IY record of one receipt. A receipt is identified by institution +
-- 診療年月 + recipient + レセプト種別; importing it again replaces its drugs.
CREATE TABLE dispensed_drugs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id         INTEGER NOT NULL REFERENCES receipt_imports (id),
    recipient_id      INTEGER NOT NULL REFERENCES recipients (id),
    office_number     TEXT NOT NULL,
    institution_code  TEXT NOT NULL,
    treatment_month   TEXT NOT NULL,          -- 診療年月 YYYY-MM
    receipt_kind      TEXT NOT NULL,          -- レセプト種別
    receipt_number    TEXT NOT NULL,          -- レセプト番号 (in its file)
    line              INTEGER NOT NULL,       -- IY line in the file
    category          TEXT NOT NULL,          -- 診療識別 (21 内服, 22 屯服, 23 外用 …)
    drug_code         TEXT NOT NULL,          -- 医薬品コード (9 digits)
    quantity          TEXT NOT NULL,          -- 使用量 as written
    times             INTEGER NOT NULL,       -- 回数
    supply_days       INTEGER,                -- 内服: 回数 = 日数
    days_of_month     TEXT NOT NULL           -- 算定日, ";"-separated day numbers ("" if none)
);
CREATE INDEX dispensed_drugs_recipient ON dispensed_drugs (recipient_id, treatment_month);
CREATE INDEX dispensed_drugs_office_month ON dispensed_drugs (office_number, treatment_month);
CREATE INDEX dispensed_drugs_receipt ON dispensed_drugs (institution_code, treatment_month, recipient_id, receipt_kind);

-- 医薬品マスター (社会保険診療報酬支払基金, y.csv layout): names the drugs of dispensed_drugs.
CREATE TABLE drug_master (
    code          TEXT PRIMARY KEY,           -- 医薬品コード
    name          TEXT NOT NULL,
    unit          TEXT,
    controlled    TEXT NOT NULL,              -- 麻薬・毒薬・覚醒剤原料・向精神薬 (5 = 向精神薬)
    yj_code       TEXT,                       -- 薬価基準収載医薬品コード
    generic_name  TEXT,
    updated_at    TEXT NOT NULL
);
