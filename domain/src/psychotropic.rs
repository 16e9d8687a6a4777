//! 向精神薬 screen (product.md §5 "further screens", `domain-reference.md` §4.2): recipients
//! dispensed a 向精神薬 by two or more institutions in one month, or given more than 30
//! days' supply of one ingredient in a month, with the dispensings that show it.
//!
//! Which drugs count:
//! - the five ingredients the 会計検査院 looked at (FY2011 data): トリアゾラム,
//!   ゾルピデム酒石酸塩, ブロチゾラム, フルニトラゼパム, エチゾラム — recognised by the
//!   薬価基準収載医薬品コード (YJ) prefix of the 医薬品マスター, or by the ingredient or
//!   brand name in the drug's name or 一般名. No レセ電 医薬品コード is listed here: none
//!   could be checked against the 支払基金 master, so a guessed code would be worse than
//!   matching by name;
//! - any other drug the 医薬品マスター marks 向精神薬 (column 14 = 5 [UNVERIFIED] code value),
//!   its ingredient being the first 7 characters of its YJ code (薬効分類 + 成分).
//!
//! Thresholds: 2 institutions (「同一月に複数の医療機関から向精神薬を処方されている者」, the
//! MHLW 保護課 wording quoted by 京都医報 [S]); more than 30 days of one ingredient in the month
//! (the 会計検査院's "30日分を超える", and the 30-day limit per prescription of these
//! ingredients [UNVERIFIED]). Days are the 内服 回数 (`receipt` module docs); 屯服 and 外用
//! dispensings have no days and are shown as evidence only. The 会計検査院 converted
//! quantities by the 添付文書 用法用量 (maximum daily dose); that needs each product's
//! strength and is not done here: the count of days is a lower bound of that measure.
//!
//! These are candidates for the caseworker and 嘱託医 to review, never decisions.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::receipt::CONTROLLED_PSYCHOTROPIC;

/// A listed ingredient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ingredient {
    /// The ingredient as named in the 会計検査院 report.
    pub name: &'static str,
    /// What a drug name must contain (the base name, salt left out).
    pub match_name: &'static str,
    /// First 7 characters of the YJ code (薬効分類 4 + 成分 3).
    pub yj_prefix: &'static str,
    /// Whether `yj_prefix` was seen in a public source ([I]) or is from memory ([UNVERIFIED]).
    pub yj_checked: bool,
    /// Brand names of the originator products.
    pub brands: &'static [&'static str],
}

/// The five ingredients of the 会計検査院 study. YJ prefixes: トリアゾラム 1124007 and
/// ゾルピデム 1129009 appear with their products (ハルシオン, マイスリー錠５ｍｇ
/// 1129009F1025) in public code; the other three are from memory [UNVERIFIED] — matching by
/// name covers them either way.
pub const INGREDIENTS: [Ingredient; 5] = [
    Ingredient {
        name: "トリアゾラム",
        match_name: "トリアゾラム",
        yj_prefix: "1124007",
        yj_checked: true,
        brands: &["ハルシオン"],
    },
    Ingredient {
        name: "ゾルピデム酒石酸塩",
        match_name: "ゾルピデム",
        yj_prefix: "1129009",
        yj_checked: true,
        brands: &["マイスリー"],
    },
    Ingredient {
        name: "ブロチゾラム",
        match_name: "ブロチゾラム",
        yj_prefix: "1124009",
        yj_checked: false,
        brands: &["レンドルミン"],
    },
    Ingredient {
        name: "フルニトラゼパム",
        match_name: "フルニトラゼパム",
        yj_prefix: "1124008",
        yj_checked: false,
        brands: &["サイレース", "ロヒプノール"],
    },
    Ingredient {
        name: "エチゾラム",
        match_name: "エチゾラム",
        yj_prefix: "1179025",
        yj_checked: false,
        brands: &["デパス"],
    },
];

/// More than this many days of one ingredient in a month is a finding.
pub const MAX_DAYS_PER_MONTH: u32 = 30;
/// This many different institutions in a month is a finding.
pub const MIN_INSTITUTIONS: usize = 2;

