//! Code values of the 医療券・調剤券 items and of the onshi result (`domain-reference.md`
//! §1.2 and §3.3), as they appear in files, XML and JSON.
//!
//! Every enum serializes as its code string (`"01"`, `"6"`, …), never as a Rust name, so
//! stored data and exchanged files keep the official values.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What every code enum offers, for code that handles codes generically (file parsers,
/// select boxes). Each enum also has the same functions as inherent methods.
pub trait CodeValue: Sized + Copy + 'static {
    /// The Japanese item name, as in the file headers (e.g. `診療別`).
    const ITEM: &'static str;
    /// Every value, in code order.
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn label_ja(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
    /// 「01（医療券）、02（調剤券）」: the allowed values, for error messages.
    fn choices_ja() -> String {
        Self::ALL
            .iter()
            .map(|v| format!("{}（{}）", v.code(), v.label_ja()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $item:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// The Japanese item name.
            pub const ITEM: &'static str = $item;
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code as written in files and XML.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The exact code (no padding, no trimming), or `None`.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The Japanese name of the value.
            pub fn label_ja(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }
        }

        impl CodeValue for $name {
            const ITEM: &'static str = $item;
            const ALL: &'static [Self] = $name::ALL;
            fn code(self) -> &'static str { $name::code(self) }
            fn label_ja(self) -> &'static str { $name::label_ja(self) }
            fn from_code(code: &str) -> Option<Self> { $name::from_code(code) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label_ja())
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string", "enum": [$($code),+], "description": $item})
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                $name::from_code(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "{}のコード「{}」は使えません。{} のいずれかです。",
                        $item,
                        s,
                        <$name as CodeValue>::choices_ja()
                    ))
                })
            }
        }
    };
}

code_enum! {
    /// 医療券・調剤券別 (OQSCD018).
    TicketType, "医療券・調剤券別" {
        /// 医療券 (for a 指定医療機関).
        Medical = "01", "医療券";
        /// 調剤券 (for a 指定薬局, with a 処方箋).
        Dispensing = "02", "調剤券";
    }
}

code_enum! {
    /// 診療別 (OQSCD019).
    TreatmentType, "診療別" {
        Inpatient = "01", "入院";
        Outpatient = "02", "入院外";
        Dental = "03", "歯科";
        Dispensing = "04", "調剤";
        HomeNursing = "05", "訪問看護";
    }
}

code_enum! {
    /// 単独・併用別 (OQSCD020): 医療扶助 alone, or together with 社会保険 / other 公費.
    SingleOrCombined, "単独・併用別" {
        Single = "01", "単独";
        Combined = "02", "併用";
    }
}

code_enum! {
    /// あり/なし, used by 社会保険状況 (OQSCD021), 感染症法第37条の2 (OQSCD023),
    /// 後期高齢者医療 (OQSCD024) and 都道府県費 (OQSCD025).
    Presence, "該当状況" {
        Yes = "01", "あり";
        No = "02", "なし";
    }
}

code_enum! {
    /// 性別 as in recipients.csv (1 男, 2 女; the onshi code table OQSCD007 adds 3 未設定,
    /// which a 被保護者台帳 never holds).
    Sex, "性別" {
        Male = "1", "男";
        Female = "2", "女";
    }
}

code_enum! {
    /// 照会区分 (OQSCD002): how the recipient was identified at the institution.
    ReferenceClass, "照会区分" {
        /// マイナンバーカード (card reader, 顔認証 or PIN).
        Card = "1", "マイナンバーカード";
        /// 公費負担者番号 + 受給者番号 + 生年月日 typed in (onshi: 被保険者証情報).
        NumberEntry = "2", "番号入力";
    }
}

code_enum! {
    /// 資格有効性 (OQSCD006), restricted to the values 医療扶助 uses.
    QualificationValidity, "資格有効性" {
        /// 有効, with a ticket naming the querying institution.
        Valid = "1", "有効";
        /// 無効 (保護の停止・廃止).
        Invalid = "2", "無効";
        /// 無効（新しい資格あり）: not covered here on the date, but the same person holds
        /// 資格 at another 福祉事務所 (転居).
        InvalidNewQualification = "3", "無効（新しい資格あり）";
        /// 該当資格なし (also: the birth date did not match).
        NotFound = "4", "該当資格なし";
        /// 有効（未登録）: eligible, but no ticket names this institution for the date.
        ValidUnregistered = "6", "有効（未登録）";
    }
}

impl Presence {
    pub fn from_bool(present: bool) -> Self {
        if present {
            Presence::Yes
        } else {
            Presence::No
        }
    }

