//! Picking the 指定医療機関 from the office's list by code or name: a search box, then a
//! list box (a native `<select>`, so arrows, Home/End and type-ahead work), and the
//! choice spelled out. Ten digits typed in the box that match one institution pick it.

use domain::api::InstitutionOption;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::fields::FormState;
use crate::api;

/// How a chosen institution is shown: name, 点数表, whether it takes online verification,
/// and its 廃止年月日 if it is abolished.
pub fn option_label(option: &InstitutionOption) -> String {
    format!(
        "{}（{}・{}{}）",
        option.name,
        option.score_table_label,
        if option.online_capable {
            "オンライン資格確認対応"
        } else {
            "オンライン未対応: 紙の券が必要"
        },
        abolished_note(option)
    )
}

/// 「・廃止 令和8年10月31日 (2026/10/31)」, or nothing for an institution in force.
fn abolished_note(option: &InstitutionOption) -> String {
    option
        .abolished_on
        .as_deref()
        .map(|day| format!("・廃止 {}", domain::wareki::format_iso_date(day)))
        .unwrap_or_default()
}

#[component]
pub fn InstitutionPicker(
    id: &'static str,
    label: &'static str,
    /// The field name in errors (指定医療機関コード …).
    field: &'static str,
    form: FormState,
    /// The chosen 医療機関コード.
    code: RwSignal<String>,
    /// The chosen institution's name, as shown (kept when amending).
    name: RwSignal<String>,
    /// 点数表番号 to search in (4 for pharmacies), or any.
    table: Signal<Option<u8>>,
    error: Memo<Option<String>>,
) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Vec::<InstitutionOption>::new());
    let searched = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let search_id = format!("{id}-q");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let status_id = format!("{id}-status");
    let list_error_id = error_id.clone();

    let choose = move |option: &InstitutionOption| {
        code.set(option.code.clone());
        name.set(option_label(option));
        form.edited(field);
    };
    let search = move || {
        let q = query.get_untracked();
        if q.trim().is_empty() {
            searched.set(Some(
                "コードまたは名称を入力してから検索してください。".into(),
            ));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let answer = api::office_institutions(q.trim(), table.get_untracked()).await;
            busy.set(false);
            match answer {
                Ok(list) => {
                    let n = list.items.len();
                    // An abolished institution is listed (with its 廃止年月日) but never
                    // chosen for the caseworker.
                    let only = match list.items.as_slice() {
                        [only] if only.abolished_on.is_none() => Some(only),
                        _ => None,
                    };
                    if let Some(only) = only {
                        choose(only);
                    }
                    searched.set(Some(match (n, list.truncated) {
                        (0, _) => "該当する指定医療機関はありません。".to_string(),
                        (1, _) if only.is_some() => "1件見つかり、選択しました。".to_string(),
                        (1, _) => "1件見つかりましたが、廃止された医療機関です。".to_string(),
                        (n, true) => {
                            format!("{n}件以上あります。一覧から選ぶか、さらに絞り込んでください。")
                        }
                        (n, false) => format!("{n}件見つかりました。一覧から選んでください。"),
                    }));
                    results.set(list.items);
                }
                Err(failure) => searched.set(Some(failure.message())),
            }
        });
    };
    let search_key = search;
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            // Enter searches here instead of submitting the whole form.
            ev.prevent_default();
            search_key();
        }
    };

    view! {
        <fieldset class="field institution-picker" data-testid=id>
            <legend>{label} <span class="required">"（必須）"</span></legend>
            <label for=search_id.clone()>"コードまたは名称で検索"</label>
            <div class="search-row">
                <input id=search_id.clone() type="search" autocomplete="off" data-testid=format!("{id}-q")
                    aria-describedby=format!("{hint_id} {status_id}")
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=on_key/>
                <button type="button" class="button" data-testid=format!("{id}-search")
                    disabled=move || busy.get() on:click=move |_| search()>"検索"</button>
            </div>
            <p class="hint" id=hint_id.clone()>"10桁の医療機関コード、または名称の一部（例: みなと台）"</p>
            <p class="field-state" id=status_id role="status">{move || searched.get()}</p>
            {move || (!results.with(Vec::is_empty)).then(|| {
                let options = results.get();
                let options_for_change = options.clone();
                let list_size = options.len().clamp(2, 6).to_string();
                let error_id = list_error_id.clone();
                view! {
                    <label for=id>"検索結果から選ぶ"</label>
                    <select id=id size=list_size data-testid=format!("{id}-select")
                        aria-describedby=error_id
                        on:change=move |ev| {
                            let chosen = event_target_value(&ev);
                            if let Some(option) = options_for_change.iter().find(|o| o.code == chosen) {
                                choose(option);
                            }
                        }>
                        {options.into_iter().map(|o| {
                            let selected = o.code == code.get_untracked();
                            let text = format!(
                                "{} {}（{}{}{}）",
                                o.code,
                                o.name,
                                o.score_table_label,
                                if o.online_capable { "" } else { "・オンライン未対応" },
                                abolished_note(&o)
                            );
                            view! { <option value=o.code selected=selected>{text}</option> }
                        }).collect_view()}
                    </select>
                }
            })}
            <p class="chosen" data-testid=format!("{id}-chosen")>
                {move || if code.with(String::is_empty) {
                    "未選択".to_string()
                } else {
                    format!("選択中: {} {}", code.get(), name.get())
                }}
            </p>
            <p class="field-state" id=error_id>
                {move || error.get().map(|m| view! { <span class="field-error">{m}</span> })}
            </p>
        </fieldset>
    }
}
