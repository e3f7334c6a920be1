//! The expression parser must never panic (nor recurse without bound), whatever the input.
//!
//! A small deterministic fuzzer that runs in `cargo test`: random token soups built from the
//! subset's vocabulary, random bytes, and byte mutations of valid expressions (the ones below
//! and every `@(…)`/`@{…}` in the project's own policy files). It counts its executions;
//! `FUZZ_RUNS` (executions, scripts/fuzz.sh) or `FUZZ_ITERATIONS` (rounds of three) raise it.

use super::parse_expression;

/// xorshift64*: deterministic, no dependency.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const VOCABULARY: &[&str] = &[
    "context",
    ".",
    "Request",
    "Response",
    "Headers",
    "GetValueOrDefault",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"a\"",
    "'c'",
    "$\"x{1}y\"",
    "@\"v\"",
    "1",
    "2.5",
    "0x1F",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "&&",
    "||",
    "!",
    "?",
    ":",
    "??",
    "?.",
    "?[",
    "=>",
    "x",
    "s",
    "var",
    "=",
    ";",
    "if",
    "else",
    "return",
    "foreach",
    "in",
    "while",
    "for",
    "break",
    "continue",
    "using",
    "Regex",
    "IsMatch",
    "RegexOptions",
    "IgnoreCase",
    "\"(a+)+$\"",
    "@\"(?<n>\\d)\\1\"",
    "\"[a-z-[b]]\"",
    "|",
    "??=",
    "List",
    "StringBuilder",
    "System",
    "Newtonsoft",
    "try",
    "catch",
    "finally",
    "throw",
    "Exception",
    "new",
    "JObject",
    "JProperty",
    "string",
    "int",
    "(string)",
    "(int)",
    "as",
    "is",
    "out",
    "Select",
    "Where",
    "First",
    ",",
    "true",
    "false",
    "null",
    "DateTime",
    "UtcNow",
    "AddDays",
    "Variables",
    "Body",
    "As",
    "<JObject>",
    "{{nv}}",
    "foreach",
    "Split",
    "Last",
    "Length",
    "TimeSpan",
    "FromSeconds",
    " ",
    "\n",
    "@(",
    "@{",
    "System",
    "Cryptography",
    "HMACSHA256",
    "ComputeHash",
    "Encrypt",
    "\"Aes\"",
    "CipherMode",
];

const SEEDS: &[&str] = &[
    "@(context.Request.Headers.GetValueOrDefault(\"Authorization\", \"\").AsJwt()?.Subject)",
    "@{ var b = context.Request.Body.As<JObject>(preserveContent: true); b[\"a\"] = 1; return b.ToString(); }",
    "@(string.Join(\",\", \"a,b\".Split(',').Where(x => x.Length > 0).Select(x => x.ToUpper())))",
    "@($\"{DateTime.UtcNow:yyyy-MM-dd} {context.Variables.GetValueOrDefault<int>(\"n\", 0) + 1}\")",
    "@{ int n; if (int.TryParse(\"5\", out n)) { return n * 2; } else return (object)null ?? 0; }",
    "@(new JObject(new JProperty(\"a\", (string)context.Request.MatchedParameters[\"id\"])).ToString())",
    "@(Convert.ToBase64String(new System.Security.Cryptography.HMACSHA256(Encoding.UTF8.GetBytes(\"{{key}}\")).ComputeHash(Encoding.UTF8.GetBytes(\"s\"))))",
    "@{ var aes = Aes.Create(); aes.Mode = CipherMode.CBC; return BitConverter.ToString(Encoding.UTF8.GetBytes(\"a\").Encrypt(\"Aes\", aes.Key, aes.IV)).Replace(\"-\", \"\"); }",
    "@{ var s = \"\"; foreach (var x in new[] { 1, 2 }) { if (x > 1) break; s += x; } for (int i = 0; i < 2; i++) { continue; } while (false) { } return s; }",
    "@(Regex.Match(\"a1\", @\"(?<n>\\d)(?'m'x)?|[^a-z\\]]{2,}$\", RegexOptions.IgnoreCase | RegexOptions.Multiline).Groups[\"n\"].Value)",
    "@(new System.Text.RegularExpressions.Regex(\"(?i:a(?#c)b)[ -]\").Replace(\"ab\", \"${0}$1$$\"))",
    "@{ using (var sb = new StringBuilder()) { sb.Append(new Uri(\"http://h/p\").Host); } string t = null; t ??= \"x\"; return new Dictionary<string, string> { { \"a\", t }, [\"b\"] = \"c\" }; }",
    "@(new JObject { [\"a\"] = new List<int> { 1 }, [\"b\"] = new { c = new int[2] } } is JObject o ? o : null)",
    "@{ try { throw new Exception(\"x\"); } catch (Exception e) { return e.Message; } finally { } }",
];

