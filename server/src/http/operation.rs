//! One documented operation of the OpenAPI document: what each route module lists next to
//! its routes (`fn operations`), collected by `openapi.rs`.

use schemars::generate::SchemaGenerator;
use schemars::{JsonSchema, Schema};

/// One documented operation.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it, in Japanese (scope is enforced in `crate::scope`).
    pub roles: &'static str,
    pub request: Option<Schema>,
    /// `None`: no JSON body (204, a file, or XML).
    pub response: Option<Schema>,
    /// Content type of a non-JSON response (CSV, XML), if any.
    pub response_type: Option<&'static str>,
}

impl Operation {
    pub fn new(
        method: &'static str,
        path: &'static str,
        summary: &'static str,
        roles: &'static str,
    ) -> Self {
        Self {
            method,
            path,
            summary,
            roles,
            request: None,
            response: None,
            response_type: None,
        }
    }
    pub fn request<T: JsonSchema>(mut self, generator: &mut SchemaGenerator) -> Self {
        self.request = Some(generator.subschema_for::<T>());
        self
    }
    pub fn response<T: JsonSchema>(mut self, generator: &mut SchemaGenerator) -> Self {
        self.response = Some(generator.subschema_for::<T>());
        self
    }
    pub fn produces(mut self, content_type: &'static str) -> Self {
        self.response_type = Some(content_type);
        self
    }
}
