//! Errors of the services below the HTTP layer (scope, screening …), in the service's terms.
//! `http/error.rs` turns each into the API's answer (status, code, Japanese message), so
//! nothing below the HTTP layer knows about HTTP.

use std::fmt;

use domain::error::FieldError;

#[derive(Debug)]
pub enum ServiceError {
    /// No caller is signed in (401).
    Unauthenticated,
    /// The caller may not do this (403).
    Forbidden,
    /// Nothing the caller may see exists; the Japanese noun of what was looked for, e.g.
    /// 「受給者」 (404). Across scopes this is also the answer, never `Forbidden`.
    NotFound(&'static str),
    /// The request contradicts what is stored; the message is Japanese, for the user (409).
    Conflict(String),
    /// The input is wrong, field by field; the messages are Japanese (422).
    Validation(Vec<FieldError>),
    /// Anything else (the database, a broken invariant): logged, never shown (500).
    Internal(anyhow::Error),
}

impl ServiceError {
    /// One wrong field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unauthenticated => write!(f, "not signed in"),
            Self::Forbidden => write!(f, "forbidden"),
            Self::NotFound(what) => write!(f, "not found: {what}"),
            Self::Conflict(message) => write!(f, "conflict: {message}"),
            Self::Validation(fields) => {
                write!(f, "invalid input")?;
                for e in fields {
                    write!(f, "; {}: {}", e.field, e.message)?;
                }
                Ok(())
            }
            Self::Internal(cause) => write!(f, "{cause:#}"),
        }
    }
}

impl std::error::Error for ServiceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Internal(cause) => Some(cause.as_ref()),
            _ => None,
        }
    }
}

impl From<anyhow::Error> for ServiceError {
    fn from(cause: anyhow::Error) -> Self {
        Self::Internal(cause)
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(cause: sqlx::Error) -> Self {
        Self::Internal(cause.into())
    }
}
