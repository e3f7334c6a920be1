//! `authentication-managed-identity` needs `[identity]` in `tollgate.toml`: there is no
//! managed identity at the edge, so the token comes from the client-credentials grant that
//! table configures. Checked once every document has its place (fragments included); the
//! error names the document's file and the element's line, and the table to add.

use super::error::LoadError;
use crate::lang::SendAuthentication;
use crate::model::{Config, Policy, PolicyDocument, PolicyNode, Section, WaitChild};

/// What to add, in the error.
const ADD_IDENTITY: &str = "<authentication-managed-identity> needs an [identity] table in \
     tollgate.toml (there is no managed identity at the edge: the token comes from an OAuth 2.0 \
     client-credentials grant), e.g. [identity] tenant = \"{{ identity_tenant }}\", client-id = \
     \"{{ identity_client_id }}\", client-secret = \"{{ identity_client_secret }}\"; see \
     docs/backends-auth.md";

/// One error per document line that uses the policy while `[identity]` is missing.
pub(crate) fn check(config: &Config) -> Vec<LoadError> {
    if config.identity.is_some() {
        return Vec::new();
    }
    let mut documents: Vec<&PolicyDocument> = config.global.iter().collect();
    documents.extend(config.products.iter().filter_map(|p| p.policy.as_ref()));
    for api in &config.apis {
        documents.extend(api.policy.as_ref());
        documents.extend(api.operations.iter().filter_map(|o| o.policy.as_ref()));
    }
    let mut errors: Vec<LoadError> = Vec::new();
    for document in documents {
        for section in [
            Section::Inbound,
            Section::Backend,
            Section::Outbound,
            Section::OnError,
        ] {
            let mut lines = Vec::new();
            find(document.section(section).unwrap_or_default(), &mut lines);
            for line in lines {
                let error = LoadError {
                    file: document.file.clone(),
                    line,
                    column: 0,
                    message: ADD_IDENTITY.to_string(),
                };
                if !errors.contains(&error) {
                    errors.push(error);
                }
            }
        }
    }
    errors
}

/// Lines of the nodes in `nodes` (nested lists included) that use the managed identity.
fn find(nodes: &[PolicyNode], lines: &mut Vec<u32>) {
    for node in nodes {
        match &node.policy {
            Policy::AuthenticationManagedIdentity(_) => lines.push(node.line),
            Policy::SendRequest(send) if uses_identity(send.authentication.as_ref()) => {
                lines.push(node.line);
            }
            Policy::SendOneWayRequest(send) if uses_identity(send.authentication.as_ref()) => {
                lines.push(node.line);
            }
            Policy::Choose(choose) => {
                for when in &choose.whens {
                    find(&when.policies, lines);
                }
                find(&choose.otherwise, lines);
            }
            Policy::Retry(retry) => find(&retry.policies, lines),
            Policy::LimitConcurrency(limit) => find(&limit.policies, lines),
            Policy::IncludeFragment(include) => find(&include.policies, lines),
            Policy::Wait(wait) => {
                for child in &wait.children {
                    match child {
                        WaitChild::Send(send) if uses_identity(send.authentication.as_ref()) => {
                            lines.push(node.line);
                        }
                        WaitChild::Send(_) => {}
                        WaitChild::Policy(inner) => find(std::slice::from_ref(inner), lines),
                    }
                }
            }
            _ => {}
        }
    }
}

fn uses_identity(authentication: Option<&SendAuthentication>) -> bool {
    matches!(authentication, Some(SendAuthentication::ManagedIdentity(_)))
}
