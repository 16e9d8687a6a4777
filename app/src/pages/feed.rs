//! `/office/feed?date=YYYY-MM-DD`: 資格確認実績の日次連携 — the office's verifications of one
//! JST day (yesterday by default; product.md §2 IV), as a table and as the daily feed file
//! (CSV, UTF-8 or CP932) from `GET /api/office/feed.csv`.

use chrono::NaiveDate;
use domain::api::{DailyFeed, FeedBuild, FeedRow};
use domain::codes::QualificationValidity;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api;
use crate::components::{ErrorBanner, LoadError, Loading, PageHeading};
use crate::download::{csv_mime, save_file, SAVE_FAILED};
use crate::format::{instant_ja, time_ja};
use crate::session::use_session;

#[component]
pub fn FeedPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let yesterday = move || {
        session
            .info
            .with(|info| {
                info.as_ref()
                    .and_then(|info| domain::wareki::parse_iso_date(&info.today))
            })
            .and_then(|today| today.pred_opt())
    };
    // The chosen day, or yesterday; `Err` for a date that cannot be read.
    let date = Memo::new(move |_| match query.with(|q| q.get("date")) {
        Some(text) if !text.trim().is_empty() => {
            domain::wareki::parse_date_input(&text).map_err(|e| e.to_string())
        }
        _ => yesterday().ok_or_else(|| "今日の日付がわかりません。".to_string()),
    });
    let date_input = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Ok(day) = date.get() {
            date_input.set(day.to_string());
        }
    });
    let feed = LocalResource::new(move || async move {
        match date.get() {
            Ok(day) => Some(session.check(api::office_feed(Some(&day.to_string())).await)),
            Err(_) => None,
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let text = date_input.get_untracked();
        navigate(
            &format!("/office/feed?date={}", text.trim()),
            Default::default(),
        );
    };

    view! {
        <section class="page feed-page">
            <PageHeading title="資格確認の日次連携" testid="feed-heading"/>
            <p class="lead">"医療機関・薬局で行われた、この事務所の受給者の資格確認です。毎朝、前日分を連携します。"</p>
            <form class="feed-controls" on:submit=on_submit data-testid="feed-date-form">
                <div class="field">
                    <label for="feed-date">"資格確認日"</label>
                    <input
                        id="feed-date"
                        type="date"
                        data-testid="feed-date"
                        prop:value=move || date_input.get()
                        on:input=move |ev| date_input.set(event_target_value(&ev))
                    />
                </div>
                <button type="submit" class="button" data-testid="feed-show">"表示"</button>
            </form>
            {move || date.get().err().map(|message| view! { <ErrorBanner message=message/> })}
            {move || match feed.get() {
                None => view! { <Loading/> }.into_any(),
                Some(None) => ().into_any(),
                Some(Some(Ok(feed))) => view! { <FeedTable feed=feed/> }.into_any(),
                Some(Some(Err(failure))) => view! {
                    <LoadError failure=failure retry=Callback::new(move |_| feed.refetch())/>
                }
                .into_any(),
            }}
        </section>
    }
}

#[component]
fn FeedTable(feed: DailyFeed) -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let count = feed.rows.len();
    let day_ja = domain::wareki::parse_iso_date(&feed.date)
        .map(domain::wareki::format_date)
        .unwrap_or_else(|| feed.date.clone());
    let day = domain::wareki::parse_iso_date(&feed.date);
    let today = session.info.with_untracked(|info| {
        info.as_ref()
            .and_then(|info| domain::wareki::parse_iso_date(&info.today))
    });
    let built = built_line(feed.built.as_ref(), count, day, today);
    let date = feed.date.clone();
    let office = feed.office_number.clone();
    let download = move |cp932: bool| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let date = date.clone();
        let office = office.clone();
        spawn_local(async move {
            match session.check(api::office_feed_csv(&date, cp932).await) {
                Ok(bytes) => {
                    let suffix = if cp932 { "-sjis" } else { "" };
                    let name = format!("feed-{office}-{date}{suffix}.csv");
                    if save_file(&bytes, &name, csv_mime(cp932)).is_err() {
                        error.try_set(Some(SAVE_FAILED.to_string()));
                    }
                }
                Err(failure) => {
                    error.try_set(Some(failure.message()));
                }
            }
            busy.try_set(false);
        });
    };
    let download_cp932 = download.clone();
    view! {
        <h2 id="feed-title">
            {format!("{day_ja}の資格確認 ")}
            <span data-testid="feed-count">{count}</span>"件"
        </h2>
        <p class="muted" data-testid="feed-built">{built}</p>
        <div class="button-row">
            <button type="button" class="button button-primary" data-testid="feed-csv-utf8"
                disabled=move || busy.get() on:click=move |_| download(false)>
                "CSV（UTF-8）をダウンロード"
            </button>
            <button type="button" class="button" data-testid="feed-csv-cp932"
                disabled=move || busy.get() on:click=move |_| download_cp932(true)>
                "CSV（Shift_JIS / CP932）をダウンロード"
            </button>
        </div>
        {move || error.get().map(|message| view! { <ErrorBanner message=message/> })}
        {if feed.rows.is_empty() {
            view! { <p class="empty" data-testid="feed-empty">"この日の資格確認はありません。"</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap" role="region" aria-labelledby="feed-title" tabindex="0">
                    <table class="table" data-testid="feed-table">
                        <caption class="visually-hidden">{format!("{day_ja}の資格確認 {count}件")}</caption>
                        <thead>
                            <tr>
                                <th scope="col">"時刻"</th>
                                <th scope="col">"医療機関"</th>
                                <th scope="col">"受給者番号"</th>
                                <th scope="col">"氏名"</th>
                                <th scope="col">"照会区分"</th>
                                <th scope="col">"資格有効性"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {feed.rows.into_iter().map(feed_row).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }}
    }
}

/// The line under the heading: when the feed file was built, or why there is none. A past
/// day without any verification has nothing to build: it says so rather than 「まだ」.
fn built_line(
    built: Option<&FeedBuild>,
    rows: usize,
    day: Option<NaiveDate>,
    today: Option<NaiveDate>,
) -> String {
    match built {
        Some(b) => format!(
            "連携ファイル作成: {}（{}件）",
            instant_ja(&b.built_at),
            b.count
        ),
        None if rows == 0 && matches!((day, today), (Some(d), Some(t)) if d < t) => {
            "この日は資格確認がなかったため、連携するデータはありません。".to_string()
        }
        None => {
            "この日の連携ファイルはまだ作成されていません（毎朝の処理で作成されます）。".to_string()
        }
    }
}

fn feed_row(row: FeedRow) -> impl IntoView {
    let validity_class = match row.validity {
        QualificationValidity::Valid => "badge badge-ok",
        QualificationValidity::ValidUnregistered => "badge badge-warn",
        _ => "badge badge-bad",
    };
    // A number in the 台帳 links to the recipient's page; any other is said so.
    let name = match (row.recipient_name.is_empty(), row.recipient_id) {
        (true, _) => view! { <span class="muted">"（台帳にない番号）"</span> }.into_any(),
        (false, Some(id)) => view! {
            <a href=format!("/office/recipients/{id}")>{row.recipient_name.clone()}</a>
        }
        .into_any(),
        (false, None) => view! { <span>{row.recipient_name.clone()}</span> }.into_any(),
    };
    view! {
        <tr data-testid="feed-row" data-recipient=row.recipient_number.clone()>
            <td>
                {time_ja(&row.verified_at)}
                {row.offline.then(|| view! { <span class="badge">"オフライン"</span> })}
            </td>
            <td>{row.institution_name.clone()}<span class="muted">{format!(" ({})", row.institution_code)}</span></td>
            <td class="number">{row.recipient_number.clone()}</td>
            <td class="name-cell">{name}</td>
            <td>{row.reference.label_ja()}</td>
            // The desk's words (「未委託・未登録」 for 6), not the file layout's.
            <td><span class=validity_class>{row.validity.screen_label_ja()}</span></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_past_day_without_verifications_says_there_were_none() {
        let d = |s: &str| domain::wareki::parse_iso_date(s);
        let today = d("2024-06-12");
        let none = built_line(None, 0, d("2024-06-10"), today);
        assert!(none.contains("資格確認がなかった"), "{none}");
        assert!(!none.contains("まだ"), "{none}");
        // Today, or a past day whose verifications are not built yet: not yet.
        assert!(built_line(None, 0, d("2024-06-12"), today).contains("まだ作成されていません"));
        assert!(built_line(None, 3, d("2024-06-10"), today).contains("まだ作成されていません"));
        assert!(built_line(None, 0, d("2024-06-10"), None).contains("まだ作成されていません"));
    }
}