fn run(text: &str) {
    let _ = parse_expression(text);
}

/// The expressions in the project's policy files (`policies/`, `tests/cases/`), entities
/// decoded, each cut at its closing bracket as far as a simple count finds it.
fn project_expressions() -> Vec<String> {
    let mut out = Vec::new();
    for document in crate::load::prescan::fuzz::seeds() {
        let text = document
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        let mut rest = text.as_str();
        while let Some(at) = rest.find(['@']) {
            rest = &rest[at..];
            let (open, close) = match rest.as_bytes().get(1) {
                Some(b'(') => (b'(', b')'),
                Some(b'{') => (b'{', b'}'),
                _ => {
                    rest = &rest[1..];
                    continue;
                }
            };
            let mut depth = 0;
            let mut end = rest.len();
            for (i, &byte) in rest.as_bytes().iter().enumerate().skip(1) {
                if byte == open {
                    depth += 1;
                } else if byte == close {
                    depth -= 1;
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
            }
            out.push(rest[..end].to_string());
            rest = &rest[2..];
        }
    }
    out
}

/// Runs `iterations` inputs of each kind; returns how many parses ran.
pub(crate) fn fuzz(iterations: usize, seed: u64) -> usize {
    let mut rng = Rng::new(seed);
    let mut executions = 0;
    let mut seeds: Vec<String> = SEEDS.iter().map(|s| s.to_string()).collect();
    seeds.extend(project_expressions());
    for seed in &seeds {
        run(seed);
    }
    for round in 0..iterations {
        if round > 0 && round % 100_000 == 0 {
            eprintln!(
                "fuzz expression-parser: {executions}/{} runs",
                iterations * 3
            );
        }
        // A token soup behind `@(` or `@{`.
        let mut text = String::from(if rng.below(2) == 0 { "@(" } else { "@{" });
        for _ in 0..rng.below(40) {
            text.push_str(rng.pick(VOCABULARY));
            if rng.below(3) == 0 {
                text.push(' ');
            }
        }
        if rng.below(2) == 0 {
            text.push(if text.starts_with("@(") { ')' } else { '}' });
        }
        run(&text);
        // Random bytes (as UTF-8, lossily).
        let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
        run(&format!("@({}", String::from_utf8_lossy(&bytes)));
        // A seed with a few bytes replaced, dropped or duplicated.
        let seed = &seeds[rng.below(seeds.len())];
        let mut mutated = seed.as_bytes().to_vec();
        for _ in 0..=rng.below(4) {
            if mutated.is_empty() {
                break;
            }
            let at = rng.below(mutated.len());
            match rng.below(3) {
                0 => {
                    const BYTES: &[u8] = b"(){}[]\"'.,;:?!<>=@$ax1";
                    mutated[at] = BYTES[rng.below(BYTES.len())];
                }
                1 => {
                    mutated.remove(at);
                }
                _ => {
                    let byte = mutated[at];
                    mutated.insert(at, byte);
                }
            }
        }
        run(&String::from_utf8_lossy(&mutated));
        executions += 3;
    }
    executions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expression_parser_never_panics() {
        let env = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
        };
        let iterations = env("FUZZ_RUNS")
            .map(|runs| runs.div_ceil(3))
            .or_else(|| env("FUZZ_ITERATIONS"))
            .unwrap_or(20_000);
        let started = std::time::Instant::now();
        let executions = fuzz(iterations, 0x7011_6A7E);
        assert!(project_expressions().len() > 50);
        eprintln!(
            "fuzz expression-parser: {executions} runs ({} seeds from the project's policies), 0 panics, {:.1} s",
            project_expressions().len(),
            started.elapsed().as_secs_f64()
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for open in ["(", "[", "!", "-", "new JObject(", "x => ", "$\"{"] {
            let text = format!("@({}1", open.repeat(10_000));
            assert!(parse_expression(&text).is_err(), "{open}");
        }
        let text = format!("@{{ {} }}", "if (true) ".repeat(10_000));
        assert!(parse_expression(&text).is_err());
        // Long chains nest the tree too.
        assert!(parse_expression(&format!("@(1{})", " + 1".repeat(10_000))).is_err());
        assert!(parse_expression(&format!("@(\"a\"{})", ".Trim()".repeat(10_000))).is_err());
        assert!(parse_expression(&format!("@(1{})", " + 1".repeat(20))).is_ok());
    }
}
