//! The pre-scanner on its own: what it escapes, what it leaves, where errors are.
#![allow(clippy::unwrap_used)] // a test may panic

use super::*;

/// The value of the first attribute of the first element inside `<a>`, as the XML parser
/// reads the pre-scanned text.
fn attribute(xml: &str) -> String {
    let scanned = prescan(xml).unwrap();
    let document = roxmltree::Document::parse(&scanned.text).unwrap();
    let element = document.root_element().first_element_child().unwrap();
    element.attributes().next().unwrap().value().to_string()
}

/// The text of the root element, as the XML parser reads the pre-scanned text.
fn text(xml: &str) -> String {
    let scanned = prescan(xml).unwrap();
    let document = roxmltree::Document::parse(&scanned.text).unwrap();
    document.root_element().text().unwrap_or("").to_string()
}

#[test]
fn raw_quotes_and_angle_brackets_in_attributes_read_as_written() {
    for expression in [
        r#"@(context.Request.Headers.GetValueOrDefault("Authorization","") != "")"#,
        r#"@(context.Request.Body.As<JObject>(preserveContent: true)["name"])"#,
        r#"@(context.Variables.GetValueOrDefault<string>("token"))"#,
        r#"@(1 < 2 && 3 > 2)"#,
        r#"@(")" + "(")"#,
        r#"@(@"a "")"" b")"#,
        r#"@($"https://{context.Variables["host"]}/{(true ? "(" : ")")}")"#,
        r#"@($@"a""{"}"}""")"#,
        r#"@(')' == '\'' || '"' == 'x')"#,
        r#"@(/* ) " */ "x")"#,
    ] {
        let xml = format!("<a><b v=\"{expression}\" other=\"1\"/></a>");
        assert_eq!(attribute(&xml), expression, "{xml}");
    }
}

#[test]
fn single_quoted_attributes_escape_their_own_quote() {
    let expression =
        r#"@(context.Variables.GetValueOrDefault<string>("x", "y") == 'c'.ToString())"#;
    let xml = format!("<a><b v='{expression}'/></a>");
    assert_eq!(attribute(&xml), expression);
}

#[test]
fn newlines_in_attribute_expressions_survive_so_line_comments_end() {
    let expression = "@{\n  var a = 1; // a ) comment\n  return a;\n}";
    let xml = format!("<a><b v=\"{expression}\"/></a>");
    assert_eq!(attribute(&xml), expression);
}

#[test]
fn expressions_in_text_read_as_written() {
    let body = r#"@{ var a = 1; return a < 2 && a > 0 ? "yes" : "<no>"; }"#;
    assert_eq!(
        text(&format!("<a>\n  {body}\n</a>")),
        format!("\n  {body}\n")
    );
}

#[test]
fn entity_escaped_expressions_are_left_alone() {
    for xml in [
        "<a><b v=\"@(context.Variables[&quot;a)&quot;] &amp;&amp; 1 &lt; 2)\"/></a>",
        "<a>@(&quot;)&quot; + \"x\")</a>",
        "<a><b v='@(&apos;)&apos;)'/></a>",
    ] {
        let scanned = prescan(xml).unwrap();
        assert_eq!(scanned.text, xml);
        roxmltree::Document::parse(&scanned.text).unwrap();
    }
    // Mixed: raw quotes around an entity-escaped one.
    assert_eq!(
        attribute("<a><b v=\"@(&quot;a&quot; + \"b\")\"/></a>"),
        "@(\"a\" + \"b\")"
    );
}

#[test]
fn text_that_is_not_an_expression_is_not_touched() {
    for xml in [
        "<a><b v=\"plain (text\"/>email@(x</a>",
        "<a><!-- @( \" --><b v=\"{{x}}\"/></a>",
        "<a><![CDATA[@( \" < ]]></a>",
    ] {
        assert_eq!(prescan(xml).unwrap().text, xml);
    }
}

