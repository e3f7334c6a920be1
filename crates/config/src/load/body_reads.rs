//! Which bodies a policy document may read, decided at build time.
//!
//! A body that no policy of a call's scope chain reads streams through the gateway in
//! chunks instead of being held in memory, so the answer must never be a wrong "no". It is
//! an allowlist: the elements below are known to leave bodies alone as long as none of
//! their expressions reads `Body`; every other element (including any added later) counts
//! as reading both bodies. `retry` re-sends the request, so it needs the request body
//! buffered; `cache-store` stores the response body; a `forward-request` that may follow a
//! redirect may send the request body twice, and `send-request mode="copy"` copies it.

use serde_json::Value;

use crate::lang::SendMode;
use crate::model::{BodyReads, Policy, PolicyDocument, PolicyNode, Section, Typed};

/// The bodies `document`'s policies may read, over all four sections.
pub(crate) fn of_document(document: &PolicyDocument) -> BodyReads {
    [
        Section::Inbound,
        Section::Backend,
        Section::Outbound,
        Section::OnError,
    ]
    .into_iter()
    .filter_map(|section| document.section(section))
    .fold(BodyReads::default(), |reads, nodes| {
        reads.or(of_nodes(nodes))
    })
}

/// Sets every document's flags (after `include-fragment`s are filled in).
pub(crate) fn mark(document: &mut PolicyDocument) {
    document.reads = of_document(document);
}

fn of_nodes(nodes: &[PolicyNode]) -> BodyReads {
    nodes.iter().fold(BodyReads::default(), |reads, node| {
        reads.or(of_policy(&node.policy))
    })
}

fn of_policy(policy: &Policy) -> BodyReads {
    match policy {
        Policy::Base
        | Policy::SetHeader(_)
        | Policy::SetQueryParameter(_)
        | Policy::SetBackendService(_)
        | Policy::RewriteUri(_)
        | Policy::SetStatus(_)
        | Policy::SetMethod(_)
        | Policy::SetVariable(_)
        | Policy::ReturnResponse(_)
        | Policy::MockResponse(_)
        | Policy::RateLimit(_)
        | Policy::RateLimitByKey(_)
        | Policy::Quota(_)
        | Policy::QuotaByKey(_)
        | Policy::CheckHeader(_)
        | Policy::IpFilter(_)
        | Policy::Cors(_)
        | Policy::ValidateJwt(_)
        | Policy::CacheLookup(_)
        | Policy::CacheLookupValue(_)
        | Policy::CacheStoreValue(_)
        | Policy::CacheRemoveValue(_)
        | Policy::CrossDomain(_)
        | Policy::Trace(_)
        | Policy::EmitMetric(_)
        | Policy::AuthenticationBasic(_)
        | Policy::AuthenticationCertificate(_)
        | Policy::AuthenticationManagedIdentity(_)
        | Policy::ValidateParameters(_)
        | Policy::ValidateHeaders(_)
        | Policy::ValidateStatusCode(_) => in_expressions(policy),
        Policy::ForwardRequest(forward) => {
            let may_redirect = !matches!(forward.follow_redirects, Typed::Literal(false));
            in_expressions(policy).or(BodyReads {
                request: may_redirect,
                response: false,
            })
        }
        // `mode="copy"` starts from the current request, body included.
        Policy::SendRequest(send) => {
            let copies = !matches!(send.mode, Typed::Literal(SendMode::New));
            in_expressions(policy).or(BodyReads {
                request: copies,
                response: false,
            })
        }
        Policy::SendOneWayRequest(send) => {
            let copies = !matches!(send.mode, Typed::Literal(SendMode::New));
            in_expressions(policy).or(BodyReads {
                request: copies,
                response: false,
            })
        }
        Policy::LimitConcurrency(limit) => in_expressions(policy).or(of_nodes(&limit.policies)),
        Policy::Choose(choose) => choose
            .whens
            .iter()
            .fold(in_expressions(policy), |reads, when| {
                reads.or(of_nodes(&when.policies))
            })
            .or(of_nodes(&choose.otherwise)),
        Policy::Retry(retry) => BodyReads {
            request: true,
            response: false,
        }
        .or(in_expressions(policy))
        .or(of_nodes(&retry.policies)),
        // An include not filled in yet reads everything until it is.
        Policy::IncludeFragment(include) if include.policies.is_empty() => BodyReads::BOTH,
        Policy::IncludeFragment(include) => of_nodes(&include.policies),
        // The prompt (its estimate, `"stream": true`) and the response's `usage`.
        Policy::TokenLimit(_) => BodyReads::BOTH,
        Policy::CacheStore(_) => BodyReads {
            request: false,
            response: true,
        },
        _ => BodyReads::BOTH,
    }
}

/// What the expressions (and Liquid templates) anywhere inside `policy` read.
fn in_expressions(policy: &Policy) -> BodyReads {
    in_json(serde_json::to_value(policy))
}

/// Walks the serialised form, which reaches every expression whatever field holds it. A
/// form that does not serialise counts as reading both.
fn in_json(value: Result<Value, serde_json::Error>) -> BodyReads {
    let Ok(value) = value else {
        return BodyReads::BOTH;
    };
    let mut reads = BodyReads::default();
    walk(&value, &mut reads);
    reads
}

fn walk(value: &Value, reads: &mut BodyReads) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    // `Node::Member(target, "Body", _)`.
                    ("Member", Value::Array(parts))
                        if parts.get(1).and_then(Value::as_str) == Some("Body") =>
                    {
                        *reads = reads.or(body_of(parts.first()));
                    }
                    // A Liquid template may read `body`.
                    ("liquid", inner) if !inner.is_null() => *reads = BodyReads::BOTH,
                    _ => {}
                }
                walk(inner, reads);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| walk(item, reads)),
        _ => {}
    }
}

/// Which body `<target>.Body` is: `context.Request` or `context.Response`, else (a local, a
/// variable, a `send-request` response) either.
fn body_of(target: Option<&Value>) -> BodyReads {
    let message = target
        .and_then(|t| t.get("Member"))
        .and_then(Value::as_array)
        .filter(|parts| parts.first().and_then(Value::as_str) == Some("Context"))
        .and_then(|parts| parts.get(1))
        .and_then(Value::as_str);
    match message {
        Some("Request") => BodyReads {
            request: true,
            response: false,
        },
        Some("Response") => BodyReads {
            request: false,
            response: true,
        },
        _ => BodyReads::BOTH,
    }
}
