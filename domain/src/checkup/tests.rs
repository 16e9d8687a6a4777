use std::io::Write as _;

use super::*;

const SAMPLE_CSV: &str = include_str!("../../../docs/samples/checkups/checkups.csv");
const SAMPLE_ARCHIVE: &str = "../docs/samples/checkups/checkups-cda.zip";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn numeric(value: &str, unit: Option<&str>) -> ItemValue {
    ItemValue::Numeric {
        value: value.to_string(),
        unit: unit.map(str::to_string),
    }
}

fn urine(code: &str) -> ItemValue {
    ItemValue::Coded {
        code: code.to_string(),
        code_system: OID_URINE_QUALITATIVE.to_string(),
    }
}

/// A checkup with every kind of value, an item outside the table, and awkward text.
fn full_checkup() -> Checkup {
    let items = [
        ("9N001000000000001", numeric("150.2", Some("cm"))),
        ("9N011000000000001", numeric("23.40", Some("kg/m2"))),
        ("9N016160100000001", ItemValue::Unmeasurable),
        ("9A751000000000001", numeric("138", Some("mm[Hg]"))),
        ("3D046000001906202", numeric("5.9", Some("%"))),
        ("3F077000002327101", ItemValue::NotPerformed),
        ("3B090000002327101", ItemValue::BelowLimit),
        ("3F015000002327101", ItemValue::AboveLimit),
        ("1A020000000191111", urine("1")),
        ("1A010000000190111", ItemValue::Unmeasurable),
        (
            "9N501000000000011",
            ItemValue::Text {
                text: "所見 <あり> & \"要\"".to_string(),
            },
        ),
        (
            "9N701000000000011",
            ItemValue::Coded {
                code: "2".to_string(),
                code_system: "1.2.392.200119.6.2003".to_string(),
            },
        ),
        ("8A065000002391901", numeric("-0.5", Some("mL/min/1.73m2"))),
    ];
    let mut c = Checkup {
        office: PublicPayerNumber::parse("12131017").unwrap(),
        recipient: RecipientNumber::parse("1234566").unwrap(),
        symbol: Some("記号&1".to_string()),
        name: "見本　花子".to_string(),
        sex: Sex::Female,
        birth_date: date(1952, 4, 10),
        postal_code: Some("100-0003".to_string()),
        address: Some("東京都みどり区南町一丁目2番3号".to_string()),
        examined_on: date(2023, 9, 12),
        report_kind: "10".to_string(),
        program: "010".to_string(),
        provider: Some(Provider {
            number: Some("1311234569".to_string()),
            name: Some("みどり内科クリニック".to_string()),
        }),
        items: items
            .into_iter()
            .map(|(code, value)| CheckupItem {
                code: code.to_string(),
                value,
            })
            .collect(),
    };
    c.normalize();
    c
}

fn archive_of(checkups: Vec<Checkup>) -> CheckupArchive {
    CheckupArchive {
        index: export_index(
            &PublicPayerNumber::parse("12131017").unwrap(),
            date(2024, 5, 1),
        ),
        checkups,
        files: Vec::new(),
    }
}

/// A zip of (name, contents), deflated.
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        out.start_file(*name, options).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn index_xml(count: usize) -> String {
    let mut index = export_index(
        &PublicPayerNumber::parse("12131017").unwrap(),
        date(2024, 5, 1),
    );
    index.total_record_count = u64::try_from(count).unwrap();
    write_index(&index)
}

fn errors(result: Result<CheckupArchive, Vec<RecordError>>) -> Vec<RecordError> {
    result.err().unwrap_or_default()
}

#[test]
fn checkup_document_round_trip_keeps_every_value() {
    let c = full_checkup();
    let xml = write_document(&c, date(2024, 5, 1));
    let back = parse_document(xml.as_bytes(), Limits::DEFAULT.max_xml_bytes).unwrap();
    assert_eq!(back, c);
    // The states are spelled as the CDA spells them.
    assert!(xml.contains("negationInd=\"true\""));
    assert!(xml.contains("nullFlavor=\"NI\""));
    assert!(xml.contains("code=\"L\" codeSystem=\"2.16.840.1.113883.5.83\" displayName=\"以下\""));
    assert!(xml.contains("<value xsi:type=\"PQ\" value=\"23.40\" unit=\"kg/m2\"/>"));
    assert!(xml.contains("<id extension=\"12131017\" root=\"1.2.392.200119.6.101\"/>"));
    assert!(xml.contains("<id extension=\"1234566\" root=\"1.2.392.200119.6.205\"/>"));
    assert!(
        xml.contains("code=\"01990\""),
        "items outside the table go to 任意追加項目"
    );
    // Table items first, then others by code.
    assert_eq!(c.items.first().unwrap().code, "9N001000000000001");
    assert_eq!(c.items.last().unwrap().code, "9N701000000000011");
}

