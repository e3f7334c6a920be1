//! `<emit-metric name namespace value><dimension name value/></emit-metric>`.

use crate::lang::EmitMetric;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<emit-metric>`: `name` (required), `namespace` (default `API Management`),
/// `value` (default 1; text or expression) and 1–10 `<dimension name value/>`.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<EmitMetric, Reported> {
    let name = el
        .azure_literal("name")
        .and_then(|name| name.ok_or_else(|| el.missing("name")));
    let namespace = el.azure_literal("namespace");
    let value = el.optional_value("value");
    let mut dimensions = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = if child.tag_name().name() == "dimension" {
            el.nested(child, |d| {
                let name = d.required_plain("name")?.value.to_string();
                let value = d.optional_value("value")?;
                Ok((name, value))
            })
            .map(|pair| dimensions.push(pair))
        } else {
            let other = child.tag_name().name();
            Err(el.error_at(
                offset,
                format!("<{other}> is not allowed in <emit-metric>; expected <dimension>"),
            ))
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    let (name, namespace, value) = (name?, namespace?, value?);
    result?;
    if dimensions.len() > 10 {
        return Err(el.error("<emit-metric> takes at most 10 <dimension>s"));
    }
    Ok(EmitMetric {
        name: name.value.to_string(),
        namespace: namespace.map_or("API Management", |a| a.value).to_string(),
        value,
        dimensions,
    })
}
