//! What existing onshi clients require of a result (`domain-reference.md` §3.4, read from
//! `hangilc/myclinic-ts` and `YUKI-ENT/OQSDrug2`), as a checker: every result this
//! service writes is run through it in the tests, and it names each rule a document breaks.
//! It reads the bytes as a client does (declaration → encoding → quick-xml), independent
//! of how the result was built.

use super::read::{declared_label, decode, parse_tree, Element};
use super::{Exchange, XmlEncoding};

/// Every §3.4 rule `bytes`, as the answer to `exchange`, breaks (empty: a conforming result).
pub fn violations(bytes: &[u8], exchange: Exchange) -> Vec<String> {
    let mut out = Vec::new();
    if declared_label(bytes).is_none() {
        out.push("XML宣言に encoding がありません".to_string());
    }
    let (text, encoding) = match decode(bytes) {
        Ok(decoded) => decoded,
        Err((e, _)) => return vec![format!("読めません: {e}")],
    };
    let root = match parse_tree(&text) {
        Ok(root) => root,
        Err(e) => return vec![format!("読めません: {e}")],
    };
    if root.name != "XmlMsg" {
        out.push(format!("ルート要素が {} です", root.name));
    }
    empty_elements(&root, &mut Vec::new(), &mut out);
    formats(&root, &mut Vec::new(), &mut out);
    let Some(header) = root.child("MessageHeader") else {
        out.push("MessageHeader がありません".into());
        return out;
    };
    let Some(body) = root.child("MessageBody") else {
        out.push("MessageBody がありません".into());
        return out;
    };
    need(&mut out, header, "ProcessExecutionTime", &[]);
    need(&mut out, header, "QualificationConfirmationDate", &[]);
    need(&mut out, header, "MedicalInstitutionCode", &[]);
    need(&mut out, header, "SegmentOfResult", &["1", "2", "9"]);
    need(&mut out, header, "CharacterCodeIdentifier", &["0", "1"]);
    if exchange == Exchange::Qualification {
        need(&mut out, header, "ReferenceClassification", &["1", "2"]);
    }
    need(&mut out, body, "ProcessingResultStatus", &["1", "2"]);
    let declared = header
        .text_at(&["CharacterCodeIdentifier"])
        .and_then(XmlEncoding::from_character_code_identifier);
    if declared.is_some_and(|d| d != encoding) {
        out.push(format!(
            "CharacterCodeIdentifier が XML宣言の {} と一致しません",
            encoding.label()
        ));
    }
    let segment = header.text_at(&["SegmentOfResult"]).unwrap_or("");
    let status = body.text_at(&["ProcessingResultStatus"]).unwrap_or("");
    if segment == "9" || status == "2" {
        need(&mut out, body, "ProcessingResultCode", &[]);
        need(&mut out, body, "ProcessingResultMessage", &[]);
        return out;
    }
    match exchange {
        Exchange::Qualification => {
            need(
                &mut out,
                body,
                "QualificationValidity",
                &["1", "2", "3", "4", "5", "6"],
            );
            let lists: Vec<&Element> = body.children_named("ResultList").collect();
            let results: Vec<&Element> = lists
                .iter()
                .flat_map(|l| l.children_named("ResultOfQualificationConfirmation"))
                .collect();
            if lists.len() != 1 || results.len() != 1 {
                out.push(format!(
                    "ResultList/ResultOfQualificationConfirmation がちょうど1件ではありません（ResultList {}件、結果 {}件）",
                    lists.len(),
                    results.len()
                ));
            }
            for result in results {
                result_items(result, &mut out);
            }
        }
        Exchange::BulkRequest => need(&mut out, body, "ReceptionNumber", &[]),
        Exchange::BulkResult => {
            need(&mut out, body, "ReceptionNumber", &[]);
            if segment == "1" {
                for unit in body.children_named("BulkConfirmUnit") {
                    need(&mut out, unit, "ReferenceNumber", &[]);
                    need(
                        &mut out,
                        unit,
                        "QualificationValidity",
                        &["1", "2", "3", "4", "5", "6"],
                    );
                    let results: Vec<&Element> = unit
                        .children_named("ResultOfQualificationConfirmation")
                        .collect();
                    if results.len() != 1 {
                        out.push(format!(
                            "BulkConfirmUnit の ResultOfQualificationConfirmation が {} 件です",
                            results.len()
                        ));
                    }
                    for result in results {
                        result_items(result, &mut out);
                    }
                }
            }
        }
    }
    out
}

