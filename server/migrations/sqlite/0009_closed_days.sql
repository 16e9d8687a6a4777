-- The office's own 閉庁日 as the 査察指導員 enters them (issue 13 item 4): what the day is
-- (「市の創立記念日」) and who entered it when. Days stored before keep an empty name.
ALTER TABLE office_closed_days ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE office_closed_days ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
ALTER TABLE office_closed_days ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
