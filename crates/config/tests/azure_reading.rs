//! Documents as Azure writes them: raw expressions with exact positions, a BOM, declarations
//! and comments, fragments on their own.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use tollgate_config::load::{LoadError, PolicyFile, parse_document, parse_policy_file};
use tollgate_config::model::{Policy, Section};

const FILE: &str = "apis/weather.xml";

fn errors(xml: &str) -> Vec<LoadError> {
    match parse_document(FILE, xml) {
        Ok(document) => panic!("expected errors, got {document:#?}"),
        Err(errors) => errors,
    }
}

/// The one error's (line, column, message).
fn one_error(xml: &str) -> (u32, u32, String) {
    let errors = errors(xml);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = &errors[0];
    (error.line, error.column, error.message.clone())
}

/// 1-based line and column of the first `needle` in `text` (columns in characters).
fn position_of(text: &str, needle: &str) -> (u32, u32) {
    let at = text.find(needle).unwrap();
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    (line as u32, column as u32)
}

const RAW: &str = r#"<policies>
  <inbound>
    <choose>
      <when condition="@(context.Request.Headers.GetValueOrDefault("Authorization","") != "")">
        <set-variable name="n" value="@(context.Request.Body.As<JObject>(preserveContent: true)["name"])" />
      </when>
    </choose>
    <set-header name="X-Check" exists-action="override">
      <value>@(context.Variables.GetValueOrDefault<string>("token"))</value>
    </set-header>
    <set-body>@{ var a = 1; return a < 2 && a > 0 ? "yes" : "no"; }</set-body>
  </inbound>
</policies>
"#;

#[test]
fn raw_expressions_load_as_azure_reads_them() {
    let document = parse_document(FILE, RAW).unwrap();
    let inbound = document.inbound.unwrap();
    assert_eq!(inbound.len(), 3);
    assert!(matches!(inbound[0].policy, Policy::Choose(_)));
    assert_eq!(inbound[2].line, 11);
}

#[test]
fn entity_escaped_expressions_still_load() {
    let escaped = RAW
        .replace(
            r#""@(context.Request.Headers.GetValueOrDefault("Authorization","") != "")""#,
            r#""@(context.Request.Headers.GetValueOrDefault(&quot;Authorization&quot;,&quot;&quot;) != &quot;&quot;)""#,
        )
        .replace("a < 2 &&", "a &lt; 2 &amp;&amp;");
    assert_ne!(escaped, RAW);
    assert_eq!(
        parse_document(FILE, &escaped).unwrap(),
        parse_document(FILE, RAW).unwrap()
    );
}

#[test]
fn an_error_after_a_raw_quote_expression_keeps_its_line_and_column() {
    // An unknown attribute after the expression, on the same line: its column is where it
    // is written, not where the escaped text put it.
    let xml = RAW.replace(r#"!= "")">"#, r#"!= "")" colour="red">"#);
    let (line, column, message) = one_error(&xml);
    assert_eq!((line, column), position_of(&xml, "colour"));
    assert!(
        message.contains("unknown attribute `colour` on <when>"),
        "{message}"
    );

    // An XML syntax error after the expressions.
    let xml = RAW.replace("</set-header>", "</set-headr>");
    let (line, column, message) = one_error(&xml);
    assert_eq!((line, column), position_of(&xml, "</set-headr>"));
    assert!(message.starts_with("XML syntax error"), "{message}");

    // A mistake inside a raw expression: located at the name, after the raw quotes.
    let xml = RAW.replace(
        "GetValueOrDefault<string>(\"token\")",
        "GetValueOrDefault<string>(\"token\").Nope()",
    );
    let (line, column, message) = one_error(&xml);
    assert_eq!((line, column), position_of(&xml, "Nope"));
    assert!(message.contains("Nope"), "{message}");
}

#[test]
fn single_quoted_attributes_may_hold_expressions_with_char_literals() {
    let xml = "<policies>\n  <inbound>\n    <set-variable name='c' value='@(\"a'b\".Contains('\\'') ? \"<\" : \">\")' />\n  </inbound>\n</policies>\n";
    parse_document(FILE, xml).unwrap();
}

#[test]
fn an_unterminated_expression_is_an_error_at_its_start() {
    let xml = "<policies>\n  <inbound>\n    <set-variable name=\"a\" value=\"@(context.Variables[\"x\"\" />\n  </inbound>\n</policies>\n";
    let (line, column, message) = one_error(xml);
    assert_eq!((line, column), position_of(xml, "@("));
    assert!(message.contains("unterminated expression"), "{message}");
}

#[test]
fn a_bom_a_declaration_and_comments_before_the_root_are_accepted() {
    let body = "<policies>\n  <inbound>\n    <base />\n  </inbound>\n</policies>\n";
    for prefix in [
        "\u{feff}",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n",
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- Azure export -->\n",
        "<!-- a comment first -->\n<?xml version=\"1.0\"?>\n",
        "\n  <?xml version=\"1.0\"?>\n",
    ] {
        let document = format!("{prefix}{body}");
        parse_document(FILE, &document).unwrap_or_else(|e| panic!("{prefix:?}: {e:?}"));
    }
    // With a BOM, columns on line 1 are those an editor shows.
    let (line, column, _) = one_error("\u{feff}<policies colour=\"red\"/>");
    assert_eq!((line, column), (1, 11));
}

#[test]
fn a_fragment_is_checked_on_its_own() {
    let fragment = "<!-- shared -->\n<fragment>\n  <set-header name=\"X-A\" exists-action=\"override\">\n    <value>@(context.Request.Headers.GetValueOrDefault(\"a\",\"\"))</value>\n  </set-header>\n</fragment>\n";
    let (file, named) = parse_policy_file("fragments/x.xml", fragment).unwrap();
    assert!(named.is_empty());
    let PolicyFile::Fragment(sections) = file else {
        panic!("expected a fragment, got {file:?}");
    };
    assert!(sections.contains(&Section::Inbound), "{sections:?}");

    // Policies no single section allows: the errors of the section that fits best.
    let mixed = "<fragment>\n  <forward-request />\n  <rate-limit calls=\"1\" renewal-period=\"1\" />\n</fragment>\n";
    let errors = parse_policy_file("fragments/x.xml", mixed).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].message.contains("is not allowed in"),
        "{errors:#?}"
    );

    // A document still reads as a document.
    let document = "<policies><inbound><base/></inbound></policies>";
    let (file, _) = parse_policy_file(FILE, document).unwrap();
    assert!(matches!(file, PolicyFile::Document(_)));
}

#[test]
fn windows_line_ends_keep_columns_inside_expressions() {
    let xml = "<policies>\r\n  <inbound>\r\n    <set-body>@{\r\n      var a = 1;\r\n      return a.Nope();\r\n    }</set-body>\r\n  </inbound>\r\n</policies>\r\n";
    let (line, column, message) = one_error(xml);
    assert_eq!((line, column), (5, 16), "{message}");
    let xml = xml
        .replace("<set-body>@{", "<set-variable name=\"x\" value=\"@{")
        .replace("}</set-body>", "}\" />");
    let (line, column, message) = one_error(&xml);
    assert_eq!((line, column), (5, 16), "{message}");
}