/// What the 医薬品マスター says about a drug (all optional: the master may lack the code).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DrugFacts<'a> {
    pub name: Option<&'a str>,
    pub generic_name: Option<&'a str>,
    pub yj_code: Option<&'a str>,
    /// Column 14 of the master (麻薬・毒薬・覚醒剤原料・向精神薬).
    pub controlled: Option<&'a str>,
}

/// Why a drug counts as a 向精神薬, and the ingredient its days are added up under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    /// The ingredient: a listed name, or 「成分 1124001」 (YJ prefix) / 「医薬品 620000000」.
    pub ingredient: String,
    /// One of the five listed ingredients.
    pub listed: bool,
    /// How it was recognised: 「薬価基準コード」「名称」「医薬品マスターの向精神薬区分」.
    pub matched_by: String,
}

/// Is this drug a 向精神薬, and of which ingredient? `code` is the レセ電 医薬品コード.
pub fn classify(code: &str, facts: &DrugFacts<'_>) -> Option<Classification> {
    let listed = |ingredient: &Ingredient, by: &str| Classification {
        ingredient: ingredient.name.to_string(),
        listed: true,
        matched_by: by.to_string(),
    };
    if let Some(yj) = facts.yj_code {
        if let Some(i) = INGREDIENTS.iter().find(|i| yj.starts_with(i.yj_prefix)) {
            return Some(listed(i, "薬価基準コード"));
        }
    }
    let names = [facts.name, facts.generic_name];
    for name in names.into_iter().flatten() {
        if let Some(i) = INGREDIENTS
            .iter()
            .find(|i| name.contains(i.match_name) || i.brands.iter().any(|b| name.contains(b)))
        {
            return Some(listed(i, "名称"));
        }
    }
    if facts.controlled == Some(CONTROLLED_PSYCHOTROPIC) {
        let ingredient = match facts.yj_code.and_then(|y| y.get(..7)) {
            Some(prefix) => format!("成分 {prefix}"),
            None => format!("医薬品 {code}"),
        };
        return Some(Classification {
            ingredient,
            listed: false,
            matched_by: "医薬品マスターの向精神薬区分".to_string(),
        });
    }
    None
}

/// One dispensing of a 向精神薬 in the month (one IY record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispensing {
    /// 医療機関コード.
    pub institution: String,
    pub drug_code: String,
    pub drug_name: Option<String>,
    pub classification: Classification,
    /// 診療識別 (21 内服 …).
    pub category: String,
    /// 使用量 as written.
    pub quantity: String,
    pub times: u32,
    /// Days supplied (内服 only).
    pub supply_days: Option<u32>,
    /// 算定日 (days of the month).
    pub days: Vec<u8>,
}

/// Why a recipient is a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// 向精神薬 from `count` institutions in the month.
    MultipleInstitutions { count: usize },
    /// More than [`MAX_DAYS_PER_MONTH`] days of one ingredient.
    OverSupply { ingredient: String, days: u32 },
}

impl Reason {
    /// In Japanese, for the screen and the CSV.
    pub fn label(&self) -> String {
        match self {
            Self::MultipleInstitutions { count } => {
                format!("{count}か所の医療機関から向精神薬")
            }
            Self::OverSupply { ingredient, days } => {
                format!("{ingredient} {days}日分（{MAX_DAYS_PER_MONTH}日分超）")
            }
        }
    }
}

/// One candidate: the reasons and every 向精神薬 dispensing of the month as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding<K> {
    pub recipient: K,
    pub reasons: Vec<Reason>,
    /// Days per ingredient (内服), ingredient order.
    pub days_by_ingredient: Vec<(String, u32)>,
    /// Institutions, in code order.
    pub institutions: Vec<String>,
    /// Sorted by institution, ingredient, first day, line of input.
    pub evidence: Vec<Dispensing>,
}