#[test]
fn checkup_archive_round_trip_keeps_every_value() {
    let mut second = full_checkup();
    second.recipient = RecipientNumber::parse("0000018").unwrap();
    second.symbol = None;
    second.address = None;
    second.postal_code = None;
    second.provider = None;
    second.items.truncate(3);
    let archive = archive_of(vec![full_checkup(), second]);
    let bytes = write_archive(&archive).unwrap();
    assert_eq!(
        write_archive(&archive).unwrap(),
        bytes,
        "the same input gives the same bytes"
    );
    let back = parse_archive(&bytes, Limits::DEFAULT).unwrap();
    assert_eq!(back.checkups, archive.checkups);
    assert_eq!(back.index.total_record_count, 2);
    assert_eq!(back.index.sender.extension, "12131017");
    assert_eq!(back.index.interaction_type, EXPORT_INTERACTION_TYPE);
    let names: Vec<String> = zip::ZipArchive::new(Cursor::new(&bytes))
        .unwrap()
        .file_names()
        .map(str::to_string)
        .collect();
    assert!(names.contains(&"12131017_12131017_202405011_1/ix08_V08.xml".to_string()));
    assert!(names.contains(&"12131017_12131017_202405011_1/su08_V08.xml".to_string()));
    assert!(names
        .contains(&"12131017_12131017_202405011_1/DATA/h121310172024050111000002.xml".to_string()));
    // An empty archive is an archive too.
    let empty = write_archive(&archive_of(vec![])).unwrap();
    assert_eq!(
        parse_archive(&empty, Limits::DEFAULT).unwrap().checkups,
        vec![]
    );
}

#[test]
fn checkup_csv_round_trip_keeps_every_value() {
    let c = full_checkup();
    let text = write_csv(std::slice::from_ref(&c));
    let back = parse_csv(&text).unwrap();
    // The CSV carries no address, 記号, 報告区分 or プログラム.
    let expected = Checkup {
        symbol: None,
        postal_code: None,
        address: None,
        ..c
    };
    assert_eq!(back, vec![expected]);
    assert!(
        text.contains(",文字:\"") || text.contains("\"文字:"),
        "{text}"
    );
}

#[test]
fn checkup_sample_archive_is_the_sample_csv() {
    let checkups = parse_csv(SAMPLE_CSV).unwrap();
    assert_eq!(checkups.len(), 3);
    let archive = archive_of(checkups.clone());
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE_ARCHIVE);
    if std::env::var_os("ONSHI_WRITE_SAMPLES").is_some() {
        std::fs::write(&path, write_archive(&archive).unwrap()).unwrap();
    }
    let committed = std::fs::read(&path).unwrap();
    let parsed = parse_archive(&committed, Limits::DEFAULT).unwrap();
    assert_eq!(parsed.checkups, checkups);
    assert_eq!(parsed.index.creation_date, date(2024, 5, 1));
    // What the sample shows: every state, kept as such.
    let hanako = &checkups[0];
    assert_eq!(
        hanako.value("3F077000002327101"),
        Some(&ItemValue::NotPerformed)
    );
    assert_eq!(
        hanako.value("3B090000002327101"),
        Some(&ItemValue::BelowLimit)
    );
    assert_eq!(hanako.value("1A010000000191111"), Some(&urine("2")));
    let taro = &checkups[1];
    assert_eq!(
        taro.value("9N016160100000001"),
        Some(&ItemValue::Unmeasurable)
    );
    assert_eq!(
        taro.value("3F015000002327101"),
        Some(&ItemValue::AboveLimit)
    );
    assert_eq!(
        taro.value("3D046000001920402"),
        Some(&numeric("6.40", Some("%")))
    );
    assert_eq!(checkups[2].provider, None);
    // Where each came from: the DATA file, or the CSV line of its first row.
    let (format, sourced) = parse_upload(&committed, Limits::DEFAULT).unwrap();
    assert_eq!(format, CheckupFormat::Cda);
    assert_eq!(
        sourced[1].file.as_deref(),
        Some("12131017_12131017_202405011_1/DATA/h121310172024050111000002.xml")
    );
    let (format, sourced) = parse_upload(SAMPLE_CSV.as_bytes(), Limits::DEFAULT).unwrap();
    assert_eq!(format, CheckupFormat::Csv);
    let lines: Vec<Option<usize>> = sourced.iter().map(|s| s.line).collect();
    assert_eq!(lines, [Some(2), Some(20), Some(40)]);
    let e = sourced[1].error("受給者番号", "x");
    assert_eq!(
        e.to_string(),
        "20行目 受診者 12131017-0000018（受診日 2023-10-03） 受給者番号: x"
    );
}

