//! The C# syntax and .NET types of policy expressions beyond the basics (loops, `using`,
//! initialisers, full type names, `Regex`, `Uri`, `WebUtility`, `StringBuilder`, `Random`,
//! collections), each evaluated through `Gateway::handle` as a `set-body` expression.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};
use tollgate_config::load::parse_document;

fn gateway() -> TestGateway {
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = false;
    config.products.clear();
    TestGateway::with(config, ScriptedBackend::new(|_| Ok(Response::new(200))))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Evaluates `value` (an `@(..)` or `@{..}` expression) for `POST /test/items/42?q=a%20b`
/// with body `body`; returns the status and the body.
fn run_with(value: &str, body: &str) -> (u16, String) {
    let xml = format!(
        "<policies><inbound><return-response><set-body>{}</set-body></return-response></inbound></policies>",
        escape(value)
    );
    let document =
        parse_document("test.xml", &xml).unwrap_or_else(|e| panic!("{value} does not load: {e:?}"));
    let mut gw = gateway();
    gw.gateway = tollgate::Gateway::new({
        let mut config = gw.gateway.config().clone();
        config.apis[0].policy = Some(document);
        config
    });
    let response = gw.call(
        Request::new("POST", "/test/items/42?q=a%20b")
            .with_header("X-Id", "abc-123")
            .with_body(body),
    );
    (
        response.status,
        String::from_utf8_lossy(&response.body).into_owned(),
    )
}

fn eval(value: &str) -> String {
    let (status, body) = run_with(value, "{\"a\": 1}");
    assert_eq!(status, 200, "{value}: {body}");
    body
}

fn fails(value: &str) {
    let (status, body) = run_with(value, "");
    assert_eq!(status, 500, "{value} should fail: {body}");
}

#[test]
fn loops_run_under_the_step_budget() {
    assert_eq!(
        eval(
            r#"@{ var s = ""; foreach (var x in new[] { "a", "b", "c" }) { if (x == "b") { continue; } s += x; } return s; }"#
        ),
        "ac"
    );
    assert_eq!(
        eval(
            "@{ var n = 0; for (int i = 0; i < 10; i++) { if (i == 5) break; n += i; } return n; }"
        ),
        "10"
    );
    assert_eq!(
        eval(
            "@{ var n = 1; while (n < 100) { n *= 1; n = n * 3; } return n; }"
                .replace("n *= 1; ", "")
                .as_str()
        ),
        "243"
    );
    assert_eq!(
        eval(
            r#"@{ foreach (var h in context.Request.Headers) { if (h.Key == "X-Id") { return h.Value[0]; } } return "none"; }"#
        ),
        "abc-123"
    );
    // An endless loop stops at the step budget.
    fails("@{ var n = 0; while (true) { n++; } return n; }");
    fails("@{ for (;;) { } return 1; }");
    // A scan per call is charged: filling a set in a loop cannot go quadratic unbounded.
    fails(
        "@{ var s = new HashSet<int>(); for (int i = 0; i < 90000; i++) { s.Add(i); } return s.Count; }",
    );
    assert_eq!(
        eval(
            "@{ var s = new HashSet<int>(new[] { 1, 1, 2 }); for (int i = 0; i < 500; i++) { s.Add(i); } return s.Count; }"
        ),
        "500"
    );
    fails("@(Math.Clamp(1.5, 2.0, 1.0))");
    fails("@(Enumerable.Range(long.MaxValue, 2).Count())");
}

#[test]
fn using_null_operators_casts_and_patterns() {
    assert_eq!(
        eval(
            r#"@{ using (var sb = new StringBuilder()) { sb.Append("a"); return sb.ToString(); } }"#
        ),
        "a"
    );
    assert_eq!(
        eval(
            r#"@{ using var sb = new System.Text.StringBuilder("x"); return sb.Append(1).ToString(); }"#
        ),
        "x1"
    );
    assert_eq!(
        eval(
            r#"@{ string s = null; s ??= "d"; return s + (context.Variables.GetValueOrDefault<string>("no")?.Length ?? -1); }"#
        ),
        "d-1"
    );
    assert_eq!(
        eval(
            r#"@{ object o = context.Request.Body.As<JObject>(); if (o is JObject j) { return (string)j["a"]; } return "no"; }"#
        ),
        "1"
    );
}

#[test]
fn switch_statements() {
    let program = r#"@{ var s = ""; foreach (var m in new[] { "GET", "HEAD", "POST", "PUT" }) { switch (m) { case "GET": case "HEAD": s += "r"; break; case "POST": if (s.Length > 1) { s += "w"; break; } s += "x"; break; default: s += "?"; break; } } return s; }"#;
    assert_eq!(eval(program), "rrw?");
    assert_eq!(
        eval(
            r#"@{ switch (context.Request.Method) { case "POST": return "post"; default: return "other"; } }"#
        ),
        "post"
    );
}

#[test]
fn try_catch_finally_and_throw() {
    assert_eq!(
        eval(
            r#"@{ try { return JObject.Parse("not json").ToString(); } catch (Newtonsoft.Json.JsonReaderException ex) { return "bad: " + (ex.Message.Length > 0); } }"#
        ),
        "bad: True"
    );
    assert_eq!(
        eval(
            r#"@{ var log = ""; try { log += "a"; throw new Exception("boom"); } catch (Exception e) { log += e.Message; } finally { log += "!"; } return log; }"#
        ),
        "aboom!"
    );
    assert_eq!(
        eval(r#"@{ var n = 0; try { n = int.Parse("7"); } catch { n = -1; } return n; }"#),
        "7"
    );
    // An uncaught or rethrown exception is an evaluation failure.
    fails(r#"@{ throw new Exception("no"); }"#);
    fails(r#"@{ try { throw new Exception("no"); } catch { throw; } }"#);
    // Running out of steps cannot be caught.
    fails("@{ try { while (true) { } } catch { } return 1; }");
}

#[test]
fn arrays_and_initialisers() {
    assert_eq!(
        eval(r#"@(string.Join("|", new string[] { "a", "b" }))"#),
        "a|b"
    );
    assert_eq!(eval("@(new int[3].Length)"), "3");
    assert_eq!(
        eval(
            r#"@(new JObject { ["a"] = 1, ["b"] = new JArray { "x", 2 } }.ToString(Formatting.None))"#
        ),
        r#"{"a":1,"b":["x",2]}"#
    );
    assert_eq!(
        eval(
            r#"@(new Newtonsoft.Json.Linq.JObject(new JProperty("id", 7), new JProperty("ok", true)).ToString(Formatting.None))"#
        ),
        r#"{"id":7,"ok":true}"#
    );
    assert_eq!(
        eval(r#"@(JsonConvert.SerializeObject(new { count = 2, name = "n" }))"#),
        r#"{"count":2,"name":"n"}"#
    );
    assert_eq!(
        eval(
            r#"@{ var id = 7; return JObject.FromObject(new { id, context.Request.Method }).ToString(Formatting.None); }"#
        ),
        r#"{"Method":"POST","id":7}"#
    );
    assert_eq!(
        eval(
            r#"@{ var l = new List<string> { "a" }; l.Add("b"); l.Insert(0, "z"); l.Remove("a"); return string.Join(",", l) + l.Count; }"#
        ),
        "z,b2"
    );
    assert_eq!(
        eval(
            r#"@{ var d = new Dictionary<string, string> { { "a", "1" }, ["b"] = "2" }; d["c"] = "3"; d.Remove("a"); string v; return d.TryGetValue("c", out v) + v + d.ContainsKey("a") + d.Count + string.Join("", d.Keys); }"#
        ),
        "True3False2bc"
    );
    assert_eq!(
        eval(
            r#"@{ var s = new HashSet<string>(); s.Add("a"); s.Add("a"); return s.Count + "" + s.Contains("a"); }"#
        ),
        "1True"
    );
    assert_eq!(
        eval(
            r#"@{ var t = Tuple.Create("a", 2); var kv = new KeyValuePair<string, int>("k", 1); return t.Item1 + t.Item2 + kv.Key + kv.Value; }"#
        ),
        "a2k1"
    );
}

#[test]
fn regex_statics_instances_and_groups() {
    assert_eq!(
        eval(r#"@(Regex.IsMatch("abc123", @"^[a-z]+\d+$"))"#),
        "True"
    );
    assert_eq!(
        eval(
            r#"@(Regex.IsMatch("ABC", "^abc$", RegexOptions.IgnoreCase | RegexOptions.Compiled))"#
        ),
        "True"
    );
    assert_eq!(
        eval(
            r#"@{ var m = Regex.Match("date: 2026-11-27", @"(?<y>\d{4})-(?'m'\d\d)-(\d\d)"); return m.Success + m.Groups["y"].Value + m.Groups["m"].Value + m.Groups[1].Value + m.Index + m.Length; }"#
        ),
        // .NET numbers the unnamed group first: Groups[1] is the day.
        "True202611276 10".replace(' ', "").as_str()
    );
    assert_eq!(
        eval(
            r#"@{ var r = new System.Text.RegularExpressions.Regex(@"\d+"); var s = ""; foreach (Match m in r.Matches("a1b22c333")) { s += m.Value + ";"; } return s + r.Matches("x9").Count; }"#
        ),
        "1;22;333;1"
    );
    assert_eq!(
        eval(
            r#"@{ var m = Regex.Match("a1b2", @"\d"); return m.Value + m.NextMatch().Value + m.NextMatch().NextMatch().Success; }"#
        ),
        "12False"
    );
    assert_eq!(
        eval(r#"@(Regex.Replace("2026-11-27", @"(\d+)-(\d+)-(?<d>\d+)", "${d}/$2/$1 $$"))"#),
        "27/11/2026 $"
    );
    assert_eq!(
        eval(r#"@(Regex.Replace("a b c", @"\w", m => m.Value.ToUpper()))"#),
        "A B C"
    );
    assert_eq!(
        eval(r#"@(string.Join("|", Regex.Split("a1b2c", @"\d")))"#),
        "a|b|c"
    );
    assert_eq!(eval(r#"@(Regex.Escape("a.b*c"))"#), r"a\.b\*c");
    assert_eq!(eval(r#"@(Regex.Unescape(@"a\tb"))"#), "a\tb");
    assert_eq!(
        eval(r#"@(Regex.Matches("one two", @"\w+").Select(m => m.Value.Length).Sum())"#),
        "6"
    );
    assert_eq!(
        eval(
            "@(Regex.IsMatch(\"a\\nb\", \"^b$\", RegexOptions.Multiline) && Regex.IsMatch(\"a\\nb\", \"a.b\", RegexOptions.Singleline) && !Regex.IsMatch(\"a\\nb\", \"a.b\"))"
        ),
        "True"
    );
    // A pattern built at run time is translated per request.
    assert_eq!(
        eval(
            r#"@{ var p = "(?<k>" + "[a-z]+)"; return Regex.Match("42abc", p).Groups["k"].Value; }"#
        ),
        "abc"
    );
    // ... and a bad one is an evaluation failure, not a panic.
    fails(r#"@{ var p = "(a)" + "\\1"; return Regex.IsMatch("aa", p); }"#);
}

#[test]
fn regex_matching_is_linear_in_the_input() {
    // `(a+)+$` backtracks exponentially in .NET on "aaaa…!"; here it is one linear scan.
    let started = Instant::now();
    let input = format!("{}!", "a".repeat(20_000));
    let (status, body) = run_with(
        r#"@(Regex.IsMatch(context.Request.Body.As<string>(), "(a+)+$"))"#,
        &input,
    );
    assert_eq!((status, body.as_str()), (200, "False"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn uri_and_web_utility() {
    assert_eq!(
        eval(
            r#"@{ var u = new Uri("HTTPS://Api.Example.com:8443/a/b.json?x=1#top"); return u.Scheme + "|" + u.Host + "|" + u.Port + "|" + u.AbsolutePath + "|" + u.Query + "|" + u.Fragment + "|" + u.PathAndQuery + "|" + string.Join(",", u.Segments); }"#
        ),
        "https|api.example.com|8443|/a/b.json|?x=1|#top|/a/b.json?x=1|/,a/,b.json"
    );
    assert_eq!(
        eval(
            r#"@(new Uri("http://h.test/p?q").GetLeftPart(UriPartial.Path) + " " + new Uri("http://h.test:80/").AbsoluteUri)"#
        ),
        "http://h.test/p http://h.test/"
    );
    assert_eq!(
        eval(
            r#"@{ Uri u; return Uri.TryCreate("not a uri", UriKind.Absolute, out u) + "" + (u == null) + Uri.TryCreate("http://x/", UriKind.Absolute, out u) + u.Host; }"#
        ),
        "FalseTrueTruex"
    );
    assert_eq!(
        eval(r#"@(new Uri(new Uri("http://h/a/b"), "c?d").AbsoluteUri)"#),
        "http://h/a/c?d"
    );
    assert_eq!(
        eval(
            r#"@(System.Net.WebUtility.UrlEncode("a b&c/é") + " " + WebUtility.UrlDecode("a+b%26c"))"#
        ),
        "a+b%26c%2F%C3%A9 a b&c"
    );
    assert_eq!(
        eval(
            r#"@(WebUtility.HtmlEncode("<a href='x'>&</a>") + WebUtility.HtmlDecode("&lt;&#65;&#x42;&amp;"))"#
        ),
        "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;<AB&"
    );
    assert_eq!(eval(r#"@(Uri.EscapeDataString("a b/c"))"#), "a%20b%2Fc");
    fails(r#"@(new Uri("relative/path").Host)"#);
}

#[test]
fn string_builder_random_and_statics() {
    assert_eq!(
        eval(
            r#"@{ var sb = new StringBuilder(); sb.Append("a").Append(1); sb.AppendFormat("-{0:D2}", 7); sb.Insert(0, "<"); sb.Replace("a", "A"); sb.AppendLine(); return sb.ToString() + sb.Length; }"#
        ),
        "<A1-07\r\n8"
    );
    // Objects are references: appending a builder to itself, or adding a set to itself, is
    // well defined (no re-entrant borrow, no endless comparison).
    assert_eq!(
        eval(
            r#"@{ var sb = new StringBuilder("ab"); sb.Append(sb).Insert(0, sb); var s = new HashSet<object>(); s.Add(s); return sb.ToString() + s.Contains(s) + s.Add(s) + (sb == sb) + (new StringBuilder() == new StringBuilder()); }"#
        ),
        "ababababTrueFalseTrueFalse"
    );
    assert_eq!(
        eval(
            "@{ var r = new Random(); var n = r.Next(5, 10); var d = r.NextDouble(); return n >= 5 && n < 10 && d >= 0 && d < 1 && r.Next(1) == 0; }"
        ),
        "True"
    );
    assert_eq!(
        eval(
            r#"@(char.IsDigit("a1"[1]) + "" + Char.IsLetter('x') + char.ToUpper('q') + char.ToLower('É') + char.IsUpper('Ж') + Math.Pow(2, 10) + Math.Sqrt(16) + Math.Sign(-3))"#
        ),
        "TrueTrueQéTrue10244-1"
    );
    assert_eq!(
        eval(
            r#"@(string.Concat(new[] { "a", "b" }) + string.Join("", Enumerable.Range(1, 3)) + string.Compare("a", "B", true))"#
        ),
        "ab123-1"
    );
    assert_eq!(eval(r#"@(int.Parse("42") + Convert.ToInt32("8"))"#), "50");
    // Azure's toolkit spreads calls over instances with a hash of the request id.
    assert_eq!(
        eval(r#"@((Math.Abs(context.RequestId.GetHashCode()) % 3 + 1) is int)"#),
        "True"
    );
    assert_eq!(
        eval(
            r#"@("a".GetHashCode() == "a".GetHashCode() && "a".GetHashCode() != "b".GetHashCode())"#
        ),
        "True"
    );
}

#[test]
fn matched_parameters_and_full_type_names() {
    assert_eq!(
        eval(r#"@(context.Request.MatchedParameters["path"])"#),
        "items/42"
    );
    assert_eq!(
        eval(
            r#"@(((Newtonsoft.Json.Linq.JObject)context.Request.Body.As<Newtonsoft.Json.Linq.JObject>())["a"].ToString())"#
        ),
        "1"
    );
    assert_eq!(
        eval(r#"@(System.Linq.Enumerable.Range(0, 2).Count() + System.String.Empty)"#),
        "2"
    );
    assert_eq!(
        eval(
            r#"@{ object l = new List<string> { "a" }; var m = (List<string>)l; return (m is List<string>) + "" + (l as Dictionary<string, int> == null) + m.Count; }"#
        ),
        "TrueTrue1"
    );
}
