//! Roles, errors and sign-in.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Who is signed in. Scope follows from the role (see ARCHITECTURE.md, "Scope").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 地区担当員: own office's recipients.
    Caseworker,
    /// 査察指導員: the whole office.
    Supervisor,
    /// 受付 of a 指定医療機関 or 指定薬局: only through a verification or a ticket naming it.
    Clinic,
    /// 被保護者: only themself. Signs in with the mock マイナンバーカード.
    Recipient,
    /// システム運用者.
    Operator,
}

impl Role {
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Caseworker => "地区担当員",
            Role::Supervisor => "査察指導員",
            Role::Clinic => "医療機関・薬局 受付",
            Role::Recipient => "被保護者",
            Role::Operator => "システム運用者",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Supervisor => "supervisor",
            Role::Clinic => "clinic",
            Role::Recipient => "recipient",
            Role::Operator => "operator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "caseworker" => Some(Role::Caseworker),
            "supervisor" => Some(Role::Supervisor),
            "clinic" => Some(Role::Clinic),
            "recipient" => Some(Role::Recipient),
            "operator" => Some(Role::Operator),
            _ => None,
        }
    }
}

/// The closed set of error kinds. The app shows `message`; it may branch on `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Input failed validation; see `fields`.
    Validation,
    /// Not signed in, or the session expired.
    Unauthenticated,
    /// Signed in, but this is outside the caller's role or scope.
    Forbidden,
    NotFound,
    /// The request conflicts with stored data (e.g. a duplicate).
    Conflict,
    /// The 個人番号 is registered at another office: confirm a 転居 (`confirm_transfer`).
    TransferCandidate,
    /// Too many failed sign-ins: wait and retry.
    RateLimited,
    /// Something failed on the server; details are in the server log only.
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// A `conflict` on registering a recipient: the records that may be the same person.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duplicates: Vec<super::PossibleDuplicate>,
}

// ---------------------------------------------------------------- sessions

/// `POST /api/login`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginRequest {
    pub login: String,
    pub password: String,
}

/// `GET /api/card/challenge`: a fresh nonce the card must sign.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CardChallenge {
    pub challenge_id: String,
    /// base64 of the random bytes to sign.
    pub challenge: String,
}

/// `POST /api/card/login`: the recipient signs in with the mock マイナンバーカード.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CardLoginRequest {
    pub challenge_id: String,
    pub certificate: crate::card::Certificate,
    /// base64 DER ECDSA signature over the challenge bytes.
    pub signature: String,
}

/// `GET /api/session` and the answer to a successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SessionInfo {
    pub role: Role,
    pub display_name: String,
    /// 公費負担者番号 of the caller's office (caseworker, supervisor, recipient).
    pub office_number: Option<String>,
    pub office_name: Option<String>,
    /// 医療機関コード of the caller's institution (clinic).
    pub institution_code: Option<String>,
    pub institution_name: Option<String>,
    /// 受給者番号 (recipient).
    pub recipient_number: Option<String>,
    /// Today in JST as the server sees it (ISO date), so the app never trusts the PC clock for business dates.
    pub today: String,
}