/// A required, non-empty item (with one of `allowed` values, unless `allowed` is empty).
fn need(out: &mut Vec<String>, parent: &Element, item: &str, allowed: &[&str]) {
    match parent.text_at(&[item]) {
        None => out.push(format!("{}/{item} がありません", parent.name)),
        Some(v) if !allowed.is_empty() && !allowed.contains(&v) => out.push(format!(
            "{}/{item} の値 {v} は {allowed:?} のいずれでもありません",
            parent.name
        )),
        Some(_) => {}
    }
}

/// The items a client requires of each `ResultOfQualificationConfirmation`.
fn result_items(result: &Element, out: &mut Vec<String>) {
    for item in [
        "InsuredCardClassification",
        "Name",
        "Sex1",
        "Birthdate",
        "InsurerName",
    ] {
        if result.text_at(&[item]).is_none() {
            out.push(format!(
                "ResultOfQualificationConfirmation/{item} がありません"
            ));
        }
    }
    if result
        .text_at(&["InsuredCardClassification"])
        .is_some_and(|c| c != "A1")
    {
        out.push("InsuredCardClassification が A1（医療扶助）ではありません".into());
    }
    if result
        .text_at(&["Sex1"])
        .is_some_and(|s| !["1", "2", "3"].contains(&s))
    {
        out.push("Sex1 が 1/2/3 ではありません".into());
    }
}

/// `<X/>` and `<X></X>`: a client rejects empty containers; none is written empty.
fn empty_elements(e: &Element, path: &mut Vec<String>, out: &mut Vec<String>) {
    path.push(e.name.clone());
    if e.children.is_empty() && e.text.trim().is_empty() {
        out.push(format!("空の要素 {}", path.join("/")));
    }
    for child in &e.children {
        empty_elements(child, path, out);
    }
    path.pop();
}

/// Dates YYYYMMDD, months YYYYMM, execution time YYYYMMDDHHmmss, code items in their
/// tables, and tickets only inside a result.
fn formats(e: &Element, path: &mut Vec<String>, out: &mut Vec<String>) {
    path.push(e.name.clone());
    let v = e.text.trim();
    let digits = |n: usize| v.len() == n && v.bytes().all(|b| b.is_ascii_digit());
    let bad = |what: &str| format!("{} の値 {v} は {what} ではありません", path.join("/"));
    let one_of = |allowed: &[&str]| allowed.contains(&v);
    match e.name.as_str() {
        "Birthdate"
        | "QualificationDate"
        | "DisqualificationDate"
        | "MedicalTicketValidDate"
        | "MedicalTicketExpirationDate"
        | "QualificationConfirmationDate"
            if !digits(8) || chrono::NaiveDate::parse_from_str(v, "%Y%m%d").is_err() =>
        {
            out.push(bad("YYYYMMDD"))
        }
        "ProcessExecutionTime"
            if !digits(14) || chrono::NaiveDateTime::parse_from_str(v, "%Y%m%d%H%M%S").is_err() =>
        {
            out.push(bad("YYYYMMDDHHmmss"))
        }
        "MedicalTreatmentMonth"
            if !digits(6) || !matches!(v.get(4..).map(str::parse::<u32>), Some(Ok(1..=12))) =>
        {
            out.push(bad("YYYYMM"))
        }
        "TicketType" if !one_of(&["01", "02"]) => out.push(bad("01/02")),
        "MedicalTreatmentType" if !one_of(&["01", "02", "03", "04", "05"]) => {
            out.push(bad("01〜05"))
        }
        "DesignatedMedicalInstitutionFlag" if !one_of(&["0", "1"]) => out.push(bad("0/1")),
        "SingleOrCombinedUse"
        | "StatusOfSocialInsurance"
        | "StatusOfInfecton"
        | "StatusOfElderlyMedicalCare"
        | "StatusOfPrefecturalExpenses"
            if !one_of(&["01", "02"]) =>
        {
            out.push(bad("01/02"))
        }
        "SelfPayAmount" if v.parse::<u64>().is_err() => out.push(bad("0以上の整数")),
        "MedicalTicketInfo" => {
            let n = path.len();
            let nested = n >= 3
                && path[n - 2] == "PublicExpenseResultList"
                && path[n - 3] == "ResultOfQualificationConfirmation";
            if !nested {
                out.push(format!(
                    "MedicalTicketInfo が ResultOfQualificationConfirmation/PublicExpenseResultList の中にありません（{}）",
                    path.join("/")
                ));
            }
        }
        _ => {}
    }
    for child in &e.children {
        formats(child, path, out);
    }
    path.pop();
}
