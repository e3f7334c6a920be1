use super::*;
use crate::liquid::{Expr, FilterName, Op, Seg};

fn blocks(src: &str) -> Vec<Block> {
    parse_template(src).unwrap().blocks
}

fn error(src: &str) -> LiquidError {
    parse_template(src).unwrap_err()
}

#[test]
fn text_outputs_and_filters() {
    let b = blocks("Hi {{ body.user.name | Upcase | Append: \"!\" }}.");
    assert_eq!(b[0], Block::Text("Hi ".into()));
    let Block::Output(out) = &b[1] else {
        panic!("{b:?}")
    };
    assert_eq!(
        out.value,
        Expr::Path(
            "body".into(),
            vec![Seg::Key("user".into()), Seg::Key("name".into())]
        )
    );
    assert_eq!(out.filters[0].name, FilterName::Upcase);
    assert_eq!(out.filters[1].args, vec![Expr::Str("!".into())]);
    assert_eq!(b[2], Block::Text(".".into()));
}

#[test]
fn filters_in_pascal_or_snake_case() {
    for name in ["AtLeast", "at_least", "atleast"] {
        let b = blocks(&format!("{{{{ 1 | {name}: 2 }}}}"));
        let Block::Output(out) = &b[0] else { panic!() };
        assert_eq!(out.filters[0].name, FilterName::AtLeast);
    }
}

#[test]
fn tags_build_a_tree() {
    let b = blocks(
        "{% if a == 1 and b %}x{% elsif c contains 'z' %}y{% else %}z{% endif %}\
         {% unless d %}u{% endunless %}\
         {% case e %}{% when 1, 2 %}one{% else %}other{% endcase %}\
         {% for i in (1..3) limit: 2 offset: 1 reversed %}{{ i }}{% else %}none{% endfor %}\
         {% assign n = body.x | Size %}{% capture c %}[{{ n }}]{% endcapture %}\
         {% comment %}{% bogus %}{% endcomment %}{% raw %}{{ kept }}{% endraw %}",
    );
    let Block::If(branches, otherwise) = &b[0] else {
        panic!("{b:?}")
    };
    assert_eq!(branches.len(), 2);
    assert!(matches!(branches[0].0, Cond::And(..)));
    assert!(matches!(branches[1].0, Cond::Compare(_, Op::Contains, _)));
    assert_eq!(otherwise, &vec![Block::Text("z".into())]);
    assert!(matches!(&b[1], Block::If(br, _) if matches!(br[0].0, Cond::Not(_))));
    assert!(
        matches!(&b[2], Block::Case(_, whens, other) if whens[0].0.len() == 2 && other.len() == 1)
    );
    let Block::For(f) = &b[3] else { panic!() };
    assert!(f.reversed && f.limit == Some(Expr::Int(2)) && f.offset == Some(Expr::Int(1)));
    assert!(matches!(f.source, Expr::Range(..)));
    assert_eq!(f.otherwise, vec![Block::Text("none".into())]);
    assert!(
        matches!(&b[4], Block::Assign(n, o) if n == "n" && o.filters[0].name == FilterName::Size)
    );
    assert!(matches!(&b[5], Block::Capture(n, body) if n == "c" && body.len() == 3));
    assert_eq!(b[6], Block::Text("{{ kept }}".into()));
    assert_eq!(b.len(), 7);
}

#[test]
fn json_array_for_is_a_for_with_commas() {
    let b = blocks("{% JSONArrayFor x in body.items %}{{ x }}{% endJSONArrayFor %}");
    let Block::For(f) = &b[0] else {
        panic!("{b:?}")
    };
    assert!(f.commas && f.var == "x");
    assert!(
        error("{% JSONArrayFor x in y %}x")
            .message
            .contains("endJSONArrayFor")
    );
}

#[test]
fn whitespace_control_trims_neighbouring_text() {
    let b = blocks("a  \n {%- if true -%} \n b \n {%- endif -%}  c");
    assert_eq!(b[0], Block::Text("a".into()));
    let Block::If(branches, _) = &b[1] else {
        panic!()
    };
    assert_eq!(branches[0].1, vec![Block::Text("b".into())]);
    assert_eq!(b[2], Block::Text("c".into()));
}

#[test]
fn xml_entities_in_markup_read_as_characters() {
    let b = blocks("{% if a &lt; 3 and b &gt;= 2 %}x{% endif %}{{ &quot;s&quot; | Append: 'x' }}");
    let Block::If(branches, _) = &b[0] else {
        panic!()
    };
    let Cond::And(left, right) = &branches[0].0 else {
        panic!()
    };
    assert!(matches!(**left, Cond::Compare(_, Op::Lt, _)));
    assert!(matches!(**right, Cond::Compare(_, Op::Ge, _)));
    assert!(matches!(&b[1], Block::Output(o) if o.value == Expr::Str("s".into())));
}

#[test]
fn errors_name_the_offset_and_the_fix() {
    let e = error("ab {% include 'x' %}");
    assert_eq!(e.offset, 5);
    assert!(
        e.message.contains("unsupported liquid tag `include`"),
        "{}",
        e.message
    );
    let e = error("{{ x | reverse }}");
    assert_eq!(e.offset, 7);
    assert!(
        e.message.contains("unknown liquid filter `reverse`"),
        "{}",
        e.message
    );
    assert!(error("{% if x %}open").message.contains("endif"));
    assert!(error("{{ x ").message.contains("not closed"));
    assert!(error("{% endfor %}").message.contains("unexpected"));
    assert!(error("{% for x %}{% endfor %}").message.contains("`in`"));
    assert!(error("{{ 'open }}").message.contains("unclosed string"));
    assert!(error("{% assign = 1 %}").message.contains("name"));
}

#[test]
fn hostile_templates_fail_cleanly() {
    let deep = "{% if a %}".repeat(100);
    assert!(error(&deep).message.contains("nested too deeply"));
    for src in [
        "{%",
        "{{",
        "{% raw %}",
        "{% comment %}",
        "{% case %}",
        "{{ a.[ }}",
        "{{ (1.. }}",
        "{%- -%}",
        "{{-}}",
    ] {
        let _ = parse_template(src);
    }
}

/// Every prefix and many one-byte mutations of a template that uses every tag.
#[test]
fn liquid_templates_never_panic() {
    const SAMPLE: &str = "a {{- body.x[0].y | Default: 'd' | Plus: 1.5 -}} {% if a == 1 and b contains \"c\" or d %}x{% elsif e &lt; 2 %}y{% else %}z{% endif %}\
        {% unless f %}{% case g %}{% when 1, 'h' %}i{% else %}j{% endcase %}{% endunless %}\
        {% for k in (1..3) limit: 2 offset: 1 reversed %}{{ forloop.index }}{% break %}{% else %}l{% endfor %}\
        {% assign m = n | Split: ',' %}{% capture o %}p{% endcapture %}{% comment %}q{% endcomment %}{% raw %}{{r}}{% endraw %}";
    const INTERESTING: &[u8] = b"{}%|:,.[]()'\"-=<>&; \n";
    let bytes = SAMPLE.as_bytes();
    for end in (0..=SAMPLE.len()).filter(|&i| SAMPLE.is_char_boundary(i)) {
        let _ = parse_template(&SAMPLE[..end]);
    }
    for position in 0..bytes.len() {
        for &byte in INTERESTING {
            let mut mutated = bytes.to_vec();
            mutated[position] = byte;
            if let Ok(text) = String::from_utf8(mutated) {
                let _ = parse_template(&text);
            }
        }
    }
}
