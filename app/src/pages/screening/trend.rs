//! The monthly trend of candidate counts over the last six months, as a small inline SVG bar
//! chart with Japanese axis labels and, for screen readers and anyone who prefers numbers,
//! the same counts as a table. Earlier months come from the server's run of the same
//! screening (`GET /api/office/screening/result`); the chosen month is this page's own.

use domain::screening::{month_label, shift_month, ScreeningSummary};
use leptos::prelude::*;

use crate::api;
use crate::session::use_session;

/// Months in the chart, the chosen one last.
const MONTHS: i32 = 6;
const WIDTH: f64 = 520.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 48.0;

/// One month of the chart: counts, or none when the server could not say.
#[derive(Debug, Clone, PartialEq)]
struct Point {
    month: (i32, u32),
    counts: Option<(u32, u32, u32)>,
}

/// The axis top: a round number at or above `max`.
fn axis_max(max: u32) -> u32 {
    match max {
        0..=4 => 4,
        5..=10 => 10,
        _ => {
            let step = 10u32.pow(max.ilog10());
            max.div_ceil(step) * step
        }
    }
}

#[component]
pub fn CandidateTrend(month: (i32, u32), summary: ScreeningSummary) -> impl IntoView {
    let session = use_session();
    let earlier = LocalResource::new(move || async move {
        let mut points = Vec::new();
        for back in (1..MONTHS).rev() {
            let m = shift_month(month, -back);
            let counts = session
                .check(api::office_screening_result(&month_label(m)).await)
                .ok()
                .map(|r| {
                    (
                        r.summary.frequent,
                        r.summary.short_intensive,
                        r.summary.unentrusted,
                    )
                });
            points.push(Point { month: m, counts });
        }
        points
    });
    let current = Point {
        month,
        counts: Some((
            summary.frequent,
            summary.short_intensive,
            summary.unentrusted,
        )),
    };
    view! {
        <section class="screening-trend" aria-labelledby="trend-title" data-testid="screening-trend">
            <h2 id="trend-title">"候補件数の推移（6か月）"</h2>
            {move || match earlier.get() {
                None => view! {
                    <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>"過去の月を集計しています…"</p>
                }
                .into_any(),
                Some(mut points) => {
                    points.push(current.clone());
                    chart(points).into_any()
                }
            }}
        </section>
    }
}

fn chart(points: Vec<Point>) -> impl IntoView {
    let max = points
        .iter()
        .filter_map(|p| p.counts)
        .map(|(f, s, u)| f.max(s).max(u))
        .max()
        .unwrap_or(0);
    let top = axis_max(max);
    let plot_height = HEIGHT - TOP - BOTTOM;
    let y_of = |v: u32| TOP + plot_height - f64::from(v) / f64::from(top) * plot_height;
    let slot = (WIDTH - LEFT - RIGHT) / points.len().max(1) as f64;
    let bar = slot / 4.0;
    let axis_y = HEIGHT - BOTTOM;
    let ticks = [0, top / 2, top]
        .into_iter()
        .map(|v| {
            view! {
                <line class="trend-grid" x1=LEFT x2=WIDTH - RIGHT y1=y_of(v) y2=y_of(v)/>
                <text class="trend-axis" x=LEFT - 6.0 y=y_of(v) + 4.0 text-anchor="end">{v.to_string()}</text>
            }
        })
        .collect_view();
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x0 = LEFT + slot * i as f64 + slot / 8.0;
            let (_, month_number) = p.month;
            let label = view! {
                <text class="trend-axis" x=x0 + bar * 1.5 y=axis_y + 16.0 text-anchor="middle">{format!("{month_number}月")}</text>
            };
            let series = p.counts.map(|(frequent, short, unentrusted)| {
                [(frequent, "bar-frequent"), (short, "bar-short"), (unentrusted, "bar-unentrusted")]
                    .into_iter()
                    .enumerate()
                    .map(|(k, (value, class))| {
                        let x = x0 + bar * k as f64;
                        let y = y_of(value);
                        view! {
                            <rect class=class x=x y=y width=bar - 2.0 height=(axis_y - y).max(0.0)/>
                            <text class="trend-value" x=x + bar / 2.0 - 1.0 y=y - 3.0 text-anchor="middle">{value.to_string()}</text>
                        }
                    })
                    .collect_view()
            });
            view! { {series}{label} }
        })
        .collect_view();
    let rows = points
        .iter()
        .map(|p| {
            let (year, month_number) = p.month;
            let cells = match p.counts {
                Some((f, s, u)) => [f.to_string(), s.to_string(), u.to_string()],
                None => ["—".to_string(), "—".to_string(), "—".to_string()],
            };
            let [f, s, u] = cells;
            view! {
                <tr data-testid="trend-row" data-month=month_label(p.month)>
                    <th scope="row">{domain::wareki::format_month(year, month_number)}</th>
                    <td class="number">{f}</td>
                    <td class="number">{s}</td>
                    <td class="number">{u}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <figure class="trend" data-testid="trend-figure">
            <svg class="trend-svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-labelledby="trend-title" aria-describedby="trend-table-caption">
                {ticks}
                <line class="trend-axis-line" x1=LEFT x2=WIDTH - RIGHT y1=axis_y y2=axis_y/>
                {bars}
                <text class="trend-axis" x=14.0 y=TOP + plot_height / 2.0 text-anchor="middle" transform=format!("rotate(-90 14 {})", TOP + plot_height / 2.0)>"件数"</text>
                <text class="trend-axis" x=LEFT + (WIDTH - LEFT - RIGHT) / 2.0 y=HEIGHT - 8.0 text-anchor="middle">"診療年月"</text>
            </svg>
            <figcaption class="trend-legend">
                <span class="legend-swatch bar-frequent" aria-hidden="true"></span>"頻回受診候補（左）"
                <span class="legend-swatch bar-short" aria-hidden="true"></span>"短期集中治療の可能性（中）"
                <span class="legend-swatch bar-unentrusted" aria-hidden="true"></span>"未委託受診（右）"
            </figcaption>
            <table class="table trend-table" data-testid="trend-table">
                <caption id="trend-table-caption">"月ごとの件数（グラフと同じ値）"</caption>
                <thead>
                    <tr>
                        <th scope="col">"診療年月"</th>
                        <th scope="col" class="number">"頻回受診候補"</th>
                        <th scope="col" class="number">"短期集中"</th>
                        <th scope="col" class="number">"未委託受診"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round() {
        for (max, want) in [(0, 4), (3, 4), (7, 10), (11, 20), (140, 200), (4908, 5000)] {
            assert_eq!(axis_max(max), want, "{max}");
        }
    }
}
