//! Per-request cost of policy expressions: parsing (done once, at build time) versus
//! decoding the embedded configuration and evaluating (done on every request).
//!
//! `cargo bench --bench expressions` (a plain `harness = false` bench on `std::time::Instant`,
//! so no benchmark framework is compiled). Numbers are per iteration, native; the wasm
//! component pays roughly 1.5–3× these.
#![allow(clippy::unwrap_used)]

mod timing;

use timing::time;
use tollgate::Gateway;
use tollgate::host::Host;
use tollgate::host::memory::{
    CountingRandom, ManualClock, MapVars, MemoryKv, MemoryLog, ScriptedBackend,
};
use tollgate::http::{Request, Response};
use tollgate_config::load::{load_dir, parse_document};

const EXPRESSIONS: &[(&str, &str)] = &[
    ("simple", "@(context.Request.Method == \"GET\")"),
    (
        "header-jwt",
        "@(context.Request.Headers.GetValueOrDefault(\"Authorization\", \"\").Split(' ').Last().AsJwt()?.Subject ?? \"anonymous\")",
    ),
    (
        "block-json",
        "@{ var o = new JObject(new JProperty(\"path\", context.Request.Url.Path)); o[\"n\"] = \"a,b,c\".Split(',').Where(x => x != \"b\").Count(); return o.ToString(); }",
    ),
    (
        "date",
        "@(DateTime.UtcNow.AddMinutes(5).ToString(\"yyyy-MM-ddTHH:mm:ssZ\"))",
    ),
    // An HMAC-SHA256 over a 1 KB message, base64: the signing idiom of Azure's samples.
    (
        "hmac-sha256-1kb",
        "@(Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes(\"secret\")).ComputeHash(Encoding.UTF8.GetBytes(\"x\".PadLeft(1024, 'a')))))",
    ),
    // The same message padded to 1 KB without the HMAC: what the line above adds is the MAC.
    (
        "pad-1kb",
        "@(Convert.ToBase64String(Encoding.UTF8.GetBytes(\"x\".PadLeft(1024, 'a'))))",
    ),
    (
        "regex-match",
        "@(Regex.Match(context.Request.Url.Path, @\"/items/(?<id>\\d+)$\", RegexOptions.IgnoreCase).Groups[\"id\"].Value)",
    ),
    (
        "regex-replace",
        "@(Regex.Replace(\"2026-11-27T12:00:00Z\", @\"(\\d+)-(\\d+)-(\\d+)\", \"$3/$2/$1\"))",
    ),
    (
        "foreach-builder",
        "@{ var sb = new StringBuilder(); foreach (var h in context.Request.Headers) { sb.Append(h.Key).Append(';'); } return sb.ToString(); }",
    ),
];

fn document(expression: &str) -> String {
    format!(
        "<policies><inbound><set-variable name=\"v\" value=\"{}\" /><return-response><set-body>@(context.Variables[\"v\"].ToString())</set-body></return-response></inbound></policies>",
        expression
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    )
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let base = load_dir(&std::path::Path::new(root).join("tests/cases/_config")).unwrap();
    let kv = MemoryKv::new();
    let backend = ScriptedBackend::new(|_| Ok(Response::new(200)));
    let clock = ManualClock::at(1_795_780_800_000);
    let random = CountingRandom::default();
    let vars = MapVars::default();
    let log = MemoryLog::default();
    let host = Host {
        kv: &kv,
        backend: &backend,
        clock: &clock,
        random: &random,
        vars: &vars,
        log: &log,
    };

    println!("per iteration (native, release):");
    for (name, expression) in EXPRESSIONS {
        let xml = document(expression);
        time(&format!("{name}: parse (load time)"), 20_000, || {
            parse_document("bench.xml", &xml).unwrap()
        });
        let mut config = base.clone();
        config.apis[0].subscription_required = false;
        config.products.clear();
        config.apis[0].policy = Some(parse_document("bench.xml", &xml).unwrap());
        let blob: &'static [u8] =
            Box::leak(postcard::to_allocvec(&config).unwrap().into_boxed_slice());
        // The API (and its policy) is decoded on first use: use it.
        time(
            &format!("{name}: decode config blob ({} B)", blob.len()),
            20_000,
            || {
                let config = postcard::from_bytes::<tollgate_config::Config>(blob).unwrap();
                config.apis[0].policy.is_some()
            },
        );
        let gateway = Gateway::new(config);
        let request = Request::new("GET", "/test/items/1").with_header(
            "authorization",
            "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2ln",
        );
        let empty = {
            let mut config = base.clone();
            config.apis[0].subscription_required = false;
            config.products.clear();
            config.apis[0].policy = Some(
                parse_document(
                    "bench.xml",
                    "<policies><inbound><return-response /></inbound></policies>",
                )
                .unwrap(),
            );
            Gateway::new(config)
        };
        let with = time(
            &format!("{name}: request with the expression"),
            20_000,
            || gateway.handle(request.clone(), &host),
        );
        let without = time(
            &format!("{name}: same request, no expression"),
            20_000,
            || empty.handle(request.clone(), &host),
        );
        println!(
            "{:<52} {:>9.2} µs",
            format!("{name}: evaluation cost (difference)"),
            with - without
        );
    }
}
