//! A small line chart of one 健診 item over the years, drawn as inline SVG (no chart
//! library, nothing loaded from elsewhere), with the reference range as a shaded band and
//! values outside it marked. A table of the same values follows the chart for screen
//! readers and for anyone who prefers numbers.

use domain::api::PortalReferenceRange;
use leptos::prelude::*;

use crate::components::DateJa;

/// The drawing area, in SVG user units (the SVG scales to the width of the screen).
const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 180.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 30.0;
/// Room between the axis and the first/last point.
const INSET: f64 = 14.0;

/// Where everything goes: computed apart from the view so it can be tested natively.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// The value at the bottom and at the top of the plot area.
    pub min: f64,
    pub max: f64,
    /// (x, y) of each point, in the order given.
    pub points: Vec<(f64, f64)>,
    /// The reference band: y of its top and bottom edges (clamped to the plot area).
    pub band: Option<(f64, f64)>,
    /// Grid lines: (y, label).
    pub ticks: Vec<(f64, String)>,
}

/// A step of 1, 2 or 5 times a power of ten, about `raw` wide.
fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// A value as people write it: no trailing zeros, at most one decimal for small steps.
pub fn number_label(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    let text = format!("{rounded:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn geometry(values: &[f64], reference: Option<&PortalReferenceRange>) -> Geometry {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let bounds = reference
        .into_iter()
        .flat_map(|r| [r.low, r.high])
        .flatten()
        .filter(|v| v.is_finite());
    let all: Vec<f64> = finite.iter().copied().chain(bounds).collect();
    let (mut min, mut max) = all
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
    if !min.is_finite() || !max.is_finite() {
        (min, max) = (0.0, 1.0);
    }
    if (max - min).abs() < f64::EPSILON {
        // One value (or all equal): a window of ±10 % around it.
        let half = if min.abs() < f64::EPSILON {
            1.0
        } else {
            min.abs() / 10.0
        };
        min -= half;
        max += half;
    } else {
        // Keep points off the frame.
        let pad = (max - min) * 0.08;
        min -= pad;
        max += pad;
    }
    // Measurements are not negative: never draw a scale below zero for them.
    let non_negative = all.iter().all(|v| *v >= 0.0);
    if non_negative && min < 0.0 {
        min = 0.0;
    }
    let step = nice_step((max - min) / 3.0);
    min = (min / step).floor() * step;
    max = (max / step).ceil() * step;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let y_of = |v: f64| TOP + (max - v) / (max - min) * plot_height;
    let count = values.len();
    let x_of = |i: usize| {
        if count <= 1 {
            LEFT + (WIDTH - LEFT - RIGHT) / 2.0
        } else {
            LEFT + INSET + i as f64 * (WIDTH - LEFT - RIGHT - 2.0 * INSET) / (count - 1) as f64
        }
    };
    let points = values
        .iter()
        .enumerate()
        .map(|(i, v)| (x_of(i), y_of(if v.is_finite() { *v } else { min })))
        .collect();
    let band = reference.and_then(|r| {
        if r.low.is_none() && r.high.is_none() {
            return None;
        }
        let top = r
            .high
            .map_or(TOP, |h| y_of(h).clamp(TOP, TOP + plot_height));
        let bottom = r
            .low
            .map_or(TOP + plot_height, |l| y_of(l).clamp(TOP, TOP + plot_height));
        Some((top, bottom))
    });
    let mut ticks = Vec::new();
    let mut tick = min;
    while tick <= max + step / 2.0 && ticks.len() < 12 {
        ticks.push((y_of(tick), number_label(tick)));
        tick += step;
    }
    Geometry {
        min,
        max,
        points,
        band,
        ticks,
    }
}

/// The 和暦 year of an ISO date, as the axis and the spoken summary say it ("令和5年").
pub fn year_label(iso: &str) -> String {
    domain::wareki::parse_iso_date(iso)
        .map(domain::wareki::format_wareki_year)
        .unwrap_or_else(|| iso.to_string())
}

/// `points`: (受診日 ISO, value), oldest first.
#[component]
pub fn TrendChart(
    #[prop(into)] title: String,
    #[prop(into)] unit: String,
    points: Vec<(String, f64)>,
    reference: Option<PortalReferenceRange>,
) -> impl IntoView {
    let unit = domain::checkup::display_unit(&unit);
    let values: Vec<f64> = points.iter().map(|(_, v)| *v).collect();
    let g = geometry(&values, reference.as_ref());
    let outside = |v: f64| reference.as_ref().is_some_and(|r| !r.contains(v));
    let summary = points
        .iter()
        .map(|(date, v)| format!("{} {}", year_label(date), number_label(*v)))
        .collect::<Vec<_>>()
        .join("、");
    let label = match &reference {
        Some(r) => format!(
            "{title}の推移（{unit}）: {summary}。基準の範囲は{}。",
            r.text
        ),
        None => format!("{title}の推移（{unit}）: {summary}。"),
    };
    let line: String = g
        .points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ");
    let plot_right = WIDTH - RIGHT;
    let axis_y = HEIGHT - BOTTOM;
    let band = g.band.map(|(top, bottom)| {
        view! {
            <rect class="trend-band" x=LEFT y=top width={plot_right - LEFT} height={(bottom - top).max(0.0)}/>
        }
    });
    let ticks = g
        .ticks
        .iter()
        .map(|(y, text)| {
            view! {
                <line class="trend-grid" x1=LEFT x2=plot_right y1=*y y2=*y/>
                <text class="trend-axis" x={LEFT - 6.0} y={*y + 4.0} text-anchor="end">{text.clone()}</text>
            }
        })
        .collect_view();
    let dots = g
        .points
        .iter()
        .zip(points.iter())
        .map(|((x, y), (date, v))| {
            let out = outside(*v);
            let year = year_label(date);
            view! {
                <circle class=if out { "trend-point trend-point-out" } else { "trend-point" } cx=*x cy=*y r={if out { 6.0 } else { 4.5 }}/>
                <text class="trend-axis" x=*x y={axis_y + 18.0} text-anchor="middle">{year}</text>
            }
        })
        .collect_view();
    let rows = points
        .iter()
        .map(|(date, v)| {
            let out = outside(*v);
            view! {
                <tr class=if out { "value-out" } else { "" }>
                    <td><DateJa iso=date.clone()/></td>
                    <td class="number">{number_label(*v)}" "{unit.clone()}</td>
                    <td>{if out { "基準の範囲外" } else if reference.is_some() { "範囲内" } else { "—" }}</td>
                </tr>
            }
        })
        .collect_view();

    view! {
        <figure class="trend" data-testid="trend-chart">
            <figcaption class="trend-title">
                {title.clone()}<span class="muted">{format!("（{unit}）")}</span>
            </figcaption>
            <svg class="trend-svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                {band}
                {ticks}
                <line class="trend-axis-line" x1=LEFT x2=plot_right y1=axis_y y2=axis_y/>
                <polyline class="trend-line" points=line/>
                {dots}
            </svg>
            {reference.as_ref().map(|r| view! {
                <p class="trend-legend">
                    <span class="trend-legend-band" aria-hidden="true"></span>
                    "色のついた帯が基準の範囲（"{r.text.clone()}"）です。"
                    <span class="trend-legend-out" aria-hidden="true"></span>
                    "大きな赤い点は範囲の外の値です。"
                </p>
            })}
            <table class="table trend-table">
                <caption class="visually-hidden">{format!("{title}の値")}</caption>
                <thead><tr><th scope="col">"受診日"</th><th scope="col">"値"</th><th scope="col">"判定"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn range(low: Option<f64>, high: Option<f64>) -> PortalReferenceRange {
        PortalReferenceRange {
            low,
            high,
            text: String::new(),
        }
    }

    #[test]
    fn the_axis_says_the_year_in_wareki() {
        assert_eq!(year_label("2023-06-01"), "令和5年");
        assert_eq!(year_label("2019-04-30"), "平成31年");
    }

    #[test]
    fn steps_are_one_two_or_five() {
        for (raw, want) in [
            (0.3, 0.5),
            (1.0, 1.0),
            (1.4, 2.0),
            (7.0, 10.0),
            (23.0, 50.0),
            (0.0, 1.0),
        ] {
            assert_eq!(nice_step(raw), want, "{raw}");
        }
        assert_eq!(number_label(5.60), "5.6");
        assert_eq!(number_label(130.0), "130");
        assert_eq!(number_label(0.125), "0.13");
    }

    #[test]
    fn points_fill_the_plot_oldest_left_and_the_band_covers_the_range() {
        let g = geometry(&[110.0, 125.0, 140.0], Some(&range(None, Some(120.0))));
        assert!(g.min <= 110.0 && g.max >= 140.0);
        let xs: Vec<f64> = g.points.iter().map(|p| p.0).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
        // Higher values are drawn higher (smaller y).
        assert!(g.points[2].1 < g.points[0].1);
        let (top, bottom) = g.band.unwrap();
        assert!(
            top > TOP && (bottom - (HEIGHT - BOTTOM)).abs() < 1e-9,
            "open low end reaches the axis"
        );
        assert!(!g.ticks.is_empty());
        for (x, y) in &g.points {
            assert!((LEFT..=WIDTH - RIGHT).contains(x) && (TOP..=HEIGHT - BOTTOM).contains(y));
        }
    }

    #[test]
    fn one_point_or_flat_values_still_draw() {
        let g = geometry(&[5.5], None);
        assert_eq!(g.points.len(), 1);
        assert!(g.max > g.min);
        let g = geometry(&[0.6], None);
        assert!(g.min >= 0.0 && g.min < 0.6 && g.max > 0.6, "{g:?}");
        // A value on the range's edge is not drawn on the frame.
        let g = geometry(&[105.0], Some(&range(None, Some(120.0))));
        assert!(g.min < 105.0 && g.max > 120.0, "{g:?}");
        let g = geometry(&[], Some(&range(Some(40.0), None)));
        assert!(g.points.is_empty() && g.band.is_some());
        let g = geometry(&[f64::NAN, 3.0], None);
        assert!(g.points.iter().all(|(x, y)| x.is_finite() && y.is_finite()));
    }
}
