//! `<ip-filter action="allow|forbid"><address/><address-range from to/></ip-filter>`.

use crate::expr::PolicyValue;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::ip::{parse_address, parse_range};
use crate::load::template::preview;
use crate::model::{Choice, IpFilter, IpFilterAction, Typed};

/// Parses `<ip-filter>`: `action` (`allow` or `forbid`) and at least one `<address>` (IPv4 or
/// IPv6 text) or `<address-range from to/>` (one family, `from` ≤ `to`).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<IpFilter, Reported> {
    let action = el
        .typed_with("action", Exprs::Allowed, |action| {
            IpFilterAction::from_name(action.trim()).ok_or_else(|| {
                format!(
                    "ip-filter action must be allow or forbid, not `{}`",
                    preview(action.trim())
                )
            })
        })
        .and_then(|action| action.ok_or_else(|| el.missing("action")))
        .map(|action| match action {
            Typed::Dynamic(mut dynamic) => {
                dynamic.choices = vec!["allow".into(), "forbid".into()];
                Typed::Dynamic(dynamic)
            }
            literal => literal,
        });
    let mut ranges = Vec::new();
    let mut computed = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = match child.tag_name().name() {
            "address" => el.nested(child, |address| match address.text_value()? {
                PolicyValue::Text(text) => match text.as_literal() {
                    Some(text) => parse_address(&text)
                        .map(Some)
                        .map_err(|message| address.error(message)),
                    None => {
                        computed.push(PolicyValue::Text(text));
                        Ok(None)
                    }
                },
                expr => {
                    computed.push(expr);
                    Ok(None)
                }
            }),
            "address-range" => el.nested(child, |range| {
                let from = range.required_plain("from");
                let to = range.required_plain("to");
                let (from, to) = (from?, to?);
                range.no_content()?;
                parse_range(from.value, to.value)
                    .map(Some)
                    .map_err(|message| range.error(message))
            }),
            other => Err(el.error_at(
                offset,
                format!("<ip-filter> takes <address> and <address-range>, found <{other}>"),
            )),
        };
        match parsed {
            Ok(Some(range)) => ranges.push(range),
            Ok(None) => {}
            Err(reported) => result = Err(reported),
        }
    }
    let action = action?;
    result?;
    if ranges.is_empty() && computed.is_empty() {
        return Err(el.error("<ip-filter> needs at least one <address> or <address-range>"));
    }
    Ok(IpFilter {
        action,
        ranges,
        computed,
    })
}
