//! Data-driven policy cases: one folder per case under `tests/cases/` (see its README).
#![allow(clippy::unwrap_used)]

mod support;

use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::TestGateway;
use tollgate::host::BackendError;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Headers, Request, Response};
use tollgate_config::load::{
    load_document, openapi_examples, openapi_validation, resolve_fragments,
};

/// A parsed `.http` file: first line, headers, optional body.
struct HttpFile {
    first: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

fn parse_http(text: &str) -> HttpFile {
    let (head, body) = match text.split_once("\n\n") {
        Some((head, body)) => (
            head,
            Some(body.strip_suffix('\n').unwrap_or(body).to_string()),
        ),
        None => (text.trim_end(), None),
    };
    let mut lines = head.lines();
    let first = lines.next().unwrap_or_default().trim().to_string();
    let headers = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once(':') {
            Some((n, v)) => (n.trim().to_string(), v.trim().to_string()),
            None => (l.trim().to_string(), String::new()),
        })
        .collect();
    HttpFile {
        first,
        headers,
        body,
    }
}

/// Checks `Name: value` (present with that value) and `!Name` (absent) lines.
fn check_headers(
    what: &str,
    expected: &[(String, String)],
    actual: &Headers,
    problems: &mut Vec<String>,
) {
    for (name, value) in expected {
        if let Some(absent) = name.strip_prefix('!') {
            if actual.contains(absent) {
                problems.push(format!(
                    "{what}: header {absent} should be absent, is {:?}",
                    actual.get(absent)
                ));
            }
        } else {
            let got: Vec<&str> = actual.get_all(name).collect();
            if !got.contains(&value.as_str()) && got.join(",") != *value {
                problems.push(format!(
                    "{what}: header {name} expected {value:?}, got {got:?}"
                ));
            }
        }
    }
}

fn run_case(dir: &Path) -> Vec<String> {
    let mut config = support::load("tests/cases/_config");
    let doc = |name: &str| {
        let path = dir.join(name);
        path.exists().then(|| {
            load_document(&path)
                .and_then(|mut document| resolve_fragments(&mut document, dir).map(|()| document))
                .unwrap_or_else(|errors| {
                    panic!(
                        "{}: {}",
                        path.display(),
                        errors
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                })
        })
    };
    config.global = doc("global.xml");
    config.products[0].policy = doc("product.xml");
    config.apis[0].policy = doc("api.xml");
    config.apis[0].operations[0].policy = doc("operation.xml");
    if let Ok(text) = fs::read_to_string(dir.join("openapi.json")) {
        config.apis[0].mock_examples = openapi_examples(&config.apis[0], &text).unwrap().into();
        let validation = openapi_validation(&config.apis[0], &text).unwrap();
        config.apis[0].validation = Some(validation.into());
    }

    let backend = scripted_backend(dir);
    let mut gw = TestGateway::with(config, backend);
    if let Ok(text) = fs::read_to_string(dir.join("vars.txt")) {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (name, value) = line.split_once('=').unwrap();
            gw.vars
                .0
                .insert(name.trim().to_string(), value.trim().to_string());
        }
    }
    let key = gw.subscribe("/products/plan").1;

    let request_file = parse_http(&fs::read_to_string(dir.join("request.http")).unwrap());
    let (method, target) = request_file.first.split_once(' ').unwrap();
    let mut request = Request::new(method, target);
    if !request_file
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("Ocp-Apim-Subscription-Key"))
    {
        request.headers.append("Ocp-Apim-Subscription-Key", &key);
    }
    for (n, v) in &request_file.headers {
        request.headers.append(n, v);
    }
    request.body = request_file.body.unwrap_or_default().into_bytes();
    let response = gw.call(request);

    let mut problems = Vec::new();
    if let Ok(text) = fs::read_to_string(dir.join("expected-log.txt")) {
        let log = gw.log.lines().join("\n");
        for want in text.lines().filter(|l| !l.trim().is_empty()) {
            if !log.contains(want.trim()) {
                problems.push(format!(
                    "log: expected a line containing {want:?}, got:\n{log}"
                ));
            }
        }
    }
    let expected = parse_http(&fs::read_to_string(dir.join("expected.http")).unwrap());
    if expected.first != response.status.to_string() {
        problems.push(format!(
            "status: expected {}, got {} ({})",
            expected.first,
            response.status,
            response.text()
        ));
    }
    check_headers(
        "response",
        &expected.headers,
        &response.headers,
        &mut problems,
    );
    if let Some(body) = expected.body
        && body != response.text()
    {
        problems.push(format!(
            "body: expected {body:?}, got {:?}",
            response.text()
        ));
    }

    if let Ok(text) = fs::read_to_string(dir.join("expected-backend.http")) {
        // Compare with calls to the expected host (the API backend for `none`).
        let expected_origin = parse_http(&text)
            .first
            .split(' ')
            .nth(1)
            .map(|url| url.split('/').take(3).collect::<Vec<_>>().join("/"))
            .unwrap_or_else(|| "http://backend.test".into());
        let seen: Vec<_> = gw
            .backend_requests()
            .into_iter()
            .filter(|c| {
                c.url.starts_with(&format!("{expected_origin}/")) || c.url == expected_origin
            })
            .collect();
        if text.trim() == "none" {
            if !seen.is_empty() {
                problems.push(format!("backend: expected no call, got {}", seen[0].url));
            }
        } else if let Some(call) = seen.last() {
            let expected = parse_http(&text);
            let actual_first = format!("{} {}", call.request.method, call.url);
            if expected.first != actual_first {
                problems.push(format!(
                    "backend: expected {:?}, got {actual_first:?}",
                    expected.first
                ));
            }
            check_headers(
                "backend",
                &expected.headers,
                &call.request.headers,
                &mut problems,
            );
            if let Some(body) = expected.body {
                let got = String::from_utf8_lossy(&call.request.body);
                if body != got {
                    problems.push(format!("backend body: expected {body:?}, got {got:?}"));
                }
            }
        } else {
            problems.push("backend: expected a call, got none".into());
        }
    }
    problems
}

