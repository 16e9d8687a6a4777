//! The recipient portal (マイナポータル-style, product.md §1, §3): the recipient's own
//! 資格情報, 医療券・調剤券 of this and past months, 薬剤情報 and 健診 results, and the
//! 自己情報の提供記録 (who looked at their data). Every route is `/api/me/...`: the
//! recipient is the one signed in, never an id in the URL or the query.
//!
//! The plain-Japanese wording of the access log lives here ([`describe_access`]) so that
//! it is tested once, table-driven, and the same on every screen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Months of tickets shown when `?months=` is absent (this month and the five before).
pub const PORTAL_TICKET_MONTHS_DEFAULT: u32 = 6;
/// The most months one `GET /api/me/tickets` may ask for (two years).
pub const PORTAL_TICKET_MONTHS_MAX: u32 = 24;
/// Entries per page of the access log.
pub const PORTAL_ACCESS_LOG_PER_PAGE: u32 = 30;
/// Query parameter names, also used in the Japanese field errors.
pub const PORTAL_FIELD_MONTHS: &str = "表示する月数";
pub const PORTAL_FIELD_PAGE: &str = "ページ";

/// Shown on every portal page while 閲覧制限 is on: why institutions are not named, and
/// what to do.
pub const PORTAL_RESTRICTED_NOTICE: &str =
    "閲覧制限が設定されています。詳しくは担当の福祉事務所にお問い合わせください。";
/// In place of an institution's name and address while 閲覧制限 is on.
pub const PORTAL_RESTRICTED_WITHHELD: &str = "閲覧制限中のため表示しません";
/// Who accessed the data, when the institution may not be named (閲覧制限).
pub const PORTAL_RESTRICTED_INSTITUTION: &str = "医療機関・薬局";

// ---------------------------------------------------------------- 資格情報

/// `GET /api/me/profile`: who the recipient is registered as, their 資格, their office,
/// and whether 閲覧制限 is set (and what it does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalProfile {
    pub name: String,
    pub name_kana: String,
    /// 生年月日 (ISO).
    pub birth_date: String,
    /// 公費負担者番号 (the office's number).
    pub office_number: String,
    pub office_name: String,
    pub office_phone: String,
    pub office_address: Option<String>,
    /// 受給者番号.
    pub recipient_number: String,
    /// 資格取得日 (ISO): the day 保護 started or restarted.
    pub qualified_from: Option<String>,
    /// 資格喪失日 (ISO): the day 保護 was stopped or ended.
    pub qualified_until: Option<String>,
    pub status: PortalCoverage,
    /// `status` in plain words.
    pub status_text: String,
    /// マイナンバーカードの健康保険証（医療券）利用登録.
    pub card_registered: bool,
    /// The address on record; `None` under 閲覧制限 (see `restriction`).
    pub address: Option<String>,
    pub restriction: PortalRestriction,
    /// Today in JST (ISO), the date the status is computed for.
    pub today: String,
}

/// Where the recipient's 医療扶助 stands today, in the terms the recipient cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PortalCoverage {
    /// No 資格取得日 registered yet.
    NotRegistered,
    /// 資格取得日 is still ahead.
    NotStarted,
    /// Covered today.
    Active,
    /// 資格喪失日 has passed.
    Ended,
}

impl PortalCoverage {
    /// Today's status from 資格取得日 and 資格喪失日 (both inclusive).
    pub fn on(from: Option<NaiveDate>, until: Option<NaiveDate>, today: NaiveDate) -> Self {
        match (from, until) {
            (None, _) => Self::NotRegistered,
            (Some(from), _) if today < from => Self::NotStarted,
            (Some(_), Some(until)) if until < today => Self::Ended,
            (Some(_), _) => Self::Active,
        }
    }

    /// The status in plain words, for people who do not know the terms.
    pub fn plain_ja(self) -> &'static str {
        match self {
            Self::NotRegistered => {
                "医療扶助の資格はまだ登録されていません。福祉事務所にお問い合わせください。"
            }
            Self::NotStarted => "医療扶助はまだ始まっていません。始まる日からお使いいただけます。",
            Self::Active => "医療扶助を受けられます。",
            Self::Ended => {
                "医療扶助は終わっています。医療機関にかかる前に、福祉事務所に相談してください。"
            }
        }
    }
}

