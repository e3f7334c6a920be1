//! `<cross-domain>`: one `<cross-domain-policy>` child in Adobe's policy-file format, kept as
//! written. Azure allows it only in the global scope's inbound (checked in `scope_rules.rs`).

use crate::lang::CrossDomain;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<cross-domain>`: exactly one `<cross-domain-policy>` child element.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CrossDomain, Reported> {
    let children = el.child_elements()?;
    let [policy] = children.as_slice() else {
        let found = children.len();
        return Err(el.error(format!(
            "<cross-domain> takes exactly one <cross-domain-policy> child (Adobe's \
             cross-domain policy file format), found {found} elements"
        )));
    };
    let name = policy.tag_name().name();
    if name != "cross-domain-policy" {
        return Err(el.error_at(
            policy.range().start,
            format!("<cross-domain> takes a <cross-domain-policy> child, found <{name}>"),
        ));
    }
    let input = policy.document().input_text();
    let policy_xml = input.get(policy.range()).unwrap_or_default().to_string();
    Ok(CrossDomain { policy_xml })
}
