//! Liquid templates at load time: splits a template into text, `{{ output }}` and
//! `{% tag %}` markup (with `-` whitespace control), then builds the block tree.
//! `markup.rs` parses what is inside the markup (values, filters, conditions) from the
//! tokens of `lex.rs`.
//!
//! Only the tags and filters Azure's `set-body` documents exist; anything else is an error
//! with its byte offset in the template.

mod lex;
mod markup;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use crate::liquid::{Block, Cond, For, Template};
use markup::Markup;

/// Deepest tag nesting accepted.
const MAX_NESTING: usize = 64;

/// A template error: byte offset in the template and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiquidError {
    /// Byte offset in the template.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl LiquidError {
    fn new(offset: usize, message: impl Into<String>) -> Self {
        LiquidError {
            offset,
            message: message.into(),
        }
    }
}

/// One piece of the template source.
#[derive(Debug)]
enum Token<'a> {
    Text(String),
    Output(&'a str, usize),
    Tag(&'a str, usize),
}

/// Parses a whole template.
pub(crate) fn parse_template(source: &str) -> Result<Template, LiquidError> {
    let tokens = tokenize(source)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let (blocks, end) = parser.blocks(&[])?;
    if let Some((tag, at)) = end {
        return Err(LiquidError::new(at, format!("unexpected {{% {tag} %}}")));
    }
    Ok(Template { blocks })
}

/// Splits the source into text and markup; `{%-`/`-%}` and `{{-`/`-}}` trim the whitespace
/// next to them.
fn tokenize(source: &str) -> Result<Vec<Token<'_>>, LiquidError> {
    let mut tokens = Vec::new();
    let mut at = 0;
    let mut trim_next = false;
    while at < source.len() {
        let rest = &source[at..];
        let next = [rest.find("{{"), rest.find("{%")]
            .into_iter()
            .flatten()
            .min();
        let Some(start) = next else {
            push_text(&mut tokens, rest, trim_next, false);
            break;
        };
        let open = at + start;
        let is_output = source[open..].starts_with("{{");
        let trim_before = source[open + 2..].starts_with('-');
        push_text(&mut tokens, &rest[..start], trim_next, trim_before);
        let close = if is_output { "}}" } else { "%}" };
        let inner_start = open + 2 + usize::from(trim_before);
        let Some(end) = source[inner_start..].find(close).map(|e| inner_start + e) else {
            return Err(LiquidError::new(
                open,
                format!("`{}` is not closed with `{close}`", &source[open..open + 2]),
            ));
        };
        trim_next = source[..end].ends_with('-') && end > inner_start;
        let inner_end = if trim_next { end - 1 } else { end };
        let inner = &source[inner_start..inner_end];
        if is_output {
            tokens.push(Token::Output(inner, inner_start));
        } else {
            tokens.push(Token::Tag(inner, inner_start));
            // `raw` and `comment` bodies are not markup.
            let word = inner.split_whitespace().next().unwrap_or("");
            if word == "raw" || word == "comment" {
                let end_tag = format!("end{word}");
                let (body, after, trim) = find_end(source, end + 2, &end_tag).ok_or_else(|| {
                    LiquidError::new(
                        open,
                        format!("{{% {word} %}} is not closed with {{% {end_tag} %}}"),
                    )
                })?;
                if word == "raw" {
                    tokens.push(Token::Text(body.to_string()));
                }
                tokens.push(Token::Tag(
                    if word == "raw" {
                        "endraw"
                    } else {
                        "endcomment"
                    },
                    after,
                ));
                at = after;
                trim_next = trim;
                continue;
            }
        }
        at = end + 2;
    }
    Ok(tokens)
}

/// The text up to `{% end_tag %}` from `from`, the offset after that tag, and whether it
/// trims the text after it.
fn find_end<'a>(source: &'a str, from: usize, end_tag: &str) -> Option<(&'a str, usize, bool)> {
    let mut search = from;
    loop {
        let open = source.get(search..)?.find("{%")? + search;
        let close = source[open..].find("%}")? + open;
        let inner = source
            .get(open + 2..close)
            .unwrap_or("")
            .trim_matches(|c: char| c == '-' || c.is_whitespace());
        if inner == end_tag {
            let body = &source[from..open];
            return Some((body, close + 2, source[..close].ends_with('-')));
        }
        search = close + 2;
    }
}

fn push_text(tokens: &mut Vec<Token<'_>>, text: &str, trim_start: bool, trim_end: bool) {
    let mut text = text;
    if trim_start {
        text = text.trim_start();
    }
    if trim_end {
        text = text.trim_end();
    }
    if !text.is_empty() {
        tokens.push(Token::Text(text.to_string()));
    }
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    pos: usize,
    depth: usize,
}

/// The tag that ended a block list: its markup and offset.
type End<'a> = Option<(&'a str, usize)>;

