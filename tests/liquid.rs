//! `set-body template="liquid"`: templates loaded from policy XML and rendered through the
//! gateway over a request (JSON or XML body, headers, URL, matched parameters, variables).
#![allow(clippy::unwrap_used)]

mod support;

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};
use tollgate_config::load::parse_document;

/// The rendered body (status 200) of `template` over a POST with `content_type` and `body`.
fn render_with(template: &str, prelude: &str, content_type: &str, body: &str) -> (u16, String) {
    let xml = format!(
        "<policies><inbound>{prelude}<set-body template=\"liquid\">{template}</set-body><return-response response-variable-name=\"none\" /></inbound></policies>"
    );
    // return-response needs a variable; render into the request, then echo it instead.
    let xml = xml.replace(
        "<return-response response-variable-name=\"none\" />",
        "<return-response><set-body>@(context.Request.Body.As&lt;string&gt;())</set-body></return-response>",
    );
    let document =
        parse_document("liquid.xml", &xml).unwrap_or_else(|e| panic!("{template}: {e:?}"));
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = false;
    config.products.clear();
    config.apis[0].policy = Some(document);
    let gw = TestGateway::with(config, ScriptedBackend::new(|_| Ok(Response::new(200))));
    let response = gw.call(
        Request::new("POST", "/test/items/42?lang=en&lang=fr")
            .with_header("content-type", content_type)
            .with_header("X-Tenant", "acme")
            .with_body(body),
    );
    (response.status, response.text())
}

fn render(template: &str, json: &str) -> String {
    let (status, text) = render_with(template, "", "application/json", json);
    assert_eq!(status, 200, "{template}: {text}");
    text
}

fn load_error(template: &str) -> String {
    let xml = format!(
        "<policies>\n<inbound>\n  <set-body template=\"liquid\">{template}</set-body>\n</inbound>\n</policies>"
    );
    format!("{:?}", parse_document("bad.xml", &xml).unwrap_err())
}

const ORDER: &str = r#"{"customer": {"name": "ada lovelace", "tier": "gold", "tags": ["a", "b", "a"]},
  "items": [{"sku": "x-1", "qty": 2, "price": 2.5}, {"sku": "y-2", "qty": 1, "price": 10}],
  "note": "", "active": true}"#;

#[test]
fn outputs_paths_and_filters() {
    assert_eq!(
        render("{{ body.customer.name | Capitalize }}", ORDER),
        "Ada lovelace"
    );
    assert_eq!(
        render(
            "{{ body.customer.name | upcase | Split: ' ' | Join: '_' }}",
            ORDER
        ),
        "ADA_LOVELACE"
    );
    assert_eq!(
        render(
            "{{ body.items[1].sku }}/{{ body.items.size }}/{{ body.items.first.qty }}",
            ORDER
        ),
        "y-2/2/2"
    );
    assert_eq!(
        render("{{ body.items | Map: 'sku' | Join: ',' }}", ORDER),
        "x-1,y-2"
    );
    assert_eq!(
        render("{{ body.customer.tags | Uniq | Sort | Join }}", ORDER),
        "a b"
    );
    assert_eq!(
        render(
            "{{ body.note | Default: 'none' }}|{{ body.missing | Default: 0 }}",
            ORDER
        ),
        "none|0"
    );
    assert_eq!(
        render(
            "{{ 7 | Plus: 3 | Times: 2 | DividedBy: 3 | Modulo: 4 }}",
            ORDER
        ),
        "2"
    );
    assert_eq!(
        render(
            "{{ 10 | DividedBy: 4.0 }} {{ 2.456 | Round: 2 }} {{ -3 | Abs | AtLeast: 5 | AtMost: 4 }}",
            ORDER
        ),
        "2.5 2.46 4"
    );
    assert_eq!(
        render(
            "{{ 'a&lt;b' | Escape }} {{ 'x y/z' | UrlEncode }} {{ 'x+y%2Fz' | UrlDecode }}",
            ORDER
        ),
        "a&lt;b x+y%2Fz x y/z"
    );
    assert_eq!(
        render(
            "{{ 'hello world here' | TruncateWords: 2 }} {{ 'abcdefgh' | Truncate: 5 }} {{ 'abcdef' | Slice: -3, 2 }}",
            ORDER
        ),
        "hello world... ab... de"
    );
    assert_eq!(
        render(
            "{{ '2026-11-27T12:34:56Z' | Date: 'yyyyMMddTHH:mm:ssZ' }}",
            ORDER
        ),
        "20261127T12:34:56Z"
    );
    assert_eq!(render("{{ 1234.5 | Currency }}", ORDER), "$1,234.50");
    assert_eq!(
        render(
            "{{ body.active }} {{ body.customer }}",
            r#"{"active": false, "customer": {"a": 1}}"#
        ),
        "false {\"a\":1}"
    );
}

