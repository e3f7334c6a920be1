//! The scope chain (global → product → API → operation) and `<base/>` merging.
//!
//! For each section, the narrowest document that has the section decides; `<base/>` inside it
//! inlines the parent's effective policies at that point, and no `<base/>` drops them. A
//! document that omits a section entirely inherits the parent's (our choice: Azure's editor
//! always writes all four sections with `<base/>`).

use tollgate_config::{ForwardRequest, Policy, PolicyDocument, PolicyNode, Section, Typed};

/// The policy scopes, broad to narrow (`context.LastError.Scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Tollgate's built-in root: the backend section forwards the request.
    Builtin,
    /// `global.xml`.
    Global,
    /// The product's document.
    Product,
    /// The API's document.
    Api,
    /// The operation's document.
    Operation,
}

impl Scope {
    /// The name Azure uses in `LastError.Scope`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Builtin | Scope::Global => "global",
            Scope::Product => "product",
            Scope::Api => "api",
            Scope::Operation => "operation",
        }
    }
}

/// One policy to run, with where it came from.
#[derive(Debug, Clone, Copy)]
pub struct Step<'c> {
    /// The policy.
    pub node: &'c PolicyNode,
    /// The scope whose document holds it.
    pub scope: Scope,
    /// The file it was written in (`""` for the built-in).
    pub file: &'c str,
}

static BUILTIN_FORWARD: PolicyNode = PolicyNode {
    line: 0,
    id: None,
    policy: Policy::ForwardRequest(ForwardRequest {
        timeout_secs: Typed::Literal(300),
        timeout_ms: None,
        fail_on_error_status_code: Typed::Literal(false),
        follow_redirects: Typed::Literal(false),
        buffer_response: true,
    }),
};

/// The documents that apply to a call, broad to narrow.
pub type Chain<'c> = Vec<(Scope, &'c PolicyDocument)>;

/// The policies that run in `section` for this chain, in order.
pub fn effective<'c>(chain: &[(Scope, &'c PolicyDocument)], section: Section) -> Vec<Step<'c>> {
    let mut steps = match section {
        Section::Backend => vec![Step {
            node: &BUILTIN_FORWARD,
            scope: Scope::Builtin,
            file: "",
        }],
        _ => Vec::new(),
    };
    for (scope, document) in chain {
        let Some(nodes) = document.section(section) else {
            continue;
        };
        let parent = std::mem::take(&mut steps);
        let mut parent = Some(parent);
        for node in nodes {
            if matches!(node.policy, Policy::Base) {
                steps.extend(parent.take().unwrap_or_default());
            } else {
                steps.push(Step {
                    node,
                    scope: *scope,
                    file: &document.file,
                });
            }
        }
    }
    steps
}