    pub fn is_present(self) -> bool {
        self == Presence::Yes
    }
}

impl QualificationValidity {
    /// The wording on the clinic's screen: 6 is shown as 「未委託・未登録」, as レセコン do.
    pub fn screen_label_ja(self) -> &'static str {
        match self {
            QualificationValidity::ValidUnregistered => "未委託・未登録",
            other => other.label_ja(),
        }
    }

    /// 1 and 6: the person holds 医療扶助 資格 on the date.
    pub fn is_eligible(self) -> bool {
        matches!(
            self,
            QualificationValidity::Valid | QualificationValidity::ValidUnregistered
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: CodeValue + std::fmt::Debug + PartialEq>() {
        for &v in T::ALL {
            assert_eq!(T::from_code(v.code()), Some(v), "{}", T::ITEM);
            assert!(!v.label_ja().is_empty());
        }
        assert_eq!(T::from_code(""), None);
        assert_eq!(T::from_code("99"), None);
    }

    #[test]
    fn codes_round_trip() {
        round_trip::<TicketType>();
        round_trip::<TreatmentType>();
        round_trip::<SingleOrCombined>();
        round_trip::<Presence>();
        round_trip::<Sex>();
        round_trip::<ReferenceClass>();
        round_trip::<QualificationValidity>();
    }

    fn pairs<T: CodeValue>() -> Vec<(&'static str, &'static str)> {
        T::ALL.iter().map(|v| (v.code(), v.label_ja())).collect()
    }

    #[test]
    fn codes_values() {
        type Pairs = Vec<(&'static str, &'static str)>;
        type Row<'a> = (&'a str, Pairs, &'a [(&'a str, &'a str)]);
        let table: &[Row] = &[
            (
                "TicketType",
                pairs::<TicketType>(),
                &[("01", "医療券"), ("02", "調剤券")],
            ),
            (
                "TreatmentType",
                pairs::<TreatmentType>(),
                &[
                    ("01", "入院"),
                    ("02", "入院外"),
                    ("03", "歯科"),
                    ("04", "調剤"),
                    ("05", "訪問看護"),
                ],
            ),
            (
                "SingleOrCombined",
                pairs::<SingleOrCombined>(),
                &[("01", "単独"), ("02", "併用")],
            ),
            (
                "Presence",
                pairs::<Presence>(),
                &[("01", "あり"), ("02", "なし")],
            ),
            ("Sex", pairs::<Sex>(), &[("1", "男"), ("2", "女")]),
            (
                "ReferenceClass",
                pairs::<ReferenceClass>(),
                &[("1", "マイナンバーカード"), ("2", "番号入力")],
            ),
            (
                "QualificationValidity",
                pairs::<QualificationValidity>(),
                &[
                    ("1", "有効"),
                    ("2", "無効"),
                    ("3", "無効（新しい資格あり）"),
                    ("4", "該当資格なし"),
                    ("6", "有効（未登録）"),
                ],
            ),
        ];
        for (name, got, want) in table {
            assert_eq!(got.as_slice(), *want, "{name}");
        }
        assert_eq!(QualificationValidity::from_code("5"), None);
        assert_eq!(TicketType::from_code("1"), None, "no padding in from_code");
        assert_eq!(Sex::from_code("01"), None);
    }

    #[test]
    fn codes_screen_label() {
        assert_eq!(
            QualificationValidity::ValidUnregistered.screen_label_ja(),
            "未委託・未登録"
        );
        assert_eq!(QualificationValidity::Valid.screen_label_ja(), "有効");
        assert!(QualificationValidity::ValidUnregistered.is_eligible());
        assert!(!QualificationValidity::Invalid.is_eligible());
    }

    #[test]
    fn codes_serde_as_code_string() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&TreatmentType::Dispensing)?, "\"04\"");
        assert_eq!(
            serde_json::to_string(&QualificationValidity::ValidUnregistered)?,
            "\"6\""
        );
        let t: TicketType = serde_json::from_str("\"02\"")?;
        assert_eq!(t, TicketType::Dispensing);
        let bad = serde_json::from_str::<TicketType>("\"03\"");
        assert!(bad.is_err_and(|e| e.to_string().contains("01（医療券）、02（調剤券）")));
        Ok(())
    }

    #[test]
    fn codes_choices() {
        assert_eq!(Sex::choices_ja(), "1（男）、2（女）");
        assert_eq!(Presence::from_bool(true), Presence::Yes);
        assert!(!Presence::No.is_present());
    }
}