#[test]
fn tags_if_case_for_assign_capture() {
    let t = "{% if body.customer.tier == 'gold' and body.active %}G{% elsif body.customer.tier == 'silver' %}S{% else %}-{% endif %}\
             {% unless body.note != empty %}E{% endunless %}\
             {% case body.items.size %}{% when 1 %}one{% when 2, 3 %}few{% else %}many{% endcase %}";
    assert_eq!(render(t, ORDER), "GEfew");
    let t = "{% assign total = 0 %}{% for i in body.items %}{% assign line = i.qty | Times: i.price %}{% assign total = total | Plus: line %}{% endfor %}{{ total }}";
    assert_eq!(render(t, ORDER), "15.0");
    let t = "{% for i in (1..10) offset: 2 limit: 5 reversed %}{% if i == 4 %}{% continue %}{% endif %}{{ forloop.index }}:{{ i }}{% unless forloop.last %},{% endunless %}{% endfor %}";
    assert_eq!(render(t, ORDER), "1:7,2:6,3:5,5:3");
    let t = "{% for i in (1..5) %}{% if i > 2 %}{% break %}{% endif %}{{ i }}{% endfor %}{% for x in body.none %}x{% else %}empty{% endfor %}";
    assert_eq!(render(t, ORDER), "12empty");
    let t = "{% capture greeting %}Hi {{ body.customer.name | Split: ' ' | First }}{% endcapture %}{{ greeting | Append: '!' }}{% comment %}{{ hidden }}{% endcomment %}{% raw %}{{ raw }}{% endraw %}";
    assert_eq!(render(t, ORDER), "Hi ada!{{ raw }}");
    assert_eq!(render("{%- if true -%}  x  {%- endif -%}", ORDER), "x");
    assert_eq!(
        render(
            "{% if body.customer.tags contains 'b' and body.customer.name contains 'love' %}yes{% endif %}",
            ORDER
        ),
        "yes"
    );
}

#[test]
fn json_array_for_and_dates_as_azure_reads_them() {
    assert_eq!(
        render(
            "[{% JSONArrayFor i in body.items %}\"{{ i.sku }}\"{% endJSONArrayFor %}]",
            ORDER
        ),
        "[\"x-1\",\"y-2\"]"
    );
    // parse-date (default true): Json.NET reads ISO 8601 with a time, and /Date(ms)/, as dates.
    let dates = r#"{"at": "2012-03-21T05:40Z", "ms": "/Date(1198908717056)/", "day": "2012-03-21", "text": "2012-03-21Tea"}"#;
    assert_eq!(
        render(
            "{{ body.at }}|{{ body.ms }}|{{ body.day }}|{{ body.text }}|{{ body.at | Date: 'yyyy-MM-dd' }}",
            dates
        ),
        "03/21/2012 05:40:00|12/29/2007 06:11:57|2012-03-21|2012-03-21Tea|2012-03-21"
    );
    let xml = "<policies><inbound><set-body template=\"liquid\" parse-date=\"false\">{{ body.at }}</set-body><return-response><set-body>@(context.Request.Body.As&lt;string&gt;())</set-body></return-response></inbound></policies>";
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = false;
    config.products.clear();
    config.apis[0].policy = Some(parse_document("d.xml", xml).unwrap());
    let gw = TestGateway::with(config, ScriptedBackend::new(|_| Ok(Response::new(200))));
    let response = gw.call(
        Request::new("POST", "/test/x")
            .with_header("content-type", "application/json")
            .with_body(dates),
    );
    assert_eq!(response.text(), "2012-03-21T05:40Z");
}