#[test]
fn unterminated_and_unbalanced_expressions_are_errors_at_their_place() {
    // A string that never closes on the expression's line: the string is the mistake.
    let xml = "<a>\n  @(foo(&quot;x))\n</a>";
    let error = prescan(xml).unwrap_err();
    assert_eq!(error.offset, xml.find('&').unwrap());
    assert!(
        error.message.contains("unclosed string literal"),
        "{error:?}"
    );

    // An attribute written entity-escaped is already XML: it is left for the expression
    // parser, which names the mistake.
    let xml = "<a><b v='@(foo(&quot;x))'/></a>";
    assert_eq!(prescan(xml).unwrap().text, xml);

    // Otherwise the expression, at its start.
    let xml = "<a>\n  @(foo(1 + 2)\n</a>";
    let error = prescan(xml).unwrap_err();
    assert_eq!(error.offset, xml.find('@').unwrap());
    assert!(
        error.message.contains("unterminated expression"),
        "{error:?}"
    );
    let xml = "<a>@{\n  var a = \"x;\n}</a>";
    let error = prescan(xml).unwrap_err();
    assert_eq!(error.offset, 3);
    assert!(
        error.message.contains("unterminated expression"),
        "{error:?}"
    );

    let xml = "<a><b v=\"@(a[1)\"/></a>";
    let error = prescan(xml).unwrap_err();
    assert_eq!(error.offset, xml.find(')').unwrap());
    assert!(error.message.contains("found `)` where `]`"), "{error:?}");

    let error = prescan("<a>@{ /* never closed </a>").unwrap_err();
    assert_eq!(error.offset, 6);
    assert!(error.message.contains("unclosed comment `/*`"), "{error:?}");
}

#[test]
fn the_offset_map_leads_back_to_the_original() {
    let xml = "<a><b v=\"@(\"x\" + \"y\")\" w=\"1\"/></a>";
    let scanned = prescan(xml).unwrap();
    let rewritten = &scanned.text;
    // `w` moved right by the escapes; the map puts it back.
    let w = rewritten.find(" w=").unwrap();
    assert_ne!(w, xml.find(" w=").unwrap());
    assert_eq!(scanned.map.original(w), xml.find(" w=").unwrap());
    // Inside an escape: the quote it stands for.
    let escape = rewritten.find("&quot;").unwrap();
    assert_eq!(scanned.map.original(escape + 3), xml.find("\"x").unwrap());
    assert_eq!(scanned.map.original(0), 0);
}

#[test]
fn a_bom_and_a_late_declaration_are_accepted() {
    let xml = "\u{feff}<!-- before -->\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<a/>";
    let scanned = prescan(xml).unwrap();
    let document = roxmltree::Document::parse(&scanned.text).unwrap();
    let root = document.root_element().range().start;
    assert_eq!(scanned.map.original(root), xml.find("<a/>").unwrap());
    // A declaration first (after the BOM) stays.
    let xml = "\u{feff}<?xml version=\"1.0\"?><a/>";
    assert_eq!(prescan(xml).unwrap().text, "<?xml version=\"1.0\"?><a/>");
}

#[test]
fn named_values_are_found_where_azure_substitutes_them() {
    let xml = "<a><!-- {{InComment}} --><b v=\"{{Attr-1}}/x\" w='@(\"{{In.String}}\")'>\
               {{ Text_2 }}</b><c>{{not a name}}{{}}</c>\
               <set-body template=\"liquid\">{{body.name}}<d>{{body.x}}</d></set-body>\
               <set-body>{{After}}</set-body></a>";
    let scanned = prescan(xml).unwrap();
    let names: Vec<(&str, usize)> = scanned
        .named
        .iter()
        .map(|n| (n.name.as_str(), n.offset))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Attr-1", xml.find("{{Attr").unwrap()),
            ("In.String", xml.find("{{In.").unwrap()),
            ("Text_2", xml.find("{{ Text").unwrap()),
            ("After", xml.find("{{After").unwrap()),
        ]
    );
}