#[test]
fn checkup_archive_refuses_hostile_and_broken_input() {
    let good_doc = write_document(&full_checkup(), date(2024, 5, 1));
    let doctype = good_doc.replacen(
        "<ClinicalDocument",
        "<!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<ClinicalDocument",
        1,
    );
    let entity = good_doc.replacen("見本　花子", "&xxe;", 1);
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&good_doc);
    let good_zip = zip_of(&[
        ("A/ix08_V08.xml", index_xml(1).as_bytes()),
        ("A/DATA/h1.xml", good_doc.as_bytes()),
    ]);
    let bomb = vec![b' '; 3 << 20];
    let small = Limits {
        max_archive_bytes: 1 << 20,
        max_entries: 10,
        max_xml_bytes: 256 << 10,
        max_total_bytes: 1 << 20,
    };
    // (case, archive bytes, limits, (file part, line, field, message part))
    type Case = (
        &'static str,
        Vec<u8>,
        Limits,
        (&'static str, Option<usize>, &'static str, &'static str),
    );
    let cases: Vec<Case> = vec![
        (
            "DOCTYPE with an external entity",
            zip_of(&[
                ("ix08_V08.xml", index_xml(1).as_bytes()),
                ("DATA/h1.xml", doctype.as_bytes()),
            ]),
            Limits::DEFAULT,
            ("DATA/h1.xml", Some(2), "XML", "DOCTYPE"),
        ),
        (
            "undeclared entity",
            zip_of(&[
                ("ix08_V08.xml", index_xml(1).as_bytes()),
                ("DATA/h1.xml", entity.as_bytes()),
            ]),
            Limits::DEFAULT,
            ("DATA/h1.xml", Some(17), "XML", "「&xxe;」"),
        ),
        (
            "DOCTYPE in the index",
            zip_of(&[(
                "ix08_V08.xml",
                b"<!DOCTYPE index [<!ENTITY a \"b\">]><index/>",
            )]),
            Limits::DEFAULT,
            ("ix08_V08.xml", Some(1), "XML", "DOCTYPE"),
        ),
        (
            "Shift_JIS bytes without a declaration",
            zip_of(&[
                ("ix08_V08.xml", index_xml(1).as_bytes()),
                ("DATA/h1.xml", &sjis),
            ]),
            Limits::DEFAULT,
            ("DATA/h1.xml", None, "XML", "UTF-8"),
        ),
        (
            "truncated zip",
            good_zip[..good_zip.len() / 2].to_vec(),
            Limits::DEFAULT,
            ("", None, "アーカイブ", "途中で切れて"),
        ),
        (
            "not a zip at all",
            b"PK\x03\x04garbage".to_vec(),
            Limits::DEFAULT,
            ("", None, "アーカイブ", "ZIP ファイルとして読み取れません"),
        ),
        (
            "missing ix08",
            zip_of(&[("DATA/h1.xml", good_doc.as_bytes())]),
            Limits::DEFAULT,
            (
                "",
                None,
                "アーカイブ",
                "ix08_V08.xml（交換用基本情報ファイル）がありません",
            ),
        ),
        (
            "count mismatch",
            zip_of(&[
                ("ix08_V08.xml", index_xml(2).as_bytes()),
                ("DATA/h1.xml", good_doc.as_bytes()),
            ]),
            Limits::DEFAULT,
            ("ix08_V08.xml", None, "totalRecordCount", "DATA に 1 件"),
        ),
        (
            "summary count mismatch",
            zip_of(&[
                ("ix08_V08.xml", index_xml(1).as_bytes()),
                (
                    "su08_V08.xml",
                    write_summary(&export_index(&full_checkup().office, date(2024, 5, 1)), 5)
                        .as_bytes(),
                ),
                ("DATA/h1.xml", good_doc.as_bytes()),
            ]),
            Limits::DEFAULT,
            ("su08_V08.xml", None, "totalSubjectCount", "DATA には 1 件"),
        ),
        (
            "the same person and day twice",
            zip_of(&[
                ("ix08_V08.xml", index_xml(2).as_bytes()),
                ("DATA/h1.xml", good_doc.as_bytes()),
                ("DATA/h2.xml", good_doc.as_bytes()),
            ]),
            Limits::DEFAULT,
            ("DATA/h2.xml", None, "受診日", "DATA/h1.xml にも"),
        ),
        (
            "zip bomb: one entry inflating past the cap",
            zip_of(&[
                ("ix08_V08.xml", index_xml(1).as_bytes()),
                ("DATA/h1.xml", &bomb),
            ]),
            small,
            ("DATA/h1.xml", None, "ファイル", "上限"),
        ),
        (
            "too many entries",
            zip_of(
                &(0..12)
                    .map(|i| {
                        (
                            ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"][i],
                            &b"x"[..],
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
            small,
            ("", None, "アーカイブ", "多すぎ"),
        ),
        (
            "oversized upload",
            vec![0; (1 << 20) + 1],
            small,
            ("", None, "アーカイブ", "大きすぎ"),
        ),
        (
            "index too deep",
            zip_of(&[("a/b/ix08_V08.xml", index_xml(0).as_bytes())]),
            Limits::DEFAULT,
            ("", None, "アーカイブ", "深すぎ"),
        ),
    ];
    for (name, bytes, limits, (file, line, field, part)) in cases {
        let errors = errors(parse_archive(&bytes, limits));
        let Some(e) = errors.first() else {
            panic!("{name}: accepted");
        };
        assert_eq!(e.file.as_deref().unwrap_or(""), file, "{name}: {errors:?}");
        if line.is_some() {
            assert_eq!(e.line, line, "{name}: {errors:?}");
        }
        assert_eq!(e.field, field, "{name}: {errors:?}");
        assert!(e.message.contains(part), "{name}: {}", e.message);
    }
    // The bomb is refused without inflating it all: the cap is what was read.
    assert!(parse_archive(&good_zip, Limits::DEFAULT).is_ok());
}

#[test]
fn checkup_document_field_errors() {
    let good = write_document(&full_checkup(), date(2024, 5, 1));
    // (change, expected (field, message part))
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "extension=\"12131017\"",
            "extension=\"12131018\"",
            "公費負担者番号",
            "検証番号",
        ),
        (
            "extension=\"12131017\"",
            "extension=\"06131017\"",
            "公費負担者番号",
            "法別番号",
        ),
        (
            " root=\"1.2.392.200119.6.101\"",
            " root=\"1.2.392.200119.6.999\"",
            "公費負担者番号",
            "保険者番号欄",
        ),
        (
            "extension=\"1234566\"",
            "extension=\"1234567\"",
            "受給者番号",
            "検証番号",
        ),
        (
            "<birthTime value=\"19520410\"/>",
            "<birthTime value=\"19520231\"/>",
            "生年月日",
            "「19520231」",
        ),
        (
            "administrativeGenderCode code=\"2\"",
            "administrativeGenderCode code=\"9\"",
            "性別",
            "「9」",
        ),
        (
            "<effectiveTime value=\"20230912\"/>",
            "<effectiveTime value=\"2023-09-12\"/>",
            "受診日",
            "YYYYMMDD",
        ),
        (
            "value=\"150.2\"",
            "value=\"150,2\"",
            "項目 9N001000000000001",
            "数値ではありません",
        ),
        (
            "<code code=\"9N001000000000001\"/>",
            "<code code=\"9N0010\"/>",
            "項目コード",
            "17桁",
        ),
        (
            "<code code=\"9N011000000000001\"/>",
            "<code code=\"9N001000000000001\"/>",
            "項目コード",
            "行目にもあります",
        ),
        (
            "xsi:type=\"PQ\" value=\"138\"",
            "xsi:type=\"BL\" value=\"138\"",
            "項目 9A751000000000001",
            "xsi:type=\"BL\"",
        ),
        (
            "<code code=\"9A751000000000001\"/>",
            "<code code=\"9A751000000000001\" codeSystem=\"9.9\"/>",
            "項目 9A751000000000001",
            "コード体系",
        ),
    ];
    for (from, to, field, part) in cases {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        let errors = parse_document(bad.as_bytes(), 1 << 20).unwrap_err();
        assert_eq!(errors.len(), 1, "{to}: {errors:?}");
        assert_eq!(errors[0].field, *field, "{to}: {errors:?}");
        assert!(
            errors[0].message.contains(part),
            "{to}: {}",
            errors[0].message
        );
        assert!(errors[0].line.is_some(), "{to}: a line is given");
    }
    // Errors name the record when the person could be read.
    let bad = good.replacen("value=\"150.2\"", "value=\"x\"", 1);
    let e = &parse_document(bad.as_bytes(), 1 << 20).unwrap_err()[0];
    assert_eq!(
        e.record.as_deref(),
        Some("受診者 12131017-1234566（受診日 2023-09-12）")
    );
    let e = &parse_document(b"<Other/>", 1 << 20).unwrap_err()[0];
    assert!(e.message.contains("<ClinicalDocument>"));
    let e = &parse_document(good.as_bytes(), 100).unwrap_err()[0];
    assert!(e.message.contains("大きすぎ"));
}

#[test]
fn checkup_reads_grouped_observations_and_foreign_archives() {
    // ORCA groups a 一連の検査 as an observation with entryRelationship children.
    let grouped = "<?xml version=\"1.0\"?><ClinicalDocument xmlns=\"urn:hl7-org:v3\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><code code=\"10\"/>\
        <recordTarget><patientRole><id extension=\"12131017\" root=\"1.2.392.200119.6.101\"/><id extension=\"1234566\" root=\"1.2.392.200119.6.205\"/>\
        <patient><name>見本　花子</name><administrativeGenderCode code=\"2\"/><birthTime value=\"19520410\"/></patient></patientRole></recordTarget>\
        <author><assignedAuthor><representedOrganization><id extension=\"1311234569\" root=\"1.2.392.200119.6.102\"/><name>健診センター</name></representedOrganization></assignedAuthor></author>\
        <documentationOf><serviceEvent><code code=\"010\"/><effectiveTime value=\"20230912\"/></serviceEvent></documentationOf>\
        <component><structuredBody><component><section><code code=\"01010\"/><entry><observation classCode=\"OBS\" moodCode=\"EVN\"><code nullFlavor=\"NA\"/>\
        <entryRelationship typeCode=\"COMP\"><observation><code code=\"9A751000000000001\"/><value xsi:type=\"PQ\" value=\".5\"/></observation></entryRelationship>\
        <entryRelationship typeCode=\"COMP\"><observation negationInd=\"true\"><code code=\"9A761000000000001\"/></observation></entryRelationship>\
        </observation></entry></section></component></structuredBody></component></ClinicalDocument>";
    let c = parse_document(grouped.as_bytes(), 1 << 20).unwrap();
    assert_eq!(
        c.items,
        vec![
            CheckupItem {
                code: "9A751000000000001".into(),
                value: numeric("0.5", Some("mm[Hg]")),
            },
            CheckupItem {
                code: "9A761000000000001".into(),
                value: ItemValue::NotPerformed,
            },
        ]
    );
    assert_eq!(
        c.provider,
        Some(Provider {
            number: Some("1311234569".into()),
            name: Some("健診センター".into()),
        })
    );
    // Files at the zip root, a CLAIMS file counted, an XSD folder ignored.
    let bytes = zip_of(&[
        ("ix08_V08.xml", index_xml(2).as_bytes()),
        ("DATA/h1.xml", grouped.as_bytes()),
        ("CLAIMS/c1.xml", b"<claim/>"),
        ("XSD/hc08_V08.xsd", b"<xs:schema/>"),
    ]);
    let archive = parse_archive(&bytes, Limits::DEFAULT).unwrap();
    assert_eq!(archive.checkups, vec![c]);
}

#[test]
fn checkup_csv_errors_by_line_and_field() {
    let header = CSV_HEADER;
    let row = "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,1311234569,みどり内科クリニック,9N011000000000001,22.5,kg/m2";
    // (second data row, expected (line, field, message part))
    let cases: &[(&str, (usize, &str, &str))] = &[
        (
            "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,1311234569,みどり内科クリニック,9N011000000000001,23,kg/m2",
            (3, "項目コード", "2行目にもあります"),
        ),
        (
            "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,1311234569,みどり内科クリニック,9A751000000000001,高い,",
            (3, "結果", "数値ではありません"),
        ),
        (
            "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,1311234569,みどり内科クリニック,1A020000000191111,陽性,",
            (3, "結果", "1〜5"),
        ),
        (
            "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,1311234569,みどり内科クリニック,9N0110,22,",
            (3, "項目コード", "17"),
        ),
        (
            "12131017,1234566,見本　花子,2,1952-04-11,2023-09-12,1311234569,みどり内科クリニック,9A751000000000001,120,",
            (3, "生年月日", "2行目と違います"),
        ),
        (
            "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,131123456,,9A751000000000001,120,",
            (3, "健診機関番号", "数字10桁"),
        ),
        (
            "12131017,1234567,見本　花子,2,1952-04-10,2023-09-12,,,9A751000000000001,120,",
            (3, "受給者番号", "検証番号"),
        ),
        (
            "12131017,1234566,見本　花子,2,1952-04-10,1950-01-01,,,9A751000000000001,120,",
            (3, "受診日", "生年月日"),
        ),
        (
            "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,,,9A751000000000001,CD:1.2.3,",
            (3, "結果", "CD:"),
        ),
    ];
    for (second, (line, field, part)) in cases {
        let text = format!("{header}\n{row}\n{second}\n");
        let errors = parse_csv(&text).unwrap_err();
        let e = errors
            .iter()
            .find(|e| e.field == *field)
            .unwrap_or_else(|| panic!("{second}: {errors:?}"));
        assert_eq!(e.line, Some(*line), "{second}: {errors:?}");
        assert!(e.message.contains(part), "{second}: {}", e.message);
    }
    // The wrong header: one error, line 1.
    let errors = parse_csv("公費負担者番号,受給者番号\n").unwrap_err();
    assert_eq!(
        (errors.len(), errors[0].line, errors[0].field.as_str()),
        (1, Some(1), "見出し行")
    );
}

#[test]
fn checkup_csv_reads_every_spelling() {
    let header = CSV_HEADER;
    let base = "12131017,1234566,見本　花子,2,1952-04-10,2023-09-12,,";
    // (item code, 結果, 単位, expected value)
    let cases: Vec<(&str, &str, &str, ItemValue)> = vec![
        (
            "9N011000000000001",
            "２２．５",
            "",
            numeric("22.5", Some("kg/m2")),
        ),
        ("9N011000000000001", ".5", "", numeric("0.5", Some("kg/m2"))),
        ("8A065000002391901", "68.5", "", numeric("68.5", None)),
        ("9N011000000000001", "未実施", "", ItemValue::NotPerformed),
        ("9N011000000000001", "測定不能", "", ItemValue::Unmeasurable),
        ("9N011000000000001", "以下", "", ItemValue::BelowLimit),
        ("9N011000000000001", "以上", "", ItemValue::AboveLimit),
        ("1A020000000191111", "－", "", urine("1")),
        ("1A020000000191111", "(±)", "", urine("2")),
        ("1A020000000191111", "+", "", urine("3")),
        ("1A020000000191111", "＋＋", "", urine("4")),
        ("1A020000000191111", "5", "", urine("5")),
        (
            "9N501000000000011",
            "文字:特記なし",
            "",
            ItemValue::Text {
                text: "特記なし".into(),
            },
        ),
        (
            "9N701000000000011",
            "CD:1.2.392.200119.6.2003:2",
            "",
            ItemValue::Coded {
                code: "2".into(),
                code_system: "1.2.392.200119.6.2003".into(),
            },
        ),
    ];
    for (code, raw, unit, want) in cases {
        let text = format!("{header}\n{base},{code},{raw},{unit}\n");
        let c = parse_csv(&text).unwrap_or_else(|e| panic!("{raw}: {e:?}"));
        assert_eq!(c[0].items[0].value, want, "{raw}");
    }
    // CP932, as offices save from Excel, through the same decoder as Appendix A files.
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(SAMPLE_CSV);
    let (format, from_sjis) = parse_upload(&sjis, Limits::DEFAULT).unwrap();
    assert_eq!(format, CheckupFormat::Csv);
    let from_sjis: Vec<Checkup> = from_sjis.into_iter().map(|s| s.checkup).collect();
    assert_eq!(from_sjis, parse_csv(SAMPLE_CSV).unwrap());
    let utf16 = [0xFF, 0xFE, 0x6C, 0x51];
    let e = &parse_upload(&utf16, Limits::DEFAULT).unwrap_err()[0];
    assert!(e.message.contains("文字コード"), "{e:?}");
}

#[test]
fn checkup_table_and_dates() {
    assert!(ITEMS.iter().all(|i| is_item_code(i.code)));
    let mut codes: Vec<&str> = ITEMS.iter().map(|i| i.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), ITEMS.len(), "no code twice");
    // The list: height, weight, BMI, 腹囲, BP, 血糖, HbA1c, lipids, liver, kidney, urine.
    for prefix in [
        "9N001", "9N006", "9N011", "9N016", "9A751", "9A761", "3D010", "3D046", "3F015", "3F070",
        "3F077", "3B035", "3B045", "3B090", "3C015", "1A020", "1A010",
    ] {
        assert!(ITEMS.iter().any(|i| i.code.starts_with(prefix)), "{prefix}");
    }
    let waist = item_def("9N016160100000001").unwrap().reference.unwrap();
    assert_eq!(waist.text(Sex::Male), "85未満");
    assert_eq!(waist.text(Sex::Female), "90未満");
    let bmi = item_def("9N011000000000001").unwrap().reference.unwrap();
    assert_eq!(bmi.text(Sex::Male), "18.5以上25未満");
    assert_eq!(
        item_def("1A020000000191111")
            .unwrap()
            .reference
            .unwrap()
            .text(Sex::Male),
        "（－）"
    );
    assert_eq!(item_label("9A751000000000001"), "収縮期血圧（1回目）");
    assert_eq!(item_label("8A065000002391901"), "項目 8A065000002391901");
    assert_eq!(urine("4").display(), "＋＋");
    assert_eq!(ItemValue::BelowLimit.display(), "測定下限以下");
    assert_eq!(fiscal_year(date(2024, 3, 31)), 2023);
    assert_eq!(fiscal_year(date(2024, 4, 1)), 2024);
    assert_eq!(results_due_date(2023), Some(date(2024, 11, 1)));
    assert_eq!(fiscal_year_label(2023), "令和5年度");
    assert_eq!(fiscal_year_label(2019), "令和元年度");
    assert_eq!(fiscal_year_label(2018), "平成30年度");
    for (raw, want) in [
        ("5.60", Some("5.60")),
        (".5", Some("0.5")),
        ("-.5", Some("-0.5")),
        ("12", Some("12")),
        ("1.", None),
        ("", None),
        ("1e3", None),
        ("+1", None),
        ("1.2.3", None),
    ] {
        assert_eq!(normalize_number(raw).as_deref(), want, "{raw}");
    }
    // Stored parts come back as the same value.
    for item in full_checkup().items {
        let (v, u, s) = item.value.to_parts();
        let back = ItemValue::from_parts(
            item.value.kind(),
            v.map(str::to_string),
            u.map(str::to_string),
            s.map(str::to_string),
        );
        assert_eq!(back, Some(item.value));
    }
}

#[test]
fn units_are_shown_as_people_write_them() {
    for (ucum, shown) in [
        ("mm[Hg]", "mmHg"),
        ("kg/m2", "kg/m²"),
        ("10*3/uL", "×10³/μL"),
        ("10*4/uL", "×10⁴/μL"),
        ("mg/dL", "mg/dL"),
        ("U/L", "U/L"),
        ("%", "%"),
        ("cm", "cm"),
        ("", ""),
    ] {
        assert_eq!(display_unit(ucum), shown, "{ucum}");
    }
    // Every unit of the item table reads without brackets or a bare exponent.
    for item in ITEMS.iter().filter_map(|i| i.unit) {
        let shown = display_unit(item);
        assert!(
            !shown.contains('[') && !shown.contains("m2"),
            "{item} → {shown}"
        );
    }
}
