//! LINQ to XML in policy expressions: each expression is loaded (names checked at load
//! time) and evaluated through the gateway against a SOAP request body.
#![allow(clippy::unwrap_used)]

mod support;

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};
use tollgate_config::load::parse_document;

const SOAP: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://example.org/stock">
  <soap:Header><m:Trace id="t-1" level="2"/></soap:Header>
  <soap:Body>
    <m:GetStockPrice currency="EUR">
      <m:StockName>ACME &amp; Co</m:StockName>
      <m:Quantity>12</m:Quantity>
      <m:Tag>a</m:Tag><m:Tag>b</m:Tag><m:Tag>c</m:Tag>
    </m:GetStockPrice>
  </soap:Body>
</soap:Envelope>"#;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Status and body of `return-response` with `set-body` = the expression, over `body`.
fn eval_over(expr: &str, body: &str) -> (u16, String) {
    let xml = format!(
        "<policies><inbound><return-response><set-body>{}</set-body></return-response></inbound></policies>",
        escape(expr)
    );
    let document = parse_document("xml.xml", &xml).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = false;
    config.products.clear();
    config.apis[0].policy = Some(document);
    let gw = TestGateway::with(config, ScriptedBackend::new(|_| Ok(Response::new(200))));
    let response = gw.call(
        Request::new("POST", "/test/items/1")
            .with_header("content-type", "text/xml")
            .with_body(body),
    );
    (response.status, response.text())
}

fn eval(expr: &str) -> String {
    let (status, text) = eval_over(expr, SOAP);
    assert_eq!(status, 200, "{expr}: {text}");
    text
}

fn load_error(expr: &str) -> String {
    let xml = format!(
        "<policies><inbound><set-body>{}</set-body></inbound></policies>",
        escape(expr)
    );
    format!("{:?}", parse_document("x.xml", &xml).unwrap_err())
}

const DOC: &str = "context.Request.Body.As<XDocument>(preserveContent: true)";

#[test]
fn navigation_by_name_and_namespace() {
    let m = "XNamespace m = \"http://example.org/stock\";";
    assert_eq!(
        eval(&format!(
            "@{{ {m} var doc = {DOC}; return doc.Descendants(m + \"StockName\").First().Value; }}"
        )),
        "ACME & Co"
    );
    assert_eq!(
        eval(
            &format!("@{{ {m} return (int){DOC}.Descendants(m + \"Quantity\").Single(); }}")
                .replace(".Single()", ".First()")
        ),
        "12"
    );
    assert_eq!(eval(&format!("@({DOC}.Root.Name.LocalName)")), "Envelope");
    assert_eq!(
        eval(&format!("@({DOC}.Root.Name.NamespaceName)")),
        "http://schemas.xmlsoap.org/soap/envelope/"
    );
    assert_eq!(eval(&format!("@({DOC}.Root.Elements().Count())")), "2");
    assert_eq!(
        eval(&format!(
            "@({DOC}.Root.Element(\"{{http://schemas.xmlsoap.org/soap/envelope/}}Body\").Elements().First().Attribute(\"currency\").Value)"
        )),
        "EUR"
    );
    assert_eq!(
        eval(&format!(
            "@({DOC}.Descendants(XName.Get(\"Tag\", \"http://example.org/stock\")).Count())"
        )),
        "3"
    );
    // A name without a namespace does not match a namespaced element.
    assert_eq!(eval(&format!("@({DOC}.Descendants(\"Tag\").Count())")), "0");
    assert_eq!(
        eval(&format!(
            "@({DOC}.Descendants().Where(e => e.Name.LocalName == \"Tag\").Select(e => e.Value).Last())"
        )),
        "c"
    );
    assert_eq!(
        eval(&format!(
            "@({DOC}.Descendants().Any(e => e.Name.LocalName == \"Nope\"))"
        )),
        "False"
    );
    assert_eq!(
        eval(&format!(
            "@({DOC}.Descendants().FirstOrDefault(e => e.Name.LocalName == \"Nope\") == null)"
        )),
        "True"
    );
}

