//! Rules that depend on which scope a document is attached to, checked once every document
//! has its place: Azure allows `quota` only at product scope, `rate-limit` at product, API
//! and operation scope, and their `<api>`/`<operation>` children only at product scope;
//! `cross-domain` only at global scope. It also checks that each `log-to-eventhub` names a
//! declared `[loggers.<id>]`.
//!
//! A document shared by several scopes is checked for each; the error names the document's
//! file and the element's line.

use super::error::LoadError;
use crate::model::{Config, Logger, Policy, PolicyDocument, Section};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Global,
    Product,
    Api,
    Operation,
}

impl Scope {
    fn describe(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Product => "product",
            Scope::Api => "API",
            Scope::Operation => "operation",
        }
    }
}

/// Every scope rule broken in `config`, in document order.
pub(crate) fn check(config: &Config) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let mut documents: Vec<(Scope, &PolicyDocument)> = Vec::new();
    if let Some(global) = &config.global {
        documents.push((Scope::Global, global));
    }
    for product in &config.products {
        documents.extend(product.policy.iter().map(|doc| (Scope::Product, doc)));
    }
    for api in &config.apis {
        documents.extend(api.policy.iter().map(|doc| (Scope::Api, doc)));
        for operation in &api.operations {
            documents.extend(operation.policy.iter().map(|doc| (Scope::Operation, doc)));
        }
    }
    for (scope, document) in documents {
        check_document(scope, document, &config.loggers, &mut errors);
    }
    // A document attached to several scopes of one kind reports each mistake once.
    let mut unique: Vec<LoadError> = Vec::with_capacity(errors.len());
    for error in errors {
        if !unique.contains(&error) {
            unique.push(error);
        }
    }
    unique
}

fn check_document(
    scope: Scope,
    document: &PolicyDocument,
    loggers: &[Logger],
    errors: &mut Vec<LoadError>,
) {
    let sections = [
        Section::Inbound,
        Section::Backend,
        Section::Outbound,
        Section::OnError,
    ];
    for section in sections {
        for node in document.section(section).unwrap_or_default() {
            let message = match &node.policy {
                Policy::Quota(_) if scope != Scope::Product => Some(format!(
                    "<quota> is allowed only in a product's policy document, not at {} scope \
                     (use <quota-by-key> there)",
                    scope.describe()
                )),
                Policy::RateLimit(_) if scope == Scope::Global => Some(
                    "<rate-limit> is not allowed at global scope (product, API or operation \
                     scope only; use <rate-limit-by-key> there)"
                        .to_string(),
                ),
                Policy::RateLimit(limit) if !limit.apis.is_empty() && scope != Scope::Product => {
                    Some(format!(
                        "<rate-limit> takes <api> children only at product scope, not at {} scope",
                        scope.describe()
                    ))
                }
                Policy::CrossDomain(_) if scope != Scope::Global => Some(format!(
                    "<cross-domain> is allowed only in the global policy document (global.xml), \
                     not at {} scope: it answers /crossdomain.xml for the whole gateway",
                    scope.describe()
                )),
                Policy::LogToEventhub(log)
                    if !loggers.iter().any(|logger| logger.id == log.logger_id) =>
                {
                    Some(format!(
                        "<log-to-eventhub> logger-id {:?} names no logger: declare \
                         [loggers.{}] in tollgate.toml (type = \"eventhub\" or \"http\")",
                        log.logger_id, log.logger_id
                    ))
                }
                _ => None,
            };
            if let Some(message) = message {
                errors.push(LoadError {
                    file: document.file.clone(),
                    line: node.line,
                    column: 0,
                    message,
                });
            }
        }
    }
}