#[test]
fn context_headers_url_parameters_and_variables() {
    let t = "{{ context.Request.Method }} {{ context.Request.Headers.X-Tenant }} {{ context.Request.Headers['x-tenant'] }} \
             {{ context.Request.Url.Path }} {{ context.Request.Url.Query.lang }} {{ context.Request.MatchedParameters.path }} \
             {{ context.Variables.greeting }} {{ context.Request.Url.Host }} [{{ context.Nope.Deeper }}]";
    let prelude = "<set-variable name=\"greeting\" value=\"hello\" />";
    let (status, text) = render_with(t, prelude, "application/json", "{}");
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        text,
        "POST acme acme /base/items/42 en,fr items/42 hello backend.test []"
    );
}

#[test]
fn xml_body_binds_by_local_name() {
    let soap = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soap:Body><GetQuoteResponse><Price currency="EUR">12.5</Price><Note xsi:nil="true"/><Line>a</Line><Line>b</Line></GetQuoteResponse></soap:Body></soap:Envelope>"#;
    let t = "{{ body.Envelope.Body.GetQuoteResponse.Price['#text'] }} {{ body.envelope.body.getQuoteResponse.Price.currency }} [{{ body.Envelope.Body.GetQuoteResponse.Note }}] {{ body.Envelope.Body.GetQuoteResponse.Line | Join: '+' }}";
    let (status, text) = render_with(t, "", "text/xml; charset=utf-8", soap);
    assert_eq!(status, 200, "{text}");
    assert_eq!(text, "12.5 EUR [] a+b");
    // Without an XML or JSON content type, `body` is nil (as in Azure).
    let (_, text) = render_with("[{{ body.Envelope }}]", "", "text/plain", soap);
    assert_eq!(text, "[]");
}

#[test]
fn markup_in_the_template_is_kept_as_written() {
    let t = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><Get><id>{{ body.id }}</id></Get></soap:Body></soap:Envelope>";
    assert_eq!(render(t, r#"{"id": 7}"#), t.replace("{{ body.id }}", "7"));
    assert_eq!(
        render("<![CDATA[{\"a\": \"{{ body.id }}<\"}]]>", r#"{"id": 7}"#),
        "{\"a\": \"7<\"}"
    );
}

#[test]
fn unknown_tags_and_filters_are_load_errors_with_line_and_column() {
    let e = load_error("\n  {{ body.x | Reverse }}");
    assert!(
        e.contains("line: 4")
            && e.contains("unknown liquid filter `Reverse`")
            && e.contains("(column 15)"),
        "{e}"
    );
    let e = load_error("{% include 'x' %}");
    assert!(
        e.contains("line: 3") && e.contains("unsupported liquid tag `include`"),
        "{e}"
    );
    assert!(load_error("{% if a %}").contains("endif"));
    let xml =
        "<policies><inbound><set-body template=\"mustache\">x</set-body></inbound></policies>";
    assert!(
        format!("{:?}", parse_document("t.xml", xml).unwrap_err())
            .contains("unknown set-body template")
    );
}

#[test]
fn runaway_templates_fail_with_a_500() {
    let t = "{% for a in (1..1000) %}{% for b in (1..1000) %}x{% endfor %}{% endfor %}";
    let (status, _) = render_with(t, "", "application/json", "{}");
    assert_eq!(status, 500);
}
