//! Why a row is listed: the reason in words, the single-ticket note, and a calendar of the
//! recipient's days at every institution over M−2..M (`domain::screening::recipient_calendar`),
//! the row's institution first.

use domain::screening::{recipient_calendar, InstitutionCalendar, ScreeningRow};
use leptos::prelude::*;

use super::month_calendar::MonthCalendar;
use super::{reason_ja, ScreenedRef};
use crate::components::DateRangeJa;

#[component]
pub fn Evidence(row: ScreeningRow, screened: ScreenedRef) -> impl IntoView {
    let mut calendars = recipient_calendar(&screened.input, &row.recipient_number, screened.month);
    // The row's institution first, the others after in code order.
    calendars.sort_by_key(|c| c.institution_code != row.institution_code);
    let single = row.single_ticket.clone().map(|ticket| {
        let injuries = if ticket.injuries.is_empty() {
            "傷病名の記載なし（調剤券）".to_string()
        } else {
            ticket.injuries.join("、")
        };
        view! {
            <p class="note" data-testid="single-ticket">
                "この医療機関を指定する当月の医療券は1枚だけです（有効期間 "
                <DateRangeJa from=Some(ticket.valid_from.to_string()) until=Some(ticket.valid_until.to_string())/>
                "）。受診日はこの医療券の傷病（"{injuries}"）によるものです。"
            </p>
        }
    });
    view! {
        <div class="evidence" data-testid="evidence">
            <h3 class="evidence-title">{format!("{}さん（{}）の根拠", row.recipient_name, row.recipient_number)}</h3>
            <p class="evidence-reason" data-testid="evidence-reason">
                <strong>{row.category.label_ja()}": "</strong>{reason_ja(&row)}
            </p>
            {single}
            <p class="calendar-legend" data-testid="calendar-legend">
                "カレンダーの記号: "
                <span class="cal-key cal-visit">"○"</span>" 資格確認のあった日（受診日）、"
                <span class="cal-key cal-unentrusted">"未"</span>" 医療券のない日（未委託）、"
                <span class="cal-key cal-retroactive">"事"</span>" 後から医療券が発行された日（事後委託）"
            </p>
            {calendars
                .into_iter()
                .map(|calendar| {
                    let own = calendar.institution_code == row.institution_code;
                    institution_calendar_view(calendar, own)
                })
                .collect_view()}
        </div>
    }
}

/// One institution's three months.
fn institution_calendar_view(calendar: InstitutionCalendar, own: bool) -> impl IntoView {
    let totals: u32 = calendar
        .evidence
        .iter()
        .map(|m| u32::try_from(m.days.len()).unwrap_or(0))
        .sum();
    let kind = if calendar.counted {
        format!("{}・受診日数に数えます", calendar.score_table)
    } else {
        format!("{}・受診日数には数えません", calendar.score_table)
    };
    view! {
        <section
            class=if own { "institution-calendar own" } else { "institution-calendar" }
            data-testid="institution-calendar"
            data-institution=calendar.institution_code.clone()
        >
            <h4>
                {calendar.institution_name.clone()}
                <span class="muted">{format!("（{}、{kind}）3か月で{totals}日", calendar.institution_code)}</span>
                {own.then(|| view! { <span class="badge">"この行の医療機関"</span> })}
            </h4>
            <div class="calendar-months">
                {calendar
                    .evidence
                    .into_iter()
                    .map(|month| view! { <MonthCalendar month=month/> })
                    .collect_view()}
            </div>
        </section>
    }
}