/// A `.http` answer file as a backend response; `TIMEOUT` or `UNREACHABLE` as failures.
fn answer(text: &str) -> Result<Response, BackendError> {
    match text.trim() {
        "TIMEOUT" => return Err(BackendError::Timeout),
        "UNREACHABLE" => return Err(BackendError::Connect("refused".into())),
        _ => {}
    }
    let file = parse_http(text);
    let mut response = Response::new(file.first.parse().unwrap());
    for (n, v) in &file.headers {
        response.headers.append(n, v);
    }
    response.body = file.body.clone().unwrap_or_default().into_bytes();
    Ok(response)
}

/// The backend of a case: `backends/<host>.http` answers calls to that host (send-request);
/// other calls get `backend-<n>.http` for the n-th call when present, else `backend.http`,
/// else 200 `backend body`.
fn scripted_backend(dir: &Path) -> ScriptedBackend {
    let read = |name: String| fs::read_to_string(dir.join(name)).ok();
    let default = read("backend.http".into());
    let numbered: Vec<Option<String>> = (1..=10)
        .map(|n| read(format!("backend-{n}.http")))
        .collect();
    let hosts: Vec<(String, String)> = fs::read_dir(dir.join("backends"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| {
                    let host = p.file_stem().unwrap().to_string_lossy().to_string();
                    (host, fs::read_to_string(&p).unwrap())
                })
                .collect()
        })
        .unwrap_or_default();
    let calls = AtomicUsize::new(0);
    ScriptedBackend::new(move |request| {
        let host = request
            .url
            .split("://")
            .nth(1)
            .unwrap_or("")
            .split(['/', '?'])
            .next()
            .unwrap_or("");
        if let Some((_, text)) = hosts.iter().find(|(h, _)| h == host) {
            return answer(text);
        }
        let n = calls.fetch_add(1, Ordering::SeqCst);
        match numbered
            .get(n)
            .cloned()
            .flatten()
            .or_else(|| default.clone())
        {
            Some(text) => answer(&text),
            None => {
                let mut response = Response::new(200);
                response.body = b"backend body".to_vec();
                Ok(response)
            }
        }
    })
}

#[test]
fn policy_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let only = std::env::var("CASE").ok();
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('_'))
        .filter(|p| only.as_deref().is_none_or(|o| p.ends_with(o)))
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no cases found");
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let problems = run_case(dir);
        if problems.is_empty() {
            println!("case {name}: ok");
        } else {
            failures.push(format!("case {name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
