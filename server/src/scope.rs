//! Scope: what each caller may see. Every endpoint asks here; nothing else decides.
//!
//! - caseworker / supervisor: recipients of their own 実施機関 (office).
//! - clinic: its own institution; a recipient only through a verification or a ticket naming it.
//! - recipient: only themself.
//! - operator: system counts and administration, never personal data through the API.

use domain::api::Role;

use crate::auth::Caller;
use crate::error::ServiceError;

/// The office whose data a caseworker or supervisor may read and write.
pub fn office(caller: &Caller) -> Result<&str, ServiceError> {
    match (caller.role, caller.office_number.as_deref()) {
        (Role::Caseworker | Role::Supervisor, Some(office)) => Ok(office),
        _ => Err(ServiceError::Forbidden),
    }
}

/// Supervisor-only actions of an office (e.g. revealing a 個人番号).
pub fn supervisor_office(caller: &Caller) -> Result<&str, ServiceError> {
    match (caller.role, caller.office_number.as_deref()) {
        (Role::Supervisor, Some(office)) => Ok(office),
        _ => Err(ServiceError::Forbidden),
    }
}

/// The institution a clinic or pharmacy reception acts for.
pub fn institution(caller: &Caller) -> Result<&str, ServiceError> {
    match (caller.role, caller.institution_code.as_deref()) {
        (Role::Clinic, Some(code)) => Ok(code),
        _ => Err(ServiceError::Forbidden),
    }
}

/// The recipient id a signed-in recipient may read: their own.
pub fn own_recipient(caller: &Caller) -> Result<i64, ServiceError> {
    match (caller.role, caller.recipient_id) {
        (Role::Recipient, Some(id)) => Ok(id),
        _ => Err(ServiceError::Forbidden),
    }
}

pub fn operator(caller: &Caller) -> Result<(), ServiceError> {
    if caller.role == Role::Operator {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// May this caller open this recipient (known by office and id)? Office staff only
/// within their office; a recipient only themself. Institutions go through the verification path.
pub fn may_open_recipient(
    caller: &Caller,
    recipient_office: &str,
    recipient_id: i64,
) -> Result<(), ServiceError> {
    match caller.role {
        Role::Caseworker | Role::Supervisor
            if caller.office_number.as_deref() == Some(recipient_office) =>
        {
            Ok(())
        }
        Role::Recipient if caller.recipient_id == Some(recipient_id) => Ok(()),
        // Same answer as for an id that does not exist: never confirm existence across scopes.
        _ => Err(ServiceError::NotFound("受給者")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(
        role: Role,
        office: Option<&str>,
        institution: Option<&str>,
        recipient: Option<i64>,
    ) -> Caller {
        Caller {
            role,
            actor_id: "t".into(),
            display_name: "t".into(),
            user_id: None,
            office_number: office.map(Into::into),
            institution_code: institution.map(Into::into),
            recipient_id: recipient,
            actor_label: "t".into(),
        }
    }

    #[test]
    fn scope_table() {
        let cw = caller(Role::Caseworker, Some("12131017"), None, None);
        let sv = caller(Role::Supervisor, Some("12131017"), None, None);
        let clinic = caller(Role::Clinic, None, Some("1311234569"), None);
        let me = caller(Role::Recipient, Some("12131017"), None, Some(7));
        let op = caller(Role::Operator, None, None, None);
        assert_eq!(office(&cw).ok(), Some("12131017"));
        assert!(office(&clinic).is_err());
        assert!(office(&me).is_err());
        assert!(supervisor_office(&cw).is_err());
        assert!(supervisor_office(&sv).is_ok());
        assert_eq!(institution(&clinic).ok(), Some("1311234569"));
        assert!(institution(&cw).is_err());
        assert_eq!(own_recipient(&me).ok(), Some(7));
        assert!(own_recipient(&cw).is_err());
        assert!(operator(&op).is_ok());
        assert!(operator(&sv).is_err());
        assert!(may_open_recipient(&cw, "12131017", 1).is_ok());
        assert!(may_open_recipient(&cw, "12270138", 1).is_err());
        assert!(may_open_recipient(&me, "12131017", 7).is_ok());
        assert!(may_open_recipient(&me, "12131017", 8).is_err());
        assert!(may_open_recipient(&clinic, "12131017", 7).is_err());
        assert!(may_open_recipient(&op, "12131017", 7).is_err());
    }
}