#[test]
fn parents_attributes_and_node_facts() {
    assert_eq!(
        eval(&format!(
            "@({DOC}.Descendants().First(e => e.Name.LocalName == \"Quantity\").Parent.Name.LocalName)"
        )),
        "GetStockPrice"
    );
    assert_eq!(eval(&format!("@({DOC}.Root.Parent == null)")), "True");
    assert_eq!(eval(&format!("@({DOC}.Root.HasElements)")), "True");
    assert_eq!(
        eval(&format!(
            "@(string.Join(\",\", {DOC}.Descendants().First(e => e.Name.LocalName == \"Trace\").Attributes().Select(a => a.Name + \"=\" + a.Value)))"
        )),
        "id=t-1,level=2"
    );
    assert_eq!(
        eval(&format!(
            "@((int){DOC}.Descendants().First(e => e.Name.LocalName == \"Trace\").Attribute(\"level\") + 1)"
        )),
        "3"
    );
    assert_eq!(
        eval(&format!("@({DOC}.Root.FirstNode.Name.LocalName)")),
        "Header"
    );
    assert_eq!(
        eval(&format!("@({DOC}.Root.Elements().Elements().Count())")),
        "2"
    );
    assert_eq!(eval(&format!("@({DOC}.Root is XDocument)")), "False");
    assert_eq!(eval(&format!("@({DOC} is XDocument)")), "True");
    assert_eq!(
        eval(&format!(
            "@{{ var d = {DOC}; return d.Root.Equals(d.Root) && !d.Root.Equals(d.Root.FirstNode); }}"
        )),
        "True"
    );
}

#[test]
fn parse_construct_and_write() {
    assert_eq!(
        eval("@(XElement.Parse(\"<a x='1'><b>t</b><c/></a>\").ToString())"),
        "<a x=\"1\">\n  <b>t</b>\n  <c />\n</a>"
    );
    assert_eq!(
        eval("@(XElement.Parse(\"<a><b>t</b><c/></a>\").ToString(SaveOptions.DisableFormatting))"),
        "<a><b>t</b><c /></a>"
    );
    assert_eq!(
        eval(
            "@(new XElement(\"order\", new XAttribute(\"id\", 7), new XElement(\"item\", \"a<b\")).ToString(SaveOptions.DisableFormatting))"
        ),
        "<order id=\"7\"><item>a&lt;b</item></order>"
    );
    assert_eq!(
        eval(
            "@(XDocument.Parse(\"<r><v>1</v><v>2</v></r>\").Root.Elements(\"v\").Sum(v => (int)v))"
        ),
        "3"
    );
    assert_eq!(
        eval("@{ XName n = \"{urn:x}a\"; return n.NamespaceName + \"|\" + n.LocalName; }"),
        "urn:x|a"
    );
    assert_eq!(
        eval("@(XElement.Parse(\"<a><b/></a>\").Element(\"zz\") == null)"),
        "True"
    );
}

#[test]
fn bad_xml_and_dtds_are_evaluation_failures() {
    for body in [
        "not xml",
        "<a><b></a>",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
    ] {
        let (status, _) = eval_over("@(context.Request.Body.As<XDocument>().Root.Value)", body);
        assert_eq!(status, 500, "{body}");
    }
    let deep = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
    assert_eq!(
        eval_over(
            "@(XDocument.Parse(context.Request.Body.As<string>()).Root.Value)",
            &deep
        )
        .0,
        500
    );
}

#[test]
fn unsupported_xml_members_fail_at_load_time() {
    assert!(load_error("@(XDocument.Load(\"x\"))").contains("XDocument.Load"));
    assert!(load_error("@(context.Request.Body.As<XmlDocument>())").contains("As<XmlDocument>"));
    assert!(
        load_error("@(XElement.Parse(\"<a/>\").XPathSelectElement(\"a\"))")
            .contains("XPathSelectElement")
    );
}
