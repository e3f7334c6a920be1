//! Line charts for the operator dashboard: one polyline per series over shared time
//! buckets, as inline SVG (no script), with a legend.

use crate::page::esc;

const WIDTH: u32 = 720;
const HEIGHT: u32 = 220;
const LEFT: u32 = 52;
const RIGHT: u32 = 12;
const TOP: u32 = 14;
const BOTTOM: u32 = 30;
/// Series colours, in order (then repeated); `portal.css` has the same as `.swatch.c0`–`c7`.
const COLOURS: [&str; 8] = [
    "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#4d7c0f",
];

/// One line: its label and a value per bucket (`None`: no calls then).
pub struct Series {
    /// Legend text.
    pub label: String,
    /// Values, one per bucket.
    pub values: Vec<Option<f64>>,
}

/// A chart of `series` over `labels` (one per bucket, e.g. `12:05`); `id` names it for tests,
/// `unit` follows the values in titles.
pub fn svg(id: &str, title: &str, unit: &str, labels: &[String], series: &[Series]) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, &b| a.max(b));
    let max = if max <= 0.0 { 1.0 } else { max };
    let plot_w = f64::from(WIDTH - LEFT - RIGHT);
    let plot_h = f64::from(HEIGHT - TOP - BOTTOM);
    let n = labels.len().max(2) - 1;
    let x = |i: usize| f64::from(LEFT) + plot_w * i as f64 / n as f64;
    let y = |v: f64| f64::from(TOP) + plot_h * (1.0 - v / max);
    let baseline = HEIGHT - BOTTOM;
    let mut out = format!(
        "<figure class=\"chart lines\"><h3>{title}</h3><svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" id=\"{id}\" \
         aria-label=\"{title}\"><title>{title}</title>\
         <line x1=\"{LEFT}\" y1=\"{baseline}\" x2=\"{}\" y2=\"{baseline}\" stroke=\"#64748b\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{}\" y2=\"{TOP}\" stroke=\"#e2e8f0\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"#334155\">{}{unit}</text>\
         <text x=\"{}\" y=\"{baseline}\" text-anchor=\"end\" font-size=\"12\" fill=\"#334155\">0</text>",
        WIDTH - RIGHT,
        WIDTH - RIGHT,
        LEFT - 6,
        TOP + 4,
        round(max),
        LEFT - 6,
        title = esc(title),
        unit = esc(unit),
    );
    let last = labels.len().saturating_sub(1);
    for &i in &[0, labels.len() / 2, last] {
        if let Some(label) = labels.get(i) {
            let anchor = match i {
                0 => "start",
                i if i == last => "end",
                _ => "middle",
            };
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"12\" fill=\"#334155\">{}</text>",
                x(i),
                HEIGHT - 10,
                esc(label)
            ));
        }
    }
    for (index, line) in series.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let points: Vec<String> = line
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(v.unwrap_or(0.0))))
            .collect();
        let total: f64 = line.values.iter().flatten().sum();
        out.push_str(&format!(
            "<polyline class=\"series\" data-series=\"{}\" data-total=\"{}\" fill=\"none\" \
             stroke=\"{colour}\" stroke-width=\"2\" points=\"{}\"/>",
            esc(&line.label),
            round(total),
            points.join(" ")
        ));
    }
    out.push_str("</svg><figcaption>");
    for (index, line) in series.iter().enumerate() {
        out.push_str(&format!(
            "<span class=\"legend\"><span class=\"swatch c{}\"></span> {}</span> ",
            index % COLOURS.len(),
            esc(if line.label.is_empty() {
                "(none)"
            } else {
                &line.label
            })
        ));
    }
    out.push_str("</figcaption></figure>");
    out
}

/// A number for a label: whole when large, one decimal when small.
fn round(value: f64) -> String {
    if value >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