/// 閲覧制限 (DV・虐待 victims), explained to the person it protects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalRestriction {
    pub restricted: bool,
    /// One sentence: is it set.
    pub summary: String,
    /// What it does (or would do), one plain sentence each.
    pub effects: Vec<String>,
}

impl PortalRestriction {
    pub fn new(restricted: bool) -> Self {
        if restricted {
            Self {
                restricted,
                summary: "あなたの情報には閲覧制限がかかっています。".into(),
                effects: vec![
                    "医療機関・薬局には、医療扶助を受けられるかどうかと医療券・調剤券の内容だけが表示され、住所や連絡先は表示されません。".into(),
                    "このページでも住所は表示しません。カードを他の人に使われても、住んでいる場所が知られないようにするためです。".into(),
                    "このページでは、医療券・調剤券、お薬・健診の記録、提供記録に医療機関・薬局の名前や所在地も表示しません。通っている場所が知られないようにするためです。".into(),
                    "紙の医療券・調剤券にも住所は印刷されません。".into(),
                    "あなたの情報を見た記録（提供記録）は、これまでどおりすべて残り、このページで確認できます（医療機関・薬局は「医療機関・薬局」とだけ表示します）。".into(),
                    "制限をやめたいときや、内容について相談したいときは、担当の福祉事務所へ連絡してください。".into(),
                ],
            }
        } else {
            Self {
                restricted,
                summary: "閲覧制限はかかっていません。".into(),
                effects: vec![
                    "DV（配偶者などからの暴力）や虐待などの事情で、住所や連絡先を知られたくないときは、担当の福祉事務所に相談すると閲覧制限をかけられます。".into(),
                    "閲覧制限をかけると、医療機関・薬局やこのページに住所や連絡先が表示されなくなります。".into(),
                ],
            }
        }
    }
}

// ---------------------------------------------------------------- 医療券・調剤券

/// `GET /api/me/tickets?months=N`: this month's and past months' 医療券・調剤券, newest
/// month first. Months without a ticket are listed too (with no tickets), so the screen
/// can say so. Cancelled tickets are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalTickets {
    /// Today in JST (ISO).
    pub today: String,
    /// This 診療年月, `YYYY-MM`.
    pub this_month: String,
    /// How many months back were asked for (this month included).
    pub months_requested: u32,
    pub months: Vec<PortalTicketMonth>,
    /// Whom to phone before a visit that no ticket covers.
    pub office_name: String,
    pub office_phone: String,
    pub status: PortalCoverage,
    /// 閲覧制限: the tickets name no institution (see [`PortalTicket::withhold_institution`]).
    #[serde(default)]
    pub restricted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalTicketMonth {
    /// 診療年月, `YYYY-MM`.
    pub month: String,
    pub tickets: Vec<PortalTicket>,
}

/// A 医療券 or 調剤券 as the recipient reads it: where they may go, when, what they pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalTicket {
    /// 医療券・調剤券別 code (01 医療券, 02 調剤券) and its name.
    pub ticket_type: String,
    pub ticket_type_label: String,
    /// 診療別 code (01 入院 … 05 訪問看護) and its name.
    pub treatment_type: String,
    pub treatment_type_label: String,
    /// 交付番号.
    pub issue_number: String,
    /// 診療年月, `YYYY-MM`.
    pub treatment_month: String,
    /// 有効期間 (ISO, both ends inclusive).
    pub valid_from: String,
    pub valid_until: String,
    /// The 指定医療機関 or 指定薬局 the ticket names.
    pub institution_code: String,
    pub institution_name: String,
    pub institution_phone: Option<String>,
    pub institution_address: Option<String>,
    /// 調剤券: the 医療機関 whose 処方箋 it is for.
    pub prescriber_name: Option<String>,
    /// 本人支払額 (yen).
    pub self_pay_amount: i64,
    /// 事後委託: registered after the visit (an emergency, a night or a holiday).
    pub retroactive: bool,
}

impl PortalTicket {
    /// 閲覧制限: someone else may hold the card, so the ticket says nothing of where the
    /// recipient is treated (no name, code, phone, address or prescriber).
    pub fn withhold_institution(&mut self) {
        self.institution_code = String::new();
        self.institution_name = PORTAL_RESTRICTED_WITHHELD.to_string();
        self.institution_phone = None;
        self.institution_address = None;
        self.prescriber_name = None;
    }
}

