//! The evaluator must never panic: random expressions built from the subset's grammar are
//! loaded and run through the gateway; each either evaluates or fails with
//! `ExpressionValueEvaluationFailure` (a 500 the caller sees), never a panic. Every other
//! round mutates an expression from the project's own policy files instead.
//! `FUZZ_RUNS` (scripts/fuzz.sh) or `FUZZ_ITERATIONS` sets the count.
#![allow(clippy::unwrap_used)]

mod support;

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};
use tollgate_config::load::parse_document;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const ATOMS: &[&str] = &[
    "1",
    "0",
    "-7",
    "2.5",
    "\"text\"",
    "\"a,b,,c\"",
    "\"\"",
    "null",
    "true",
    "'x'",
    "context.Request.Method",
    "context.Request.Url.Path",
    "context.Request.Headers",
    "context.Request.Body.As<string>(true)",
    "context.Request.Body.As<JObject>(true)",
    "context.Variables",
    "context.Response",
    "context.LastError",
    "context.Request.MatchedParameters",
    "DateTime.UtcNow",
    "TimeSpan.FromSeconds(90)",
    "JObject.Parse(\"{\\\"a\\\":[1,{\\\"b\\\":2}]}\")",
    "JArray.Parse(\"[1,2,3]\")",
    "new JObject()",
    "Encoding.UTF8.GetBytes(\"hi\")",
    "Guid.NewGuid()",
    "context.Subscription",
    "context.Api.Id",
    "int.MaxValue",
    "\"eyJhIjoxfQ.eyJiIjoyfQ.c\".AsJwt()",
    // cryptography and bytes
    "SHA256.Create().ComputeHash(Encoding.UTF8.GetBytes(\"a\"))",
    "new HMACSHA256(Encoding.UTF8.GetBytes(\"k\"))",
    "Aes.Create()",
    "Convert.FromHexString(\"000102030405060708090a0b0c0d0e0f\")",
    "Encoding.Unicode",
    "BitConverter.GetBytes(7)",
    "Regex.Match(\"a1b22\", @\"(?<d>\\d+)|(x)\")",
    "Regex.Matches(\"a1b22\", \"\\\\d\")",
    "new Regex(\"^A\", RegexOptions.IgnoreCase | RegexOptions.Multiline)",
    "new Uri(\"https://h.test:8443/a/b?c#d\")",
    "new StringBuilder(\"sb\")",
    "new List<string> { \"a\", null }",
    "new Dictionary<string, int> { [\"a\"] = 1 }",
    "new { a = 1, b = new[] { 2 } }",
    "new int[2]",
    "Tuple.Create(1, \"a\")",
    "new HashSet<string>(new[] { \"a\", \"a\" })",
    "new Random()",
];
const UNARY: &[&str] = &[
    "({})",
    "!({})",
    "-({})",
    "(string)({})",
    "(int)({})",
    "(bool)({})",
    "(double)({})",
    "(JObject)({})",
    "({}) as string",
    "({}) is int",
    "BitConverter.ToString({})",
    "Convert.ToHexString({})",
    "BitConverter.ToInt32({}, 1)",
    "Encoding.UTF32.GetString({})",
    "MD5.Create().ComputeHash({})",
];
const BINARY: &[&str] = &[
    "+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||", "??",
];
const POSTFIX: &[&str] = &[
    ".Length",
    ".Count",
    "[0]",
    "[\"a\"]",
    "?[1]",
    ".ToString()",
    ".Split(',')",
    ".Trim()",
    ".ToUpper()",
    ".Substring(1)",
    ".Substring(1, 30)",
    ".IndexOf(\"a\")",
    ".Replace(\"a\", \"bb\")",
    ".First()",
    ".Last()",
    ".FirstOrDefault()",
    ".Any()",
    ".Count()",
    ".Select(x => x + \"!\")",
    ".Where(x => x != null)",
    ".GetValueOrDefault(\"x\", \"d\")",
    ".ContainsKey(\"a\")",
    ".Value<int>(\"a\")",
    ".SelectToken(\"a[1].b\")",
    ".AddDays(1)",
    ".ToString(\"o\")",
    ".TotalSeconds",
    "?.Length",
    ".AsJwt()",
    ".AsBasic()",
    ".Property(\"a\")",
    ".PadLeft(5)",
    ".Contains(\"a\")",
    ".Year",
    ".StatusCode",
    ".Body",
    ".As<string>()",
    ".ComputeHash(Encoding.UTF8.GetBytes(\"x\"))",
    ".Encrypt(\"Aes\", Convert.FromHexString(\"000102030405060708090a0b0c0d0e0f\"), new byte[] { 1 })",
    ".Decrypt(Aes.Create())",
    ".Encrypt(Aes.Create())",
    ".Key",
    ".GetBytes(\"é\")",
    ".Groups[1]",
    ".Groups[\"d\"]",
    ".Success",
    ".Index",
    ".NextMatch()",
    ".Host",
    ".Segments",
    ".Append(1)",
    ".Item1",
    ".Next(3)",
    ".GetLeftPart(UriPartial.Path)",
    ".Cast<object>()",
    ".IsMatch(\"a\")",
];

