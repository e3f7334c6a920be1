//! Per-call cost of LINQ to XML and liquid templates: a request with the policy minus the
//! same request with an empty policy, natively (`cargo bench --bench xml_liquid`).
//!
//! - an `XDocument` query over a ~2 KB SOAP body (parse, `Descendants`, `Value`);
//! - a liquid render of that SOAP body to JSON, and of a JSON body to a SOAP envelope.
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

/// A ~2 KB SOAP request.
fn soap_body() -> String {
    let mut lines = String::new();
    for i in 0..27 {
        lines.push_str(&format!(
            "<m:Line no=\"{i}\"><m:Sku>SKU-{i:04}</m:Sku><m:Qty>{}</m:Qty></m:Line>",
            i % 7 + 1
        ));
    }
    format!(
        "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:m=\"urn:orders\"><soap:Header><m:Trace id=\"t-1\"/></soap:Header><soap:Body><m:PlaceOrder><m:Customer>C-1001</m:Customer>{lines}</m:PlaceOrder></soap:Body></soap:Envelope>"
    )
}

const JSON_BODY: &str = r#"{"order": {"customer": "C-1001", "lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}, {"sku": "C", "qty": 3}, {"sku": "D", "qty": 4}]}}"#;

const CASES: &[(&str, &str, &str)] = &[
    (
        "xdocument-query",
        "text/xml",
        "<set-variable name=\"v\" value=\"@{ XNamespace m = &quot;urn:orders&quot;; var doc = context.Request.Body.As&lt;XDocument&gt;(preserveContent: true); return doc.Descendants(m + &quot;Customer&quot;).First().Value + doc.Descendants(m + &quot;Qty&quot;).Sum(q =&gt; (int)q); }\" />",
    ),
    (
        "liquid-soap-to-json",
        "text/xml",
        "<set-body template=\"liquid\">{\"customer\": \"{{ body.Envelope.Body.PlaceOrder.Customer }}\", \"lines\": [{% for l in body.Envelope.Body.PlaceOrder.Line %}{\"sku\": \"{{ l.Sku | Downcase }}\", \"qty\": {{ l.Qty }}}{% unless forloop.last %},{% endunless %}{% endfor %}]}</set-body>",
    ),
    (
        "liquid-json-to-soap",
        "application/json",
        "<set-body template=\"liquid\"><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><PlaceOrder><Customer>{{ body.order.customer | Escape }}</Customer>{% for l in body.order.lines %}<Line><Sku>{{ l.sku }}</Sku><Qty>{{ l.qty | Times: 2 }}</Qty></Line>{% endfor %}</PlaceOrder></soap:Body></soap:Envelope></set-body>",
    ),
];

fn gateway(base: &tollgate_config::Config, inbound: &str) -> Gateway {
    let mut config = base.clone();
    config.apis[0].subscription_required = false;
    config.products.clear();
    let xml = format!("<policies><inbound>{inbound}<return-response /></inbound></policies>");
    config.apis[0].policy = Some(parse_document("bench.xml", &xml).unwrap());
    Gateway::new(config)
}

fn main() {
    let root = env!("CARGO_MANIFEST_DIR");
    let base = load_dir(&std::path::Path::new(root).join("tests/cases/_config")).unwrap();
    let (kv, clock, random, vars, log) = (
        MemoryKv::new(),
        ManualClock::at(1_795_780_800_000),
        CountingRandom::default(),
        MapVars::default(),
        MemoryLog::default(),
    );
    let backend = ScriptedBackend::new(|_| Ok(Response::new(200)));
    let host = Host {
        kv: &kv,
        backend: &backend,
        clock: &clock,
        random: &random,
        vars: &vars,
        log: &log,
    };
    let soap = soap_body();
    println!("per call (native, release); SOAP body {} B:", soap.len());
    let empty = gateway(&base, "");
    for (name, content_type, policy) in CASES {
        let body = if *content_type == "text/xml" {
            soap.as_str()
        } else {
            JSON_BODY
        };
        let request = Request::new("POST", "/test/orders")
            .with_header("content-type", content_type)
            .with_body(body.to_string());
        let with_policy = gateway(&base, policy);
        assert_eq!(
            with_policy.handle(request.clone(), &host).status,
            200,
            "{name}"
        );
        let with = time(&format!("{name}: request with the policy"), 20_000, || {
            with_policy.handle(request.clone(), &host)
        });
        let without = time(
            &format!("{name}: same request, empty policy"),
            20_000,
            || empty.handle(request.clone(), &host),
        );
        println!(
            "{:<52} {:>9.2} µs",
            format!("{name}: cost (difference)"),
            with - without
        );
    }
}