/// Parses `?months=`: absent → [`PORTAL_TICKET_MONTHS_DEFAULT`]; 1..=[`PORTAL_TICKET_MONTHS_MAX`].
pub fn parse_ticket_months(raw: Option<&str>) -> Result<u32, crate::error::FieldError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(PORTAL_TICKET_MONTHS_DEFAULT);
    };
    match raw.parse::<u32>() {
        Ok(n) if (1..=PORTAL_TICKET_MONTHS_MAX).contains(&n) => Ok(n),
        _ => Err(crate::error::FieldError::new(
            PORTAL_FIELD_MONTHS,
            format!("表示する月数は1から{PORTAL_TICKET_MONTHS_MAX}までの数字にしてください。"),
        )),
    }
}

/// Parses `?page=` (1-based): absent → 1.
pub fn parse_access_log_page(raw: Option<&str>) -> Result<u32, crate::error::FieldError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(1);
    };
    match raw.parse::<u32>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err(crate::error::FieldError::new(
            PORTAL_FIELD_PAGE,
            "ページは1以上の数字にしてください。",
        )),
    }
}

/// `YYYY-MM` of the month `back` months before the month of `today` (0 = this month).
pub fn ticket_month_back(today: NaiveDate, back: u32) -> String {
    use chrono::Datelike;
    let index = today.year() * 12 + today.month0() as i32 - back as i32;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

// ---------------------------------------------------------------- 薬剤情報・健診

/// `GET /api/me/health`: 薬剤情報 and 健診 results. `available: false` while this
/// server holds no such records for anyone (the import is not set up): the screen then
/// says so plainly instead of showing an empty list as if there were nothing to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalHealth {
    pub available: bool,
    /// Plain words about what is (or is not yet) shown here.
    pub note: String,
    /// Newest first.
    pub medications: Vec<PortalMedication>,
    /// Oldest first (the order of a trend).
    pub checkups: Vec<PortalCheckup>,
    /// 閲覧制限: no pharmacy or institution is named (see [`PortalHealth::withhold_institutions`]).
    #[serde(default)]
    pub restricted: bool,
}

impl PortalHealth {
    /// 閲覧制限: the medicines and results stay, the places they came from do not.
    pub fn withhold_institutions(&mut self) {
        self.restricted = true;
        for m in &mut self.medications {
            m.dispenser_name = PORTAL_RESTRICTED_WITHHELD.to_string();
            m.prescriber_name = None;
        }
        for c in &mut self.checkups {
            c.institution_name = None;
        }
    }
}

/// One dispensed medicine (薬剤情報).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalMedication {
    /// 調剤日 (ISO).
    pub dispensed_on: String,
    /// The pharmacy (or institution) that dispensed it.
    pub dispenser_name: String,
    /// The institution that prescribed it.
    pub prescriber_name: Option<String>,
    pub drug_name: String,
    /// 用法 as written ("1日3回 毎食後").
    pub usage: Option<String>,
    /// Quantity with its unit ("1錠").
    pub quantity: Option<String>,
    /// 日数 (days supplied).
    pub days: Option<i64>,
}

/// One 健診 (特定健診 or 健康増進法 健診) on one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalCheckup {
    /// 受診日 (ISO).
    pub date: String,
    pub institution_name: Option<String>,
    pub values: Vec<PortalCheckupValue>,
}

/// One measured item of a 健診.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalCheckupValue {
    /// JLAC10 code (domain-reference.md §5.3).
    pub code: String,
    /// Item name in plain Japanese ("収縮期血圧（上の血圧）").
    pub name: String,
    /// The value as recorded ("128", "(+)", "陰性").
    pub value: String,
    /// The value as a number, when it is one (for the trend chart).
    pub numeric: Option<f64>,
    pub unit: String,
    pub reference: Option<PortalReferenceRange>,
}

/// The range a value should stay in. Either end may be open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalReferenceRange {
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// As shown on screen: "130未満", "40以上", "18.5以上25未満".
    pub text: String,
}

impl PortalReferenceRange {
    /// Is `value` inside the range (low inclusive, high exclusive, as 判定値 read)?
    pub fn contains(&self, value: f64) -> bool {
        self.low.is_none_or(|low| value >= low) && self.high.is_none_or(|high| value < high)
    }
}

