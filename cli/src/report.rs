//! The backtest as one self-contained HTML page: charts drawn here as inline
//! SVG (plotters), no script and nothing fetched from the network.

use std::fmt::Write;

use order_anomaly::Decision;
use order_anomaly::backtest::BacktestReport;
use plotters::prelude::*;

use crate::backtest::Changed;

/// The page for `reports` (one per rule set) and, for two, the orders whose
/// decision changed.
pub fn html(reports: &[BacktestReport], changed: Option<&[Changed]>) -> Result<String, String> {
    let mut page = String::from("<h1>Backtest</h1>\n");
    for r in reports {
        let _ = write!(
            page,
            "<h2>Rule set <code>{}</code></h2>\n<p>{} orders, {} abnormal.</p>\n",
            escape(&r.ruleset),
            r.orders,
            r.positives
        );
        page.push_str(&cutoffs(r));
        let _ = write!(
            page,
            "<figure>{}<figcaption>Scores of normal and abnormal orders</figcaption></figure>",
            distribution(r)?
        );
        let _ = writeln!(
            page,
            "<figure>{}<figcaption>Precision against recall over scores; the Review and Hold cut-offs marked</figcaption></figure>",
            pr_curve(r)?
        );
        page.push_str(&rules_table(r));
    }
    if let Some(changed) = changed {
        let _ = write!(
            page,
            "<h2>Decisions that change ({})</h2>\n<table><tr><th>order</th><th>abnormal</th><th>before</th><th>after</th></tr>\n",
            changed.len()
        );
        for c in changed {
            let _ = writeln!(
                page,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&c.order_id),
                if c.abnormal { "yes" } else { "no" },
                c.before.as_str(),
                c.after.as_str()
            );
        }
        page.push_str("</table>\n");
    }
    Ok(self::page("order-anomaly backtest", &page))
}

/// A self-contained page titled `title` around `body`, in the reports' one style.
pub fn page(title: &str, body: &str) -> String {
    format!(
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<title>{}</title><style>",
            "body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}",
            "td,th{{border:1px solid #ccc;padding:.2em .6em;text-align:right}}",
            "th:first-child,td:first-child{{text-align:left}}",
            "figure{{display:inline-block;margin:0 1em 1em 0}}",
            "</style></head><body>\n{}</body></html>\n"
        ),
        escape(title),
        body
    )
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v))
}

fn cutoffs(r: &BacktestReport) -> String {
    let mut t =
        String::from("<table><tr><th>flagged from</th><th>flagged</th><th>precision</th><th>recall</th></tr>\n");
    for d in [Decision::Review, Decision::Hold] {
        let c = r.confusion_at(d);
        let _ = writeln!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.as_str(),
            c.true_positives + c.false_positives,
            pct(c.precision()),
            pct(c.recall())
        );
    }
    t.push_str("</table>\n");
    t
}

fn rules_table(r: &BacktestReport) -> String {
    let mut t = String::from(
        "<table><tr><th>rule</th><th>hits</th><th>of orders</th><th>abnormal</th><th>precision</th><th>recall</th><th>skipped</th></tr>\n",
    );
    // Every rule that fired or was skipped.
    let ids: std::collections::BTreeSet<&String> = r.rules.keys().chain(r.skips.keys()).collect();
    for id in ids {
        let m = r.rules.get(id).copied().unwrap_or_default();
        let _ = writeln!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(id),
            m.hits,
            pct(m.firing_rate),
            m.true_positives,
            pct(m.precision),
            pct(m.recall),
            r.skips.get(id).copied().unwrap_or(0)
        );
    }
    t.push_str("</table>\n");
    t
}

/// Orders per score band of five, normal and abnormal side by side.
fn distribution(r: &BacktestReport) -> Result<String, String> {
    let mut bands = [(0u64, 0u64); 21];
    for p in &r.curve {
        if let Some(b) = bands.get_mut(usize::from(p.score / 5)) {
            b.0 += p.orders_at - p.abnormal_at;
            b.1 += p.abnormal_at;
        }
    }
    let top = bands.iter().map(|(n, a)| (*n).max(*a)).max().unwrap_or(0).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (520, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(draw)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0f64..105f64, 0f64..(top as f64 * 1.1))
            .map_err(draw)?;
        chart.configure_mesh().x_desc("score").y_desc("orders").draw().map_err(draw)?;
        let bars = |offset: f64, pick: fn(&(u64, u64)) -> u64, color: RGBColor| {
            bands.iter().enumerate().map(move |(i, b)| {
                let x = i as f64 * 5.0 + offset;
                Rectangle::new([(x, 0.0), (x + 2.4, pick(b) as f64)], color.filled())
            })
        };
        chart
            .draw_series(bars(0.0, |b| b.0, RGBColor(90, 140, 200)))
            .map_err(draw)?
            .label("normal")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], RGBColor(90, 140, 200).filled()));
        chart
            .draw_series(bars(2.5, |b| b.1, RGBColor(210, 80, 60)))
            .map_err(draw)?
            .label("abnormal")
            .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], RGBColor(210, 80, 60).filled()));
        chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw().map_err(draw)?;
        root.present().map_err(draw)?;
    }
    Ok(svg)
}

/// Precision against recall as the score cut-off falls, and the two
/// decision cut-offs.
fn pr_curve(r: &BacktestReport) -> Result<String, String> {
    let points: Vec<(f64, f64)> = r.curve.iter().filter_map(|p| Some((p.recall?, p.precision?))).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (420, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(draw)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0f64..1.0f64, 0f64..1.0f64)
            .map_err(draw)?;
        chart.configure_mesh().x_desc("recall").y_desc("precision").draw().map_err(draw)?;
        chart.draw_series(LineSeries::new(points, RGBColor(60, 60, 60).stroke_width(2))).map_err(draw)?;
        for (d, color) in [(Decision::Review, RGBColor(230, 160, 0)), (Decision::Hold, RGBColor(200, 40, 40))] {
            let c = r.confusion_at(d);
            if let (Some(recall), Some(precision)) = (c.recall(), c.precision()) {
                chart
                    .draw_series([Circle::new((recall, precision), 6, color.filled())])
                    .map_err(draw)?
                    .label(d.as_str())
                    .legend(move |(x, y)| Circle::new((x + 5, y), 5, color.filled()));
            }
        }
        chart.configure_series_labels().border_style(BLACK).background_style(WHITE).draw().map_err(draw)?;
        root.present().map_err(draw)?;
    }
    Ok(svg)
}

fn draw<E: std::fmt::Display>(e: E) -> String {
    format!("cannot draw the chart: {e}")
}

/// Text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
