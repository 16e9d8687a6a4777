//! The institution registry the operator keeps in the browser (`/api/operator/institutions`):
//! search, add, edit (指定, オンライン資格確認 対応, 廃止 …). Each change is checked whole by
//! `domain::institution` before anything is written, then written with its audit trail
//! (`institution_changes`: field, before → after, who, when) and an `audit_log` row in one
//! transaction. `onshi import institutions` writes the same table (`store::institutions`).

use domain::api::{
    InstitutionChange, InstitutionDetail, InstitutionFields, InstitutionRecord,
    InstitutionRegistry, NewInstitutionInput,
};
use domain::institution::{changes, check_code, validate, FIELD_CODE};

use crate::auth::Caller;
use crate::db::{now_text, Db};
use crate::error::ServiceError;
use crate::store::institutions::{self, ChangeAuthor, RegistryRow, Search};
use crate::{audit, scope};

/// How many institutions a search lists at most.
pub const LIST_LIMIT: u32 = 200;

fn record(row: RegistryRow) -> InstitutionRecord {
    let score_table = u8::try_from(row.score_table)
        .ok()
        .and_then(domain::numbers::ScoreTable::from_code)
        .map(|t| t.label_ja().to_string())
        .unwrap_or_default();
    InstitutionRecord {
        code: row.code,
        name: row.name,
        score_table,
        online_capable: row.online_capable != 0,
        designated_from: row.designated_from,
        designated_until: row.designated_until,
        abolished_on: row.abolished_on,
        postal_code: row.postal_code,
        address: row.address,
        phone: row.phone,
    }
}

/// Institutions whose code starts with the digits typed, or whose name contains the text.
pub async fn list(db: &Db, caller: &Caller, q: &str) -> Result<InstitutionRegistry, ServiceError> {
    scope::operator(caller)?;
    let typed = q.trim();
    domain::text::check_chars("検索", typed, domain::text::Lines::One)
        .map_err(|e| ServiceError::Validation(vec![e]))?;
    let digits: String = typed
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c),
            _ => c,
        })
        .collect();
    let search = if typed.is_empty() {
        Search::Everything
    } else if digits.chars().all(|c| c.is_ascii_digit()) {
        Search::CodePrefix(&digits)
    } else {
        Search::NameContains(typed)
    };
    let rows = institutions::registry_search(db, search, i64::from(LIST_LIMIT)).await?;
    Ok(InstitutionRegistry {
        items: rows.into_iter().map(record).collect(),
        limit: LIST_LIMIT,
    })
}

/// One institution and its audit trail; a code not stored (or not a code) is not found.
pub async fn detail(
    db: &Db,
    caller: &Caller,
    code: &str,
) -> Result<InstitutionDetail, ServiceError> {
    scope::operator(caller)?;
    let mut conn = db.pool.acquire().await?;
    let row = institutions::registry_row(&mut conn, code)
        .await?
        .ok_or(ServiceError::NotFound("医療機関"))?;
    let trail = institutions::changes(&mut conn, code).await?;
    Ok(InstitutionDetail {
        institution: record(row),
        changes: trail
            .into_iter()
            .map(|c| InstitutionChange {
                changed_at: c.changed_at,
                changed_by: c.changed_by,
                changed_by_name: c.changed_by_name,
                field: c.field,
                before: c.before_value,
                after: c.after_value,
            })
            .collect(),
    })
}

/// Add an institution: the code (check digit) and every field checked first; 409 when the
/// code is registered already.
pub async fn add(
    db: &Db,
    caller: &Caller,
    input: &NewInstitutionInput,
) -> Result<InstitutionDetail, ServiceError> {
    scope::operator(caller)?;
    let code = check_code(&input.code);
    let values = validate(&input.fields);
    let (code, values) = match (code, values) {
        (Ok(code), Ok(values)) => (code, values),
        (code, values) => {
            let mut errors: Vec<_> = code.err().into_iter().collect();
            errors.extend(values.err().unwrap_or_default());
            return Err(ServiceError::Validation(errors));
        }
    };
    let mut tx = db.pool.begin().await?;
    if !institutions::insert_one(&mut tx, &code, &values).await? {
        return Err(ServiceError::field(
            FIELD_CODE,
            format!(
                "医療機関コード「{}」は既に登録されています。",
                code.as_str()
            ),
        ));
    }
    let at = now_text();
    let author = ChangeAuthor {
        at: &at,
        login: &caller.actor_id,
        name: &caller.display_name,
    };
    let trail = changes(&code, None, &values);
    institutions::insert_changes(&mut tx, code.as_str(), &trail, &author).await?;
    let detail = format!("医療機関を登録: {} {}", code.as_str(), values.name);
    audit::record_in(&mut tx, caller, "operator.institution.add", None, &detail).await?;
    tx.commit().await?;
    self::detail(db, caller, code.as_str()).await
}

/// Change an institution's fields (not its code): every field checked first; nothing
/// written when nothing changed.
pub async fn edit(
    db: &Db,
    caller: &Caller,
    code: &str,
    fields: &InstitutionFields,
) -> Result<InstitutionDetail, ServiceError> {
    scope::operator(caller)?;
    let mut tx = db.pool.begin().await?;
    let before = institutions::registry_row(&mut tx, code)
        .await?
        .ok_or(ServiceError::NotFound("医療機関"))?;
    let parsed = check_code(code).map_err(|_| ServiceError::NotFound("医療機関"))?;
    let values = validate(fields).map_err(ServiceError::Validation)?;
    let trail = changes(&parsed, Some(&before.values()), &values);
    if !trail.is_empty() {
        institutions::update_one(&mut tx, code, &values).await?;
        let at = now_text();
        let author = ChangeAuthor {
            at: &at,
            login: &caller.actor_id,
            name: &caller.display_name,
        };
        institutions::insert_changes(&mut tx, code, &trail, &author).await?;
        let fields: Vec<&str> = trail.iter().map(|c| c.field).collect();
        let detail = format!("医療機関を変更: {code}（{}）", fields.join("・"));
        audit::record_in(&mut tx, caller, "operator.institution.edit", None, &detail).await?;
    }
    tx.commit().await?;
    self::detail(db, caller, code).await
}
