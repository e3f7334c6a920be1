//! XML bodies and liquid templates must never panic the gateway: mutated SOAP bodies go
//! through LINQ to XML expressions and an XML-bound liquid template, and mutated templates
//! that still load are rendered; each call answers 200 or a 500, never a panic.
#![allow(clippy::unwrap_used)]

mod support;

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};
use tollgate_config::load::parse_document;

const SOAP: &str = r#"<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="urn:m"><s:Body><m:Get a="1"><m:N>x &amp; y</m:N><m:N><![CDATA[<z>]]></m:N></m:Get></s:Body></s:Envelope>"#;

const TEMPLATE: &str = "{% for n in body.Envelope.Body.Get.N %}{{ n | Upcase | Size }}{% endfor %}{{ body.Envelope.Body.Get.a | Plus: 1 }}\
{% if body.Envelope contains 'Body' %}{% assign t = body | Size %}{{ t | DividedBy: 2 }}{% endif %}{{ context.Request.Headers.X | Default: 'd' | Split: '' | Join: '-' }}";

fn gateway(policy: &str) -> Option<TestGateway> {
    let document = parse_document("fuzz.xml", policy).ok()?;
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = false;
    config.products.clear();
    config.apis[0].policy = Some(document);
    Some(TestGateway::with(
        config,
        ScriptedBackend::new(|_| Ok(Response::new(200))),
    ))
}

fn call(gw: &TestGateway, body: &str) -> u16 {
    gw.call(
        Request::new("POST", "/test/x")
            .with_header("content-type", "text/xml")
            .with_header("X", "abc")
            .with_body(body.to_string()),
    )
    .status
}

#[test]
fn mutated_xml_bodies_never_panic() {
    let policy = format!(
        "<policies><inbound><set-variable name=\"v\" value=\"@(context.Request.Body.As&lt;XDocument&gt;(true).Descendants().Select(e =&gt; e.Name.LocalName + e.Value + e.Attributes().Count()).LastOrDefault())\" />\
         <set-body template=\"liquid\">{TEMPLATE}</set-body><return-response><set-body>@(context.Request.Body.As&lt;string&gt;())</set-body></return-response></inbound></policies>"
    );
    let gw = gateway(&policy).unwrap();
    assert_eq!(call(&gw, SOAP), 200);
    let bytes = SOAP.as_bytes();
    let mut answered = 0;
    for position in 0..bytes.len() {
        for &byte in b"<>/&;:\"'=![] x" {
            let mut mutated = bytes.to_vec();
            mutated[position] = byte;
            if let Ok(body) = String::from_utf8(mutated) {
                let status = call(&gw, &body);
                assert!(status == 200 || status == 500, "{body}: {status}");
                answered += 1;
            }
        }
    }
    assert!(answered > 1000);
}

#[test]
fn mutated_templates_that_load_never_panic() {
    let bytes = TEMPLATE.as_bytes();
    let (mut loaded, mut tried) = (0, 0);
    for position in (0..bytes.len()).step_by(2) {
        for &byte in b"{}%|:,.'-" {
            let mut mutated = bytes.to_vec();
            mutated[position] = byte;
            let Ok(template) = String::from_utf8(mutated) else {
                continue;
            };
            tried += 1;
            let policy = format!(
                "<policies><inbound><set-body template=\"liquid\">{}</set-body><return-response /></inbound></policies>",
                template.replace('&', "&amp;").replace('<', "&lt;")
            );
            let Some(gw) = gateway(&policy) else { continue };
            loaded += 1;
            let status = call(&gw, SOAP);
            assert!(status == 200 || status == 500, "{template}: {status}");
        }
    }
    println!("liquid: {loaded} of {tried} mutated templates loaded and rendered, no panic");
    assert!(loaded > 50);
}
