//! Expressions are parsed and checked at load time: a syntax error, an unsupported construct
//! or a member the `context` cannot have is a load error with its file, line and column.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use tollgate_config::expr::{BinOp, Expr, Node, Stmt};
use tollgate_config::load::{LoadError, parse_document};

const FILE: &str = "apis/weather.xml";

fn document(attribute: &str) -> String {
    common::set_variable_document(attribute)
}

fn error(value: &str) -> LoadError {
    common::only_error(FILE, &document(value))
}

fn parsed(value: &str) -> Expr {
    common::set_variable_expression(FILE, &document(value))
}

/// The attribute value starts at column 35 of line 3.
const VALUE_COLUMN: u32 = 35;

#[test]
fn errors_are_located_at_the_offending_token() {
    for (value, offset, message) in [
        ("@(1 +)", 5, "expected a value, found `)`"),
        (
            "@(context.Reqest.Method)",
            10,
            "`context` has no member `Reqest`",
        ),
        (
            "@(context.Request.Headers.Foo(1))",
            26,
            "has no method `Foo`",
        ),
        (
            "@(context.Request.Url.Fragment)",
            22,
            "a URL (`Url`) has no member `Fragment`",
        ),
        ("@(nope + 1)", 2, "unknown name `nope`"),
        (
            "@(&quot;a&quot;.Frobnicate())",
            16,
            "unsupported method `Frobnicate`",
        ),
        (
            "@(DateTime.Yesterday)",
            11,
            "unsupported member `DateTime.Yesterday`",
        ),
        (
            "@{ do { } while (true); return 1; }",
            3,
            "unsupported expression construct: `do` loops",
        ),
        (
            "@(new WebClient(&quot;a&quot;))",
            2,
            "unsupported expression construct",
        ),
        (
            "@(1 ^ 2)",
            4,
            "unsupported expression construct: bitwise `^`",
        ),
        ("@(1) x", 5, "unexpected `x` after the expression"),
        (
            "@(context.Request.Certificate)",
            18,
            "unsupported member `Certificate` of `context.Request`",
        ),
        (
            "@(context.Request.Body.As&lt;XmlDocument&gt;())",
            23,
            "unsupported: As<XmlDocument>()",
        ),
        ("@(&quot;abc)", 2, "unclosed string literal"),
        ("@{ var a = 1; }", 15, ""),
    ] {
        if message.is_empty() {
            parsed(value);
            continue;
        }
        let error = error(value);
        assert_eq!(error.line, 3, "{value}: {error}");
        assert_eq!(error.column, VALUE_COLUMN + offset, "{value}: {error}");
        assert!(error.message.contains(message), "{value}: {error}");
        assert!(
            error
                .message
                .ends_with(&format!("(column {})", error.column)),
            "{error}"
        );
    }
}

#[test]
fn expressions_parse_into_trees() {
    assert_eq!(
        parsed("@(1 + 2 * 3)"),
        Expr::Value(Node::Binary(
            BinOp::Add,
            Box::new(Node::Int(1)),
            Box::new(Node::Binary(
                BinOp::Mul,
                Box::new(Node::Int(2)),
                Box::new(Node::Int(3))
            ))
        ))
    );
    let Expr::Block(stmts) = parsed("@{ var x = 1; if (x &gt; 0) { return x; } else return 0; }")
    else {
        panic!()
    };
    assert!(matches!(stmts[0], Stmt::Var(..)));
    assert!(matches!(stmts[1], Stmt::If(..)));
    for ok in [
        "@(context.Request.Headers.GetValueOrDefault(&quot;a&quot;, &quot;&quot;).Split(',').Last())",
        "@(context.Variables.GetValueOrDefault&lt;int&gt;(&quot;n&quot;, 0) + 1)",
        "@((string)context.Request.Body.As&lt;JObject&gt;(preserveContent: true)[&quot;a&quot;])",
        "@($&quot;{context.Request.Method} {context.Request.Url.Path:x}&quot;)",
        "@(context.Request.Headers.Where(h =&gt; h.Key.StartsWith(&quot;X&quot;)).Count())",
        "@(DateTime.UtcNow.AddMinutes(5).ToString(&quot;o&quot;))",
        "@(new JObject(new JProperty(&quot;a&quot;, 1)).ToString())",
        "@{ int n; return int.TryParse(&quot;5&quot;, out n) ? n : 0; }",
        "@(context.Response?.StatusCode ?? 0)",
        "@(&quot;{{my_value}}&quot; + {{other}})",
        "@(context.LastError.Reason == &quot;x&quot; &amp;&amp; !false || true)",
        "@(x =&gt; x)",
    ] {
        // `int n;` without a value and a bare lambda are not in the subset: errors, not panics.
        let _ = parse_document(FILE, &document(ok));
    }
}