/// 特定健診 保健指導判定値 for the main items: a value outside is worth talking to a doctor
/// about. Used when the imported record carries no range of its own.
/// (腹囲 depends on sex and is left to the import.)
pub fn checkup_standard_reference(code: &str) -> Option<PortalReferenceRange> {
    let (low, high, text) = match checkup_item(code)? {
        CheckupItem::Bmi => (Some(18.5), Some(25.0), "18.5以上25未満"),
        CheckupItem::SystolicBp => (None, Some(130.0), "130未満"),
        CheckupItem::DiastolicBp => (None, Some(85.0), "85未満"),
        CheckupItem::FastingGlucose => (None, Some(100.0), "100未満"),
        CheckupItem::HbA1c => (None, Some(5.6), "5.6未満"),
        CheckupItem::Triglycerides => (None, Some(150.0), "150未満"),
        CheckupItem::Hdl => (Some(40.0), None, "40以上"),
        CheckupItem::Ldl => (None, Some(120.0), "120未満"),
        CheckupItem::Ast => (None, Some(31.0), "31未満"),
        CheckupItem::Alt => (None, Some(31.0), "31未満"),
        CheckupItem::GammaGt => (None, Some(51.0), "51未満"),
    };
    Some(PortalReferenceRange {
        low,
        high,
        text: text.to_string(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CheckupItem {
    Bmi,
    SystolicBp,
    DiastolicBp,
    FastingGlucose,
    HbA1c,
    Triglycerides,
    Hdl,
    Ldl,
    Ast,
    Alt,
    GammaGt,
}

/// The item a JLAC10 code measures, by its analyte part (method variants share it).
fn checkup_item(code: &str) -> Option<CheckupItem> {
    let prefixes: &[(&str, CheckupItem)] = &[
        ("9N011", CheckupItem::Bmi),
        ("9A751", CheckupItem::SystolicBp),
        ("9A752", CheckupItem::SystolicBp),
        ("9A755", CheckupItem::SystolicBp),
        ("9A761", CheckupItem::DiastolicBp),
        ("9A762", CheckupItem::DiastolicBp),
        ("9A765", CheckupItem::DiastolicBp),
        ("3D0100000", CheckupItem::FastingGlucose),
        ("3D046", CheckupItem::HbA1c),
        ("3F015", CheckupItem::Triglycerides),
        ("3F070", CheckupItem::Hdl),
        ("3F077", CheckupItem::Ldl),
        ("3B035", CheckupItem::Ast),
        ("3B045", CheckupItem::Alt),
        ("3B090", CheckupItem::GammaGt),
    ];
    prefixes
        .iter()
        .find(|(prefix, _)| code.starts_with(prefix))
        .map(|(_, item)| *item)
}

/// Gives every value without a range of its own the [`checkup_standard_reference`] of its item.
pub fn fill_checkup_standard_references(checkups: &mut [PortalCheckup]) {
    for value in checkups.iter_mut().flat_map(|c| c.values.iter_mut()) {
        if value.reference.is_none() {
            value.reference = checkup_standard_reference(&value.code);
        }
    }
}

/// One 健診 item over the years: what the trend chart draws.
#[derive(Debug, Clone, PartialEq)]
pub struct PortalCheckupTrend {
    pub code: String,
    pub name: String,
    pub unit: String,
    /// The most recent range given for the item.
    pub reference: Option<PortalReferenceRange>,
    /// (受診日, value), oldest first; only numeric values.
    pub points: Vec<(String, f64)>,
}

/// Groups the numeric values of all 健診 by item, in the order items first appear,
/// each item's points oldest first.
pub fn portal_checkup_trends(checkups: &[PortalCheckup]) -> Vec<PortalCheckupTrend> {
    let mut sorted: Vec<&PortalCheckup> = checkups.iter().collect();
    sorted.sort_by(|a, b| a.date.cmp(&b.date));
    let mut trends: Vec<PortalCheckupTrend> = Vec::new();
    for checkup in sorted {
        for value in &checkup.values {
            let Some(number) = value.numeric.filter(|n| n.is_finite()) else {
                continue;
            };
            let position = trends.iter().position(|t| t.code == value.code);
            let trend = match position.and_then(|i| trends.get_mut(i)) {
                Some(trend) => trend,
                None => {
                    trends.push(PortalCheckupTrend {
                        code: value.code.clone(),
                        name: value.name.clone(),
                        unit: value.unit.clone(),
                        reference: None,
                        points: Vec::new(),
                    });
                    match trends.last_mut() {
                        Some(trend) => trend,
                        None => continue,
                    }
                }
            };
            if value.reference.is_some() {
                trend.reference = value.reference.clone();
            }
            trend.points.push((checkup.date.clone(), number));
        }
    }
    trends
}

/// The items worth a chart: those measured at two 健診 or more. One point shows no change
/// over time; its value is in the table of its 健診.
pub fn portal_checkup_charts(checkups: &[PortalCheckup]) -> Vec<PortalCheckupTrend> {
    portal_checkup_trends(checkups)
        .into_iter()
        .filter(|t| t.points.len() >= 2)
        .collect()
}

// ---------------------------------------------------------------- 自己情報の提供記録

/// `GET /api/me/access-log?page=N&own=1`: every access to the recipient's data, newest
/// first. The recipient's own use of the portal is hidden unless `own=1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalAccessLog {
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    /// Entries in the whole log (with the current `include_own` choice).
    pub total: u64,
    /// Pages in the whole log (at least 1).
    pub pages: u32,
    pub include_own: bool,
    pub entries: Vec<PortalAccessEntry>,
    /// 閲覧制限: institutions appear as 「医療機関・薬局」 only.
    #[serde(default)]
    pub restricted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PortalAccessEntry {
    /// When, as stored (UTC, RFC 3339).
    pub at: String,
    /// When, in JST: the date (ISO) and the time (`HH:MM`).
    pub date: String,
    pub time: String,
    pub actor: PortalAccessActor,
    /// Which office or institution (or 「ご本人」).
    pub actor_name: String,
    /// The stored action code (e.g. `verification`).
    pub action: String,
    /// What was done, in plain words.
    pub what: String,
    /// More about it as recorded (the verdict, the month), possibly empty.
    pub detail: String,
}

/// Who accessed the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PortalAccessActor {
    /// 福祉事務所 (地区担当員, 査察指導員).
    Office,
    /// 医療機関・薬局.
    Institution,
    /// The recipient themself.
    OwnSelf,
    /// システム運用者 (imports, the command line).
    System,
}

impl PortalAccessActor {
    /// From `audit_log.actor_role`.
    pub fn from_role(role: &str) -> Self {
        match role {
            "caseworker" | "supervisor" => Self::Office,
            "clinic" => Self::Institution,
            "recipient" => Self::OwnSelf,
            _ => Self::System,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Self::Office => "福祉事務所",
            Self::Institution => "医療機関・薬局",
            Self::OwnSelf => "ご本人",
            Self::System => "システム",
        }
    }
}

/// An `audit_log.action` (`object.verb`) in plain words. Unknown objects and verbs still
/// get a sentence: the recipient must never see a bare code.
pub fn describe_access(action: &str) -> String {
    let (object, verb) = action.split_once('.').unwrap_or((action, ""));
    let fixed = match (object, verb) {
        ("verification", "") => Some("資格確認（医療扶助を受けられるかの確認）"),
        ("verification", "list") => Some("資格確認の記録の一覧表示"),
        ("verification", "replay") => Some("資格確認の結果の再表示（同じ確認の再送）"),
        ("consent", _) => Some("薬剤情報・健診情報を見ることへの同意の記録"),
        ("roster", _) => Some("その月の医療券・調剤券の一覧の取得（一括照会）"),
        ("session", "login") => Some("マイナンバーカードでログイン"),
        ("session", _) => Some("ログイン・ログアウト"),
        ("portal", "home") => Some("このページのホームを表示"),
        ("portal", "profile") => Some("このページで資格情報を表示"),
        ("portal", "tickets") => Some("このページで医療券・調剤券を表示"),
        ("portal", "health") => Some("このページで薬剤情報・健診結果を表示"),
        ("portal", "access_log") => Some("このページで提供記録を表示"),
        ("portal", _) => Some("このページで情報を表示"),
        ("recipient", "list" | "search") => Some("受給者一覧での表示"),
        ("card", "issue") => Some("マイナンバーカード（練習用）の発行"),
        ("card", "revoke") => Some("マイナンバーカード（練習用）の失効"),
        ("feed", _) | ("daily_feed", _) => Some("前日の資格確認の記録の受け取り（毎朝の連携）"),
        ("screening", _) => Some("受診状況の確認（頻回受診・未委託受診の確認）"),
        ("visits", _) => Some("受診状況（資格確認の記録・医療券・薬剤情報・健診結果）の表示"),
        ("operator", "compliance") => {
            Some("システム運用者による期限の遵守状況の確認（受給者番号と日付のみ）")
        }
        ("alert", "handle") => Some("受診状況のお知らせ（頻回受診・未委託受診）への対応の記録"),
        ("alert", _) => Some("受診状況のお知らせ（頻回受診・未委託受診）の確認"),
        _ => None,
    };
    if let Some(text) = fixed {
        return text.to_string();
    }
    let thing = match object {
        "recipient" => "登録情報（氏名・住所など）",
        "ticket" | "tickets" => "医療券・調剤券",
        "qualification" => "資格（保護の開始・停止・廃止）",
        "restriction" => "閲覧制限",
        "individual_number" | "mynumber" => "個人番号（マイナンバー）",
        "checkup" | "checkups" | "health" | "kenshin" => "健診結果",
        "medication" | "medications" | "drug" | "drugs" => "薬剤情報",
        "paper" | "print" => "紙の医療券・調剤券",
        "verification" => "資格確認の記録",
        "import" => "ファイルから取り込んだ情報",
        _ => "あなたの情報",
    };
    let done = match verb {
        "create" | "add" | "issue" | "register" => "の登録",
        "update" | "edit" | "change" | "set" | "renew" => "の変更",
        "cancel" | "delete" | "withdraw" | "revoke" => "の取り消し",
        "print" | "paper" | "pdf" => "の印刷",
        "reveal" => "の表示（理由を記録）",
        "export" | "csv" | "download" => "のファイル出力",
        "list" | "search" => "の一覧表示",
        _ if object == "import" => "",
        _ => "の表示",
    };
    format!("{thing}{done}")
}

/// The detail recorded for a verification that came from the 実績ログ (import or demo
/// seed), which has no audit row of its own: 資格有効性 and 照会区分 in words.
pub fn access_verification_detail(validity: &str, reference_class: &str) -> String {
    use crate::codes::{QualificationValidity, ReferenceClass};
    let validity = QualificationValidity::from_code(validity)
        .map(QualificationValidity::screen_label_ja)
        .unwrap_or("結果不明");
    match ReferenceClass::from_code(reference_class) {
        Some(class) => format!("{validity}（{}）", class.label_ja()),
        None => validity.to_string(),
    }
}

/// One line of the 提供記録 for all the 一括照会 (roster) reads of one institution in one
/// 診療年月: a clinic's desk refreshes its roster in the background many times a day, and
/// each read is audited, but what the recipient needs to know is that the institution looked
/// at their 医療券 for that month. `month` is `YYYY-MM`, `this_month` the JST month of today,
/// `first` the first read (JST `M月D日 HH:MM`), `count` the reads.
/// Returns (what, detail): 「○○病院が今月の医療券・調剤券を確認しました」 and
/// 「一括照会・3回、初回 12月1日 09:00」.
pub fn describe_roster_reads(
    institution: &str,
    month: &str,
    this_month: &str,
    count: u64,
    first: &str,
) -> (String, String) {
    let when = if month == this_month {
        "今月".to_string()
    } else {
        let parsed = month
            .split_once('-')
            .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)));
        match parsed {
            Some((year, m)) => {
                let label = crate::wareki::format_month(year, m);
                // 「令和8年11月 (2026/11)」 → 「令和8年11月分」
                let wareki = label.split(" (").next().unwrap_or(&label).to_string();
                format!("{wareki}分")
            }
            None => month.to_string(),
        }
    };
    let what = format!("{institution}が{when}の医療券・調剤券を確認しました");
    let detail = if count <= 1 {
        "一括照会".to_string()
    } else {
        format!("一括照会・{count}回、初回 {first}")
    };
    (what, detail)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn roster_reads_are_one_line_per_institution_and_month() {
        let (what, detail) = describe_roster_reads(
            "みなと台中央病院",
            "2026-12",
            "2026-12",
            95,
            "12月5日 08:00",
        );
        assert_eq!(what, "みなと台中央病院が今月の医療券・調剤券を確認しました");
        assert_eq!(detail, "一括照会・95回、初回 12月5日 08:00");
        let (what, detail) =
            describe_roster_reads("みなと台薬局", "2026-11", "2026-12", 1, "11月30日 17:00");
        assert_eq!(
            what,
            "みなと台薬局が令和8年11月分の医療券・調剤券を確認しました"
        );
        assert_eq!(detail, "一括照会");
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn coverage_status() {
        fn check(from: Option<&str>, until: Option<&str>, today: &str, want: PortalCoverage) {
            let got = PortalCoverage::on(from.map(date), until.map(date), date(today));
            assert_eq!(got, want, "{from:?}..{until:?} on {today}");
        }
        use PortalCoverage::*;
        check(None, None, "2024-05-01", NotRegistered);
        check(Some("2024-06-01"), None, "2024-05-31", NotStarted);
        check(Some("2024-05-01"), None, "2024-05-01", Active);
        check(Some("2020-01-01"), Some("2024-05-31"), "2024-05-31", Active);
        check(Some("2020-01-01"), Some("2024-05-31"), "2024-06-01", Ended);
    }

    #[test]
    fn query_parameters() {
        fn check(raw: Option<&str>, want: Option<u32>) {
            assert_eq!(parse_ticket_months(raw).ok(), want, "months {raw:?}");
        }
        check(None, Some(6));
        check(Some(""), Some(6));
        check(Some("1"), Some(1));
        check(Some(" 24 "), Some(24));
        check(Some("0"), None);
        check(Some("25"), None);
        check(Some("-1"), None);
        check(Some("abc"), None);
        check(Some("99999999999999999999"), None);
        assert_eq!(parse_access_log_page(None).ok(), Some(1));
        assert_eq!(parse_access_log_page(Some("3")).ok(), Some(3));
        assert!(parse_access_log_page(Some("0")).is_err());
        assert!(parse_access_log_page(Some("x")).is_err());
        let e = parse_ticket_months(Some("99")).unwrap_err();
        assert_eq!(e.field, PORTAL_FIELD_MONTHS);
    }

    #[test]
    fn months_back_cross_years() {
        fn check(today: &str, back: u32, want: &str) {
            assert_eq!(
                ticket_month_back(date(today), back),
                want,
                "{today} - {back}"
            );
        }
        check("2024-05-15", 0, "2024-05");
        check("2024-05-15", 4, "2024-01");
        check("2024-05-15", 5, "2023-12");
        check("2024-01-31", 13, "2022-12");
        check("2024-12-01", 23, "2023-01");
    }

    #[test]
    fn access_descriptions_are_plain_words() {
        fn check(action: &str, want: &str) {
            assert_eq!(describe_access(action), want, "{action}");
        }
        check("verification", "資格確認（医療扶助を受けられるかの確認）");
        check("verification.list", "資格確認の記録の一覧表示");
        check("roster", "その月の医療券・調剤券の一覧の取得（一括照会）");
        check("consent", "薬剤情報・健診情報を見ることへの同意の記録");
        check("recipient.list", "受給者一覧での表示");
        check(
            "operator.compliance",
            "システム運用者による期限の遵守状況の確認（受給者番号と日付のみ）",
        );
        check(
            "alert.list",
            "受診状況のお知らせ（頻回受診・未委託受診）の確認",
        );
        check(
            "alert.handle",
            "受診状況のお知らせ（頻回受診・未委託受診）への対応の記録",
        );
        check("recipient.read", "登録情報（氏名・住所など）の表示");
        check("recipient.update", "登録情報（氏名・住所など）の変更");
        check("ticket.create", "医療券・調剤券の登録");
        check("ticket.cancel", "医療券・調剤券の取り消し");
        check("ticket.print", "医療券・調剤券の印刷");
        check("ticket", "医療券・調剤券の表示");
        check(
            "individual_number.reveal",
            "個人番号（マイナンバー）の表示（理由を記録）",
        );
        check("checkup.read", "健診結果の表示");
        check("medication.list", "薬剤情報の一覧表示");
        check("portal.tickets", "このページで医療券・調剤券を表示");
        check("session.login", "マイナンバーカードでログイン");
        check("import.tickets", "ファイルから取り込んだ情報");
        check("something.new", "あなたの情報の表示");
        check("", "あなたの情報の表示");
    }

    #[test]
    fn actors_and_log_details() {
        assert_eq!(
            PortalAccessActor::from_role("supervisor"),
            PortalAccessActor::Office
        );
        assert_eq!(
            PortalAccessActor::from_role("clinic"),
            PortalAccessActor::Institution
        );
        assert_eq!(
            PortalAccessActor::from_role("recipient"),
            PortalAccessActor::OwnSelf
        );
        assert_eq!(
            PortalAccessActor::from_role("operator"),
            PortalAccessActor::System
        );
        assert_eq!(
            access_verification_detail("1", "1"),
            "有効（マイナンバーカード）"
        );
        assert_eq!(
            access_verification_detail("6", "2"),
            "未委託・未登録（番号入力）"
        );
        assert_eq!(access_verification_detail("9", ""), "結果不明");
    }

    #[test]
    fn reference_ranges() {
        fn check(code: &str, value: f64, inside: Option<bool>) {
            let got = checkup_standard_reference(code).map(|r| r.contains(value));
            assert_eq!(got, inside, "{code} {value}");
        }
        check("9A751000000000001", 129.0, Some(true));
        check("9A751000000000001", 130.0, Some(false));
        check("3F070000002327101", 39.0, Some(false));
        check("3F070000002327101", 40.0, Some(true));
        check("9N011000000000001", 18.4, Some(false));
        check("9N011000000000001", 22.0, Some(true));
        check("3D046000001906202", 5.6, Some(false));
        check("3D010000001926101", 99.0, Some(true));
        check("9N016160100000001", 90.0, None);
    }

    fn value(code: &str, numeric: Option<f64>) -> PortalCheckupValue {
        PortalCheckupValue {
            code: code.into(),
            name: code.into(),
            value: numeric.map_or("(+)".into(), |n| n.to_string()),
            numeric,
            unit: "mg/dL".into(),
            reference: None,
        }
    }

    #[test]
    fn trends_group_by_item_oldest_first() {
        let mut checkups = vec![
            PortalCheckup {
                date: "2024-06-01".into(),
                institution_name: None,
                values: vec![
                    value("3F077000002327101", Some(140.0)),
                    value("1A020", None),
                ],
            },
            PortalCheckup {
                date: "2022-06-01".into(),
                institution_name: None,
                values: vec![
                    value("3F077000002327101", Some(110.0)),
                    value("3F015000002327101", Some(f64::NAN)),
                ],
            },
        ];
        fill_checkup_standard_references(&mut checkups);
        let trends = portal_checkup_trends(&checkups);
        assert_eq!(trends.len(), 1, "non-numeric and NaN values draw nothing");
        let ldl = &trends[0];
        assert_eq!(
            ldl.points,
            vec![
                ("2022-06-01".to_string(), 110.0),
                ("2024-06-01".to_string(), 140.0)
            ]
        );
        assert_eq!(
            ldl.reference.as_ref().map(|r| r.text.as_str()),
            Some("120未満")
        );
    }

    #[test]
    fn restriction_withholds_every_place_but_keeps_the_records() {
        let mut health = PortalHealth {
            available: true,
            note: String::new(),
            medications: vec![PortalMedication {
                dispensed_on: "2024-06-01".into(),
                dispenser_name: "みなと薬局".into(),
                prescriber_name: Some("みなと内科".into()),
                drug_name: "薬A".into(),
                usage: None,
                quantity: None,
                days: Some(7),
            }],
            checkups: vec![PortalCheckup {
                date: "2024-06-01".into(),
                institution_name: Some("健診センター".into()),
                values: vec![value("LDL", Some(1.0))],
            }],
            restricted: false,
        };
        health.withhold_institutions();
        assert!(health.restricted);
        assert_eq!(
            health.medications[0].dispenser_name,
            PORTAL_RESTRICTED_WITHHELD
        );
        assert_eq!(health.medications[0].prescriber_name, None);
        assert_eq!(health.medications[0].drug_name, "薬A");
        assert_eq!(health.checkups[0].institution_name, None);
        assert_eq!(health.checkups[0].values.len(), 1);
    }

    #[test]
    fn charts_only_for_items_measured_twice_or_more() {
        let visit = |date: &str, values: Vec<PortalCheckupValue>| PortalCheckup {
            date: date.into(),
            institution_name: None,
            values,
        };
        let checkups = vec![
            visit(
                "2024-06-01",
                vec![value("LDL", Some(140.0)), value("BMI", Some(22.0))],
            ),
            visit("2023-06-01", vec![value("LDL", Some(120.0))]),
        ];
        let charts = portal_checkup_charts(&checkups);
        assert_eq!(charts.len(), 1, "BMI was measured once: no chart");
        assert_eq!(charts[0].code, "LDL");
        assert_eq!(charts[0].points.len(), 2);
        assert!(portal_checkup_charts(&checkups[..1]).is_empty());
    }
}