fn expression(rng: &mut Rng, depth: usize) -> String {
    let mut e = if depth > 3 || rng.below(3) == 0 {
        rng.pick(ATOMS).to_string()
    } else if rng.below(2) == 0 {
        rng.pick(UNARY).replace("{}", &expression(rng, depth + 1))
    } else {
        format!(
            "({}) {} ({})",
            expression(rng, depth + 1),
            rng.pick(BINARY),
            expression(rng, depth + 1)
        )
    };
    for _ in 0..rng.below(3) {
        e = format!("({e}){}", rng.pick(POSTFIX));
    }
    if rng.below(6) == 0 {
        e = format!(
            "({}) ? ({e}) : ({})",
            expression(rng, depth + 1),
            expression(rng, depth + 1)
        );
    }
    e
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The `@(…)`/`@{…}` expressions of `policies/` and `tests/cases/`, entities decoded, each
/// cut at its closing bracket as far as a simple count finds it.
fn project_expressions() -> Vec<String> {
    fn collect(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                collect(&path, out);
            } else if path.extension().is_some_and(|e| e == "xml") {
                out.push(std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut documents = Vec::new();
    collect(&root.join("policies"), &mut documents);
    collect(&root.join("tests/cases"), &mut documents);
    documents.sort();
    let mut out = Vec::new();
    for document in documents {
        let text = document
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        for (at, _) in text.match_indices('@') {
            let rest = &text[at..];
            let (open, close) = match rest.as_bytes().get(1) {
                Some(b'(') => (b'(', b')'),
                Some(b'{') => (b'{', b'}'),
                _ => continue,
            };
            let mut depth = 0;
            let end = rest.bytes().enumerate().skip(1).find_map(|(i, byte)| {
                depth += i32::from(byte == open) - i32::from(byte == close);
                (depth == 0).then_some(i + 1)
            });
            if let Some(end) = end {
                out.push(rest[..end].to_string());
            }
        }
    }
    out
}

/// `text` with one to four bytes replaced, dropped or doubled (kept only if still UTF-8).
fn mutate(rng: &mut Rng, text: &str) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..=rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(3) {
            0 => {
                const BYTES: &[u8] = b"(){}[]\"'.,;:?!<>=+-*/01ax ";
                bytes[at] = BYTES[rng.below(BYTES.len())];
            }
            1 => {
                bytes.remove(at);
            }
            _ => bytes.insert(at, bytes[at]),
        }
    }
    String::from_utf8(bytes).ok()
}

#[test]
fn random_expressions_never_panic() {
    let env = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
    };
    let iterations = env("FUZZ_RUNS")
        .or_else(|| env("FUZZ_ITERATIONS"))
        .unwrap_or(3_000);
    let seeds = project_expressions();
    assert!(seeds.len() > 50, "{} seeds", seeds.len());
    let started = std::time::Instant::now();
    let mut rng = Rng(0x5EED_F00D);
    let mut config = support::load("tests/cases/_config");
    let (mut loaded, mut evaluated) = (0, 0);
    let backend = ScriptedBackend::new(|_| Ok(Response::new(200)));
    config.apis[0].subscription_required = false;
    config.products.clear();
    let mut gw = TestGateway::with(config, backend);
    for round in 0..iterations {
        if round > 0 && round % 100_000 == 0 {
            eprintln!(
                "fuzz evaluator: {round}/{iterations} runs ({evaluated} evaluated), {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
        let value = if round % 2 == 1 {
            let seed = &seeds[rng.below(seeds.len())];
            match mutate(&mut rng, seed) {
                Some(mutated) => mutated,
                None => continue,
            }
        } else {
            let expr = expression(&mut rng, 0);
            if rng.below(4) == 0 {
                format!("@{{ var v = {expr}; if (v == null) {{ return \"null\"; }} return v; }}")
            } else {
                format!("@({expr})")
            }
        };
        let xml = format!(
            "<policies><inbound><set-variable name=\"v\" value=\"{}\" /><return-response><set-body>@(context.Variables[\"v\"]?.ToString())</set-body></return-response></inbound></policies>",
            escape(&value)
        );
        let Ok(document) = parse_document("fuzz.xml", &xml) else {
            continue;
        };
        loaded += 1;
        gw.gateway = tollgate::Gateway::new({
            let mut config = gw.gateway.config().clone();
            config.apis[0].policy = Some(document);
            config
        });
        let response = gw.call(
            Request::new("POST", "/test/items/1?a=1")
                .with_header("X-A", "b")
                .with_body("{\"a\": 1}"),
        );
        assert!(
            response.status == 200 || response.status == 500,
            "{value}: {}",
            response.status
        );
        evaluated += 1;
    }
    eprintln!(
        "fuzz evaluator: {iterations} runs, {evaluated} evaluated ({loaded} passed the load checks; {} seeds from the project's policies), 0 panics, {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(evaluated > iterations / 4);
}

#[test]
fn the_deepest_accepted_expression_evaluates_without_overflowing_the_stack() {
    // Find the deepest nesting the loader accepts, then run it.
    let mut deepest = None;
    for depth in (1..200).rev() {
        let value = format!("@({}1{})", "(1 + ".repeat(depth), ")".repeat(depth));
        let xml = format!(
            "<policies><inbound><return-response><set-body>{}</set-body></return-response></inbound></policies>",
            escape(&value)
        );
        if let Ok(document) = parse_document("deep.xml", &xml) {
            deepest = Some((depth, document));
            break;
        }
    }
    let (depth, document) = deepest.unwrap();
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = false;
    config.products.clear();
    config.apis[0].policy = Some(document);
    let gw = TestGateway::with(config, ScriptedBackend::new(|_| Ok(Response::new(200))));
    let response = gw.call(Request::new("GET", "/test/items/1"));
    assert_eq!(response.text(), (depth + 1).to_string());
}
