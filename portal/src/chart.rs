//! The usage chart: calls per UTC day over the last 30 days, admitted and rejected stacked,
//! as inline SVG (no script), with the same numbers in a table for screen readers.

use tollgate::metering::usage::{DayUsage, format_day};

use crate::page::esc;

/// Days shown.
pub const DAYS: i64 = 30;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 220;
const LEFT: u32 = 44;
const TOP: u32 = 12;
const BOTTOM: u32 = 36;
const SLOT: u32 = (WIDTH - LEFT - 8) / DAYS as u32;

/// The chart for the `DAYS` days ending on `today` (days since the epoch); `usage` holds the
/// days that had calls.
pub fn svg(usage: &[DayUsage], today: i64) -> String {
    let days: Vec<(String, u64, u64)> = (today - DAYS + 1..=today)
        .map(|day| {
            let date = format_day(day);
            let found = usage.iter().find(|d| d.date == date);
            let (admitted, rejected) = found.map_or((0, 0), |d| (d.usage.calls, d.usage.rejected));
            (date, admitted, rejected)
        })
        .collect();
    let max = days.iter().map(|(_, a, r)| a + r).max().unwrap_or(0).max(1);
    let plot = HEIGHT - TOP - BOTTOM;
    let scale = |n: u64| -> u32 {
        u32::try_from(u128::from(n) * u128::from(plot) / u128::from(max)).unwrap_or(plot)
    };
    let total_admitted: u64 = days.iter().map(|(_, a, _)| a).sum();
    let total_rejected: u64 = days.iter().map(|(_, _, r)| r).sum();
    let mut out = format!(
        "<figure class=\"chart\"><svg viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"chart-title chart-desc\" id=\"usage-chart\" data-admitted=\"{total_admitted}\" \
         data-rejected=\"{total_rejected}\"><title id=\"chart-title\">Calls per day, last {DAYS} days</title>\
         <desc id=\"chart-desc\">{total_admitted} admitted and {total_rejected} rejected calls from {} to {}.</desc>",
        esc(&days[0].0),
        esc(&days[days.len() - 1].0),
    );
    let baseline = HEIGHT - BOTTOM;
    out.push_str(&format!(
        "<line x1=\"{LEFT}\" y1=\"{baseline}\" x2=\"{WIDTH}\" y2=\"{baseline}\" stroke=\"#64748b\"/>\
         <line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{WIDTH}\" y2=\"{TOP}\" stroke=\"#e2e8f0\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\" fill=\"#334155\">{max}</text>\
         <text x=\"{}\" y=\"{baseline}\" text-anchor=\"end\" font-size=\"11\" fill=\"#334155\">0</text>",
        LEFT - 6,
        TOP + 4,
        LEFT - 6,
    ));
    for (i, (date, admitted, rejected)) in days.iter().enumerate() {
        let x = LEFT + 4 + i as u32 * SLOT;
        let width = SLOT - 4;
        let admitted_h = scale(*admitted);
        let rejected_h = scale(*rejected);
        out.push_str(&format!(
            "<g class=\"day\" data-date=\"{date}\" data-admitted=\"{admitted}\" data-rejected=\"{rejected}\">\
             <title>{date}: {admitted} admitted, {rejected} rejected</title>\
             <rect x=\"{x}\" y=\"{TOP}\" width=\"{width}\" height=\"{plot}\" fill=\"transparent\"/>",
            date = esc(date),
        ));
        if admitted_h > 0 {
            out.push_str(&format!(
                "<rect class=\"admitted\" x=\"{x}\" y=\"{}\" width=\"{width}\" height=\"{admitted_h}\" fill=\"#2563eb\"/>",
                baseline - admitted_h
            ));
        }
        if rejected_h > 0 {
            out.push_str(&format!(
                "<rect class=\"rejected\" x=\"{x}\" y=\"{}\" width=\"{width}\" height=\"{rejected_h}\" fill=\"#dc2626\"/>",
                baseline - admitted_h - rejected_h
            ));
        }
        out.push_str("</g>");
        if i == 0 || i == days.len() - 1 || i == days.len() / 2 {
            out.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#334155\">{}</text>",
                x + width / 2,
                HEIGHT - BOTTOM + 16,
                esc(date.get(5..).unwrap_or(date)),
            ));
        }
    }
    out.push_str(
        "</svg><figcaption><span class=\"swatch admitted\"></span> admitted \
                  <span class=\"swatch rejected\"></span> rejected</figcaption></figure>",
    );
    out.push_str(&table(&days));
    out
}

/// The days with calls, as a table (the chart's text alternative).
fn table(days: &[(String, u64, u64)]) -> String {
    let rows: String = days
        .iter()
        .filter(|(_, a, r)| a + r > 0)
        .map(|(date, admitted, rejected)| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{admitted}</td><td>{rejected}</td></tr>",
                esc(date)
            )
        })
        .collect();
    if rows.is_empty() {
        return "<p class=\"muted\">No calls in the last 30 days.</p>".to_string();
    }
    format!(
        "<details><summary>The numbers</summary><table class=\"usage\"><thead><tr>\
         <th scope=\"col\">Day (UTC)</th><th scope=\"col\">Admitted</th><th scope=\"col\">Rejected</th>\
         </tr></thead><tbody>{rows}</tbody></table></details>"
    )
}