/// The screen over one month's 向精神薬 dispensings (already classified), per recipient `K`.
/// Findings come in recipient order.
pub fn screen<K: Ord + Clone>(dispensings: &[(K, Dispensing)]) -> Vec<Finding<K>> {
    let mut by_recipient: BTreeMap<&K, Vec<&Dispensing>> = BTreeMap::new();
    for (recipient, d) in dispensings {
        by_recipient.entry(recipient).or_default().push(d);
    }
    let mut findings = Vec::new();
    for (recipient, list) in by_recipient {
        let institutions: BTreeSet<&str> = list.iter().map(|d| d.institution.as_str()).collect();
        let mut days: BTreeMap<&str, u32> = BTreeMap::new();
        for d in &list {
            let total = days
                .entry(d.classification.ingredient.as_str())
                .or_insert(0);
            *total = total.saturating_add(d.supply_days.unwrap_or(0));
        }
        let mut reasons = Vec::new();
        if institutions.len() >= MIN_INSTITUTIONS {
            reasons.push(Reason::MultipleInstitutions {
                count: institutions.len(),
            });
        }
        for (ingredient, total) in &days {
            if *total > MAX_DAYS_PER_MONTH {
                reasons.push(Reason::OverSupply {
                    ingredient: (*ingredient).to_string(),
                    days: *total,
                });
            }
        }
        if reasons.is_empty() {
            continue;
        }
        let mut evidence: Vec<Dispensing> = list.into_iter().cloned().collect();
        evidence.sort_by(|a, b| {
            (&a.institution, &a.classification.ingredient, a.days.first()).cmp(&(
                &b.institution,
                &b.classification.ingredient,
                b.days.first(),
            ))
        });
        findings.push(Finding {
            recipient: recipient.clone(),
            reasons,
            days_by_ingredient: days.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            institutions: institutions.into_iter().map(str::to_string).collect(),
            evidence,
        });
    }
    findings
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn facts<'a>(name: &'a str, yj: Option<&'a str>, controlled: Option<&'a str>) -> DrugFacts<'a> {
        DrugFacts {
            name: Some(name),
            generic_name: None,
            yj_code: yj,
            controlled,
        }
    }

    #[test]
    fn psychotropic_classify_table() {
        // (name, YJ, column 14) → (ingredient, listed, matched by)
        type Case = (
            &'static str,
            Option<&'static str>,
            Option<&'static str>,
            Option<(&'static str, bool, &'static str)>,
        );
        let cases: &[Case] = &[
            (
                "ハルシオン０．２５ｍｇ錠",
                Some("1124007F1020"),
                Some("5"),
                Some(("トリアゾラム", true, "薬価基準コード")),
            ),
            (
                "マイスリー錠５ｍｇ",
                Some("1129009F1025"),
                None,
                Some(("ゾルピデム酒石酸塩", true, "薬価基準コード")),
            ),
            (
                "ゾルピデム酒石酸塩錠５ｍｇ「見本」",
                None,
                None,
                Some(("ゾルピデム酒石酸塩", true, "名称")),
            ),
            (
                "エチゾラム錠０．５ｍｇ「見本」",
                Some("9999999X0000"),
                None,
                Some(("エチゾラム", true, "名称")),
            ),
            (
                "デパス錠１ｍｇ",
                None,
                Some("5"),
                Some(("エチゾラム", true, "名称")),
            ),
            (
                "サイレース錠１ｍｇ",
                None,
                None,
                Some(("フルニトラゼパム", true, "名称")),
            ),
            (
                "レンドルミンＤ錠０．２５ｍｇ",
                None,
                None,
                Some(("ブロチゾラム", true, "名称")),
            ),
            (
                "ニトラゼパム錠５ｍｇ「見本」",
                Some("1124001F1000"),
                Some("5"),
                Some(("成分 1124001", false, "医薬品マスターの向精神薬区分")),
            ),
            (
                "見本錠",
                None,
                Some("5"),
                Some(("医薬品 620000001", false, "医薬品マスターの向精神薬区分")),
            ),
            (
                "アムロジピン錠５ｍｇ「見本」",
                Some("2171022F1000"),
                Some("0"),
                None,
            ),
            ("ロキソプロフェン錠", None, None, None),
        ];
        for (name, yj, controlled, want) in cases {
            let got = classify("620000001", &facts(name, *yj, *controlled));
            let got = got
                .as_ref()
                .map(|c| (c.ingredient.as_str(), c.listed, c.matched_by.as_str()));
            assert_eq!(got, *want, "{name}");
        }
        // The 一般名 is read too.
        let generic = DrugFacts {
            name: Some("見本錠"),
            generic_name: Some("【般】ブロチゾラム錠０．２５ｍｇ"),
            ..DrugFacts::default()
        };
        assert_eq!(
            classify("620000001", &generic).unwrap().ingredient,
            "ブロチゾラム"
        );
        assert_eq!(INGREDIENTS.len(), 5);
    }

    fn dispensing(institution: &str, ingredient: &str, days: Option<u32>, day: u8) -> Dispensing {
        Dispensing {
            institution: institution.to_string(),
            drug_code: "620000001".to_string(),
            drug_name: Some(format!("{ingredient}錠")),
            classification: Classification {
                ingredient: ingredient.to_string(),
                listed: true,
                matched_by: "名称".to_string(),
            },
            category: if days.is_some() { "21" } else { "22" }.to_string(),
            quantity: "1".to_string(),
            times: days.unwrap_or(10),
            supply_days: days,
            days: vec![day],
        }
    }

    #[test]
    fn psychotropic_screen_table() {
        // (dispensings of one recipient, expected reasons)
        type Case = (Vec<Dispensing>, Vec<Reason>);
        let multiple = |n| Reason::MultipleInstitutions { count: n };
        let over = |i: &str, d| Reason::OverSupply {
            ingredient: i.to_string(),
            days: d,
        };
        let cases: Vec<Case> = vec![
            (vec![dispensing("A", "エチゾラム", Some(30), 1)], vec![]),
            (
                vec![dispensing("A", "エチゾラム", Some(31), 1)],
                vec![over("エチゾラム", 31)],
            ),
            (
                vec![
                    dispensing("A", "エチゾラム", Some(14), 1),
                    dispensing("A", "エチゾラム", Some(14), 15),
                    dispensing("A", "エチゾラム", Some(3), 29),
                ],
                vec![over("エチゾラム", 31)],
            ),
            (
                vec![
                    dispensing("A", "エチゾラム", Some(14), 1),
                    dispensing("B", "ブロチゾラム", Some(14), 3),
                ],
                vec![multiple(2)],
            ),
            (
                vec![
                    dispensing("A", "エチゾラム", Some(30), 1),
                    dispensing("B", "エチゾラム", Some(14), 3),
                    dispensing("C", "トリアゾラム", None, 3),
                ],
                vec![multiple(3), over("エチゾラム", 44)],
            ),
            // 屯服 only: no days, one institution.
            (vec![dispensing("A", "トリアゾラム", None, 2)], vec![]),
            (
                vec![
                    dispensing("A", "エチゾラム", Some(20), 1),
                    dispensing("A", "ブロチゾラム", Some(20), 1),
                ],
                vec![],
            ),
        ];
        for (i, (list, want)) in cases.into_iter().enumerate() {
            let input: Vec<(i64, Dispensing)> = list.iter().cloned().map(|d| (7, d)).collect();
            let findings = screen(&input);
            let got: Vec<Reason> = findings
                .first()
                .map(|f| f.reasons.clone())
                .unwrap_or_default();
            assert_eq!(got, want, "case {i}");
            if let Some(f) = findings.first() {
                assert_eq!(f.recipient, 7);
                assert_eq!(f.evidence.len(), list.len(), "every dispensing is evidence");
            }
        }
        // Recipients are screened apart, in order.
        let input = vec![
            (2, dispensing("A", "エチゾラム", Some(20), 1)),
            (1, dispensing("A", "エチゾラム", Some(20), 1)),
            (2, dispensing("B", "エチゾラム", Some(20), 1)),
        ];
        let findings = screen(&input);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].recipient, 2);
        assert_eq!(findings[0].institutions, ["A", "B"]);
        assert_eq!(
            findings[0].reasons[1].label(),
            "エチゾラム 40日分（30日分超）"
        );
        assert_eq!(
            findings[0].reasons[0].label(),
            "2か所の医療機関から向精神薬"
        );
    }
}
