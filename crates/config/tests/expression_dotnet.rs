//! The C# syntax and .NET types beyond the basics, at load time: loops, initialisers, full
//! type names, and regular expressions, whose literal patterns are translated and checked
//! here, with anything the linear-time engine cannot do refused at its column.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use tollgate_config::expr::{Call, Expr, Node, Stmt};
use tollgate_config::load::LoadError;

const FILE: &str = "apis/weather.xml";

/// The attribute value starts at column 35 of line 3.
const VALUE_COLUMN: u32 = 35;

fn document(attribute: &str) -> String {
    common::set_variable_document(attribute)
}

fn error(value: &str) -> LoadError {
    common::only_error(FILE, &document(value))
}

fn parsed(value: &str) -> Expr {
    common::set_variable_expression(FILE, &document(value))
}

#[test]
fn literal_patterns_are_translated_at_load_time() {
    let Expr::Value(Node::Call(call)) = parsed(
        "@(Regex.IsMatch(&quot;x&quot;, @&quot;(?'y'\\d{4})&quot;, RegexOptions.IgnoreCase | RegexOptions.Multiline))",
    ) else {
        panic!()
    };
    let Call { args, .. } = *call;
    // The options are folded into the pattern; the call keeps (input, pattern).
    assert_eq!(args.len(), 2);
    assert_eq!(args[1], Node::Regex(r"(?im)(?<y>\d{4})".into(), 3));
    // Full names are the short ones.
    let Expr::Value(Node::New(ty, args)) =
        parsed("@(new System.Text.RegularExpressions.Regex(&quot;a+&quot;))")
    else {
        panic!()
    };
    assert_eq!(
        (ty.as_str(), &args[..]),
        ("Regex", &[Node::Regex("a+".into(), 0)][..])
    );
    // Options known only at run time leave the pattern to be translated per request.
    let Expr::Block(stmts) = parsed(
        "@{ var o = RegexOptions.None; return Regex.IsMatch(&quot;x&quot;, &quot;x&quot;, o); }",
    ) else {
        panic!()
    };
    let Stmt::Return(Node::Call(call)) = &stmts[1] else {
        panic!()
    };
    assert_eq!(call.args[1], Node::Str("x".into()));
}

#[test]
fn what_the_regex_engine_cannot_do_is_a_located_load_error() {
    // (attribute value, the text the error must point at, message)
    for (value, at, message) in [
        (
            "@(Regex.IsMatch(&quot;aa&quot;, @&quot;(a)\\1&quot;))",
            "\\1",
            "backreferences (`\\1`, `\\k<name>`) are not supported by the gateway's linear-time regex engine",
        ),
        (
            "@(Regex.Match(&quot;ab&quot;, &quot;a\\\\d(?=b)&quot;))",
            "(?=",
            "lookahead",
        ),
        (
            "@(new Regex(&quot;(?&lt;=a)b&quot;))",
            "(?&lt;=",
            "lookbehind",
        ),
        (
            "@(Regex.IsMatch(&quot;a&quot;, &quot;(?&gt;a+)b&quot;))",
            "(?&gt;",
            "atomic group",
        ),
        (
            "@(Regex.IsMatch(&quot;a&quot;, @&quot;x\\p{Lu}&quot;))",
            "\\p",
            "Unicode categories",
        ),
        (
            "@(Regex.IsMatch(&quot;a&quot;, &quot;a)&quot;))",
            ")&quot;)",
            "too many )'s",
        ),
        (
            "@(Regex.IsMatch(&quot;a&quot;, &quot;a&quot;, RegexOptions.RightToLeft))",
            "a&quot;, RegexOptions",
            "RightToLeft",
        ),
        ("@{ break; }", "break", "`break` outside a loop"),
        (
            "@{ while (true) { switch (1) { case 1: continue; } } }",
            "continue",
            "`continue` inside `switch`",
        ),
        (
            "@{ switch (1) { case int n: return n; } }",
            "n:",
            "pattern `case` labels",
        ),
        (
            "@(System.Text.Frobnicator.Create())",
            "Frobnicator",
            "unknown name `Frobnicator`",
        ),
    ] {
        let error = error(value);
        let offset = value.rfind(at).unwrap() as u32;
        assert_eq!(error.line, 3, "{value}: {error}");
        assert_eq!(error.column, VALUE_COLUMN + offset, "{value}: {error}");
        assert!(error.message.contains(message), "{value}: {error}");
    }
}

#[test]
fn loops_using_and_initialisers_parse() {
    let Expr::Block(stmts) = parsed(
        "@{ var n = 0; foreach (var x in new[] { 1, 2 }) { n += x; } for (int i = 0; i &lt; 3; i++) { if (i == 1) continue; } while (n &gt; 100) { break; } using (var sb = new StringBuilder()) { } return n; }",
    ) else {
        panic!()
    };
    assert!(matches!(stmts[1], Stmt::Foreach(..)));
    assert!(matches!(&stmts[2], Stmt::Block(inner) if matches!(inner[1], Stmt::While(..))));
    assert!(matches!(stmts[3], Stmt::While(..)));
    assert!(matches!(stmts[4], Stmt::Block(..)));
    for ok in [
        "@(new JObject { [&quot;a&quot;] = 1, [&quot;b&quot;] = new JArray { 1, 2 } })",
        "@(new Dictionary&lt;string, string&gt; { { &quot;a&quot;, &quot;b&quot; } })",
        "@(new List&lt;string&gt;(new[] { &quot;a&quot; }))",
        "@(new { id = 1, name = &quot;x&quot; })",
        "@(new int[4])",
        "@((Newtonsoft.Json.Linq.JObject)null)",
        "@(System.Net.WebUtility.UrlEncode(&quot;a b&quot;))",
        "@{ System.Text.StringBuilder sb = new System.Text.StringBuilder(); using var r = new Random(); return sb.Length; }",
        "@{ string s = null; s ??= &quot;x&quot;; return s; }",
        "@(context.Variables.GetValueOrDefault&lt;string&gt;(&quot;a&quot;) is string s ? s : &quot;&quot;)",
    ] {
        parsed(ok);
    }
}
