use super::*;

const CLINIC_A: &[u8] = include_bytes!("../../../docs/samples/receipts/1311234569_202405.csv");
const CLINIC_B: &[u8] = include_bytes!("../../../docs/samples/receipts/1311200032_202405.csv");
const MASTER: &[u8] = include_bytes!("../../../docs/samples/receipts/drug-master.csv");

fn utf8(bytes: &[u8]) -> String {
    crate::import::decode_text(bytes).unwrap()
}

/// The sample of clinic B with one line replaced (1-based), as UTF-8 bytes.
fn with_line(n: usize, replacement: &str) -> Vec<u8> {
    let text = utf8(CLINIC_B);
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    lines[n - 1] = replacement.to_string();
    lines.join("\r\n").into_bytes()
}

fn iy(category: &str, code: &str, quantity: &str, times: &str) -> String {
    let mut fields = vec![
        "IY".to_string(),
        category.to_string(),
        "5".to_string(),
        code.to_string(),
        quantity.to_string(),
        "1".to_string(),
        times.to_string(),
    ];
    fields.resize(44, String::new());
    fields.join(",")
}

#[test]
fn receipt_samples_parse() {
    let a = parse_receipts(CLINIC_A).unwrap();
    assert_eq!(a.blocks.len(), 1);
    let block = &a.blocks[0];
    assert_eq!(block.institution.as_str(), "1311234569");
    assert_eq!(block.institution_name, "みどり内科クリニック");
    assert_eq!(block.billing_month, (2024, 5));
    assert_eq!(block.receipts.len(), 2);
    let hanako = &block.receipts[0];
    assert_eq!(
        (hanako.office.as_str(), hanako.recipient.as_str()),
        ("12131017", "1234566")
    );
    assert_eq!(hanako.treatment_month, (2024, 4));
    assert_eq!(hanako.month_text(), "2024-04");
    assert_eq!(
        hanako.birth_date,
        NaiveDate::from_ymd_opt(1952, 4, 10).unwrap()
    );
    assert_eq!(hanako.patient_name, "見本　花子");
    type Drug<'a> = (&'a str, &'a str, &'a str, u32, Option<u32>, &'a [u8]);
    let drugs: Vec<Drug> = hanako
        .drugs
        .iter()
        .map(|d| {
            (
                d.category.as_str(),
                d.code.as_str(),
                d.quantity.as_str(),
                d.times,
                d.supply_days,
                d.days.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        drugs,
        vec![
            // 回数 blank on the first line of the 剤: the closing line's 30 applies.
            ("21", "629990001", "1", 30, Some(30), &[8u8][..]),
            // 診療識別 blank: the previous record's (21).
            ("21", "629990005", "1", 30, Some(30), &[8][..]),
            // 屯服: no days.
            ("22", "629990004", "10", 1, None, &[22][..]),
        ]
    );
    assert_eq!(hanako.label(), "RE（レセプト番号 1、12131017-1234566）");
    let b = parse_receipts(CLINIC_B).unwrap();
    assert_eq!(b.blocks[0].institution.as_str(), "1311200032");
    assert_eq!(b.receipts().count(), 1);
    // The same file in UTF-8 reads the same.
    assert_eq!(parse_receipts(utf8(CLINIC_A).as_bytes()).unwrap(), a);
    // LF line ends and a trailing EOF mark (0x1A) are accepted.
    let lf = format!("{}\u{1a}", utf8(CLINIC_B).replace("\r\n", "\n"));
    assert_eq!(parse_receipts(lf.as_bytes()).unwrap(), b);
}

#[test]
fn receipt_malformed_records_by_line() {
    // Clinic B: 1 IR, 2 RE, 3 KO, 4 SY, 5 SI, 6 IY, 7 IY, 8 GO.
    let ir = |code: &str, table: &str| {
        format!("IR,1,13,{table},{code},,北町診療所,202405,00,03-0000-5678")
    };
    type Case = (Vec<u8>, (Option<usize>, &'static str, &'static str));
    let cases: Vec<Case> = vec![
        (
            with_line(1, &ir("1200031", "1")),
            (Some(1), "IR 医療機関コード", "検証番号"),
        ),
        (
            with_line(1, &ir("1200032", "4")),
            (Some(1), "IR 点数表", "「4」"),
        ),
        (
            with_line(1, &ir("120003", "1")),
            (Some(1), "IR 医療機関コード", "7桁"),
        ),
        (
            with_line(1, "YK,1,13,4,1200032,,北町薬局,202405,00,"),
            (Some(1), "レコード識別情報", "調剤レセプト"),
        ),
        (
            with_line(2, "RE,1,1212,2024-04,見本　花子,2,19520410"),
            (Some(2), "RE 診療年月", "「2024-04」"),
        ),
        (
            with_line(2, "RE,1,1212,202404,見本　花子,2,19520431"),
            (Some(2), "RE 生年月日", "「19520431」"),
        ),
        (
            with_line(2, "RE,1,1212,202404,見本　花子,3,19520410"),
            (Some(2), "RE 男女区分", "「3」"),
        ),
        (
            with_line(3, "KO,12131017,1234567,,1,180,0,,,,,"),
            (Some(3), "KO 受給者番号", "検証番号"),
        ),
        (
            with_line(3, "KO,54016027,1234566,,1,180,0,,,,,"),
            (Some(2), "KO", "法別番号12"),
        ),
        (
            with_line(3, "KO,1213101,1234566,,1,180,0,,,,,"),
            (Some(3), "KO 負担者番号", "8桁"),
        ),
        (
            with_line(6, &iy("21", "62999000", "2", "14")),
            (Some(6), "IY 医薬品コード", "9桁"),
        ),
        (
            with_line(6, &iy("21", "629990001", "二", "14")),
            (Some(6), "IY 使用量", "「二」"),
        ),
        (
            with_line(6, &iy("2A", "629990001", "2", "14")),
            (Some(6), "IY 診療識別", "2桁"),
        ),
        (
            with_line(6, &iy("21", "629990001", "2", "0")),
            (Some(6), "IY 回数", "1〜999"),
        ),
        (
            with_line(7, &iy("21", "629990002", "1", "")),
            (Some(7), "IY 回数", "回数が空欄"),
        ),
        (
            with_line(6, "IY,21,5,629990001,2,2,14,,,,,,,,,,,,,,,,,,,,,,,,x"),
            (Some(6), "IY 算定日（18日）", "「x」"),
        ),
        (
            with_line(8, "GO,2,180,99"),
            (Some(8), "GO 総件数", "RE（レセプト）は 1 件"),
        ),
        (with_line(8, ""), (None, "GO", "途中で切れて")),
        (
            with_line(4, "S!,0000999"),
            (Some(4), "レコード識別情報", "「S!」"),
        ),
        (
            with_line(2, "IY,21,5,629990001,1,1,1"),
            (Some(2), "IY", "前に RE（レセプト共通）"),
        ),
        (
            b"".to_vec(),
            (None, "IR", "IR（医療機関情報）レコードがありません"),
        ),
        (
            vec![0xFF, 0xFE, 0x49, 0x00, 0x52, 0x00],
            (None, "ファイル", "文字コード"),
        ),
    ];
    for (bytes, (line, field, part)) in cases {
        let errors = parse_receipts(&bytes).unwrap_err();
        let e = errors
            .iter()
            .find(|e| e.field == field)
            .unwrap_or_else(|| panic!("{field}: {errors:?}"));
        assert_eq!(e.line, line, "{field}: {errors:?}");
        assert!(e.message.contains(part), "{field}: {}", e.message);
    }
    // Errors inside a receipt name it.
    let errors = parse_receipts(&with_line(6, &iy("21", "6299", "2", "14"))).unwrap_err();
    assert_eq!(errors[0].record.as_deref(), Some("RE（レセプト番号 1）"));
    // Every bad record is reported, in line order.
    let text = utf8(CLINIC_B)
        .replace("629990001,2,", "62999000X,2,")
        .replace("KO,12131017,1234566", "KO,12131017,1234567");
    let lines: Vec<Option<usize>> = parse_receipts(text.as_bytes())
        .unwrap_err()
        .iter()
        .map(|e| e.line)
        .collect();
    assert_eq!(lines, vec![Some(3), Some(6)]);
}

#[test]
fn receipt_dates_and_blocks() {
    // (raw, month) and (raw, date): 西暦 and 和暦 forms.
    for (raw, want) in [
        ("202404", Some((2024, 4))),
        ("50604", Some((2024, 4))),
        ("43104", Some((2019, 4))),
        ("202413", None),
        ("2024", None),
        ("20240A", None),
    ] {
        assert_eq!(parse_month(raw), want, "{raw}");
    }
    for (raw, want) in [
        ("19520410", NaiveDate::from_ymd_opt(1952, 4, 10)),
        ("3270410", NaiveDate::from_ymd_opt(1952, 4, 10)),
        ("5010501", NaiveDate::from_ymd_opt(2019, 5, 1)),
        ("5010430", None),
        ("19520230", None),
    ] {
        assert_eq!(parse_date(raw), want, "{raw}");
    }
    // Two institutions in one file, each closed by its own GO; an HO record is fine.
    let a = utf8(CLINIC_A);
    let b = utf8(CLINIC_B).replace("KO,", "HO,06131017,,1,1,180,,,,,,,,,\r\nKO,");
    let both = parse_receipts(format!("{a}{b}").as_bytes()).unwrap();
    assert_eq!(both.blocks.len(), 2);
    assert_eq!(both.receipts().count(), 3);
    // A second IR before the first block's GO.
    let without_go = a.replace("GO,2,1257,99\r\n", "");
    let errors = parse_receipts(format!("{without_go}{b}").as_bytes()).unwrap_err();
    assert!(errors
        .iter()
        .any(|e| e.field == "GO" && e.message.contains("次の IR")));
    // The same レセプト番号 twice in one block.
    let twice = a.replacen("RE,2,", "RE,1,", 1);
    let errors = parse_receipts(twice.as_bytes()).unwrap_err();
    assert!(
        errors.iter().any(|e| e.field == "RE レセプト番号"),
        "{errors:?}"
    );
}

#[test]
fn receipt_drug_master() {
    let rows = parse_drug_master(MASTER).unwrap();
    assert_eq!(rows.len(), 7);
    let etizolam = &rows[0];
    assert_eq!(etizolam.code, "629990001");
    assert_eq!(etizolam.name, "エチゾラム錠０．５ｍｇ「見本」");
    assert_eq!(etizolam.unit.as_deref(), Some("錠"));
    assert_eq!(etizolam.controlled, CONTROLLED_PSYCHOTROPIC);
    assert_eq!(etizolam.yj_code.as_deref(), Some("1179025F1990"));
    assert_eq!(
        etizolam.generic_name.as_deref(),
        Some("【般】エチゾラム錠０．５ｍｇ")
    );
    assert_eq!(rows[3].yj_code, None);
    // With a header line (as some published copies have), quoted (as the 支払基金 file is).
    let text = utf8(MASTER);
    let header = format!("変更区分,マスター種別,医薬品コード{}\r\n", ",x".repeat(39));
    assert_eq!(
        parse_drug_master(format!("{header}{text}").as_bytes()).unwrap(),
        rows.iter()
            .map(|r| DrugMasterRow {
                line: r.line + 1,
                ..r.clone()
            })
            .collect::<Vec<_>>()
    );
    let quoted: String = text
        .lines()
        .map(|l| {
            l.split(',')
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\r\n");
    assert_eq!(parse_drug_master(quoted.as_bytes()).unwrap(), rows);
    // Bad rows, by line.
    let cases: &[(&str, &str, &str)] = &[
        ("629990001,", "62999001,", "医薬品コード"),
        ("エチゾラム錠０．５ｍｇ「見本」,20", ",20", "医薬品名"),
        (
            ",0,0,0\r\n0,Y,629990002",
            ",0,0,0\r\n0,Y,629990001",
            "医薬品コード",
        ),
    ];
    for (from, to, field) in cases {
        let bad = text.replacen(from, to, 1);
        let errors = parse_drug_master(bad.as_bytes()).unwrap_err();
        assert_eq!(errors[0].field, *field, "{to}: {errors:?}");
        assert!(errors[0].line.is_some());
    }
    let short = parse_drug_master("0,Y,629990001,1,x\r\n".as_bytes()).unwrap_err();
    assert_eq!(short[0].field, "列数");
}