impl<'a> Parser<'a> {
    /// Blocks up to one of the tags in `ends` (returned) or the end of the template.
    fn blocks(&mut self, ends: &[&str]) -> Result<(Vec<Block>, End<'a>), LiquidError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            let at = self.offset();
            return Err(LiquidError::new(at, "tags nested too deeply"));
        }
        let mut blocks = Vec::new();
        while self.pos < self.tokens.len() {
            let index = self.pos;
            self.pos += 1;
            match &self.tokens[index] {
                Token::Text(text) => blocks.push(Block::Text(text.clone())),
                Token::Output(inner, at) => {
                    let (inner, at) = (*inner, *at);
                    blocks.push(Block::Output(Markup::new(inner, at).output()?));
                }
                Token::Tag(inner, at) => {
                    let (inner, at) = (*inner, *at);
                    let word = inner.split_whitespace().next().unwrap_or("");
                    if ends.contains(&word) {
                        self.depth -= 1;
                        return Ok((blocks, Some((inner, at))));
                    }
                    blocks.extend(self.tag(word, inner, at)?);
                }
            }
        }
        self.depth -= 1;
        if let Some(first) = ends.last() {
            return Err(LiquidError::new(
                self.offset(),
                format!("the template ends before {{% {first} %}}"),
            ));
        }
        Ok((blocks, None))
    }

    fn offset(&self) -> usize {
        match self.tokens.get(self.pos.saturating_sub(1)) {
            Some(Token::Output(_, at) | Token::Tag(_, at)) => *at,
            _ => 0,
        }
    }

    fn tag(&mut self, word: &str, inner: &'a str, at: usize) -> Result<Option<Block>, LiquidError> {
        let args_at = at + inner.find(word).unwrap_or(0) + word.len();
        let args = Markup::new(
            &inner[inner.find(word).unwrap_or(0) + word.len()..],
            args_at,
        );
        Ok(Some(match word {
            "if" | "unless" => {
                let negate = word == "unless";
                let end = if negate { "endunless" } else { "endif" };
                let mut cond = args.condition()?;
                if negate {
                    cond = Cond::Not(Box::new(cond));
                }
                let mut branches = Vec::new();
                let mut otherwise = Vec::new();
                loop {
                    let (body, tag) = self.blocks(&["elsif", "else", end])?;
                    let (tag, tag_at) = tag.unwrap_or((end, at));
                    branches.push((cond, body));
                    match tag.split_whitespace().next() {
                        Some("elsif") if !negate => {
                            cond =
                                Markup::new(&tag[tag.find("elsif").unwrap_or(0) + 5..], tag_at + 5)
                                    .condition()?;
                        }
                        Some("else") => {
                            let (body, _) = self.blocks(&[end])?;
                            otherwise = body;
                            break;
                        }
                        Some(w) if w == end => break,
                        _ => {
                            return Err(LiquidError::new(
                                tag_at,
                                format!("{{% elsif %}} is not allowed in {{% {word} %}}"),
                            ));
                        }
                    }
                }
                Block::If(branches, otherwise)
            }
            "case" => {
                let subject = args.value_only()?;
                let (before, mut tag) = self.blocks(&["when", "else", "endcase"])?;
                if before
                    .iter()
                    .any(|b| !matches!(b, Block::Text(t) if t.trim().is_empty()))
                {
                    return Err(LiquidError::new(
                        at,
                        "{% case %} holds only {% when %} and {% else %}",
                    ));
                }
                let mut whens = Vec::new();
                let mut otherwise = Vec::new();
                while let Some((tag_text, tag_at)) = tag {
                    match tag_text.split_whitespace().next() {
                        Some("when") => {
                            let offset = tag_text.find("when").unwrap_or(0) + 4;
                            let values =
                                Markup::new(&tag_text[offset..], tag_at + offset).when_values()?;
                            let (body, next) = self.blocks(&["when", "else", "endcase"])?;
                            whens.push((values, body));
                            tag = next;
                        }
                        Some("else") => {
                            let (body, _) = self.blocks(&["endcase"])?;
                            otherwise = body;
                            break;
                        }
                        _ => break,
                    }
                }
                Block::Case(subject, whens, otherwise)
            }
            "for" | "JSONArrayFor" => {
                let header = args.for_header()?;
                let end = if word == "for" {
                    "endfor"
                } else {
                    "endJSONArrayFor"
                };
                let (body, tag) = self.blocks(&["else", end])?;
                let otherwise = match tag {
                    Some((t, _)) if t.trim() == "else" => self.blocks(&[end])?.0,
                    _ => Vec::new(),
                };
                Block::For(Box::new(For {
                    body,
                    otherwise,
                    commas: word == "JSONArrayFor",
                    ..header
                }))
            }
            "assign" => {
                let (name, output) = args.assignment()?;
                Block::Assign(name, output)
            }
            "capture" => {
                let name = args.name_only()?;
                let (body, _) = self.blocks(&["endcapture"])?;
                Block::Capture(name, body)
            }
            "comment" => {
                // The tokenizer dropped the body; the next token is `endcomment`.
                self.pos += 1;
                return Ok(None);
            }
            "raw" => {
                let text = match self.tokens.get(self.pos) {
                    Some(Token::Text(t)) => {
                        self.pos += 1;
                        t.clone()
                    }
                    _ => String::new(),
                };
                self.pos += 1; // endraw
                Block::Text(text)
            }
            "break" => Block::Break,
            "continue" => Block::Continue,
            "" => return Err(LiquidError::new(at, "empty tag {% %}")),
            "elsif" | "else" | "when" | "endif" | "endunless" | "endcase" | "endfor"
            | "endJSONArrayFor" | "endcapture" | "endraw" | "endcomment" => {
                return Err(LiquidError::new(at, format!("unexpected {{% {word} %}}")));
            }
            other => {
                return Err(LiquidError::new(
                    at,
                    format!(
                        "unsupported liquid tag `{other}` (Tollgate has if, unless, case, for, JSONArrayFor, assign, capture, comment and raw)"
                    ),
                ));
            }
        }))
    }
}
