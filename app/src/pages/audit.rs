//! The audit log: every event with filters and keyset paging for auditors (Audit), and each
//! person's own events (My audit).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::audit::{AuditEventView, AuditPageView, VerifyAuditLog, audit_log, my_audit_log};
use crate::components::time::DateTime;
use crate::error::AppError;
use crate::pages::LoadError;

const FILTERS: [&str; 7] = [
    "actor", "subject", "action", "role", "outcome", "from", "to",
];

/// Audit: filters in the query string, so a filtered view is a link an auditor can share.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let field = move |name: &'static str| query.read().get(name).unwrap_or_default();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let page = crate::codec::resource(
        move || (FILTERS.map(field), before()),
        |([actor, subject, action, role, outcome, from, to], before)| {
            audit_log(actor, subject, action, role, outcome, from, to, before)
        },
    );
    let verify = ServerAction::<VerifyAuditLog>::new();
    let outcome_is = move |o: &str| field("outcome") == o;
    view! {
        <Title text="Audit · Stint" />
        <h1>"Audit log"</h1>
        <form method="get" class="search filters" role="search">
            <label>"Actor (e-mail) "<input type="email" name="actor" value=field("actor") /></label>
            <label>"About (e-mail) "<input type="email" name="subject" value=field("subject") /></label>
            <label>"Action "<input name="action" value=field("action") placeholder="role.selfActivate" /></label>
            <label>"Role "<input name="role" value=field("role") placeholder="Global Administrator" /></label>
            <label>"Outcome "
                <select name="outcome">
                    <option value="">"Any"</option>
                    <option value="success" selected=outcome_is("success")>"Success"</option>
                    <option value="failure" selected=outcome_is("failure")>"Failure"</option>
                </select>
            </label>
            <label>"From (UTC) "<input type="date" name="from" value=field("from") /></label>
            <label>"To (UTC) "<input type="date" name="to" value=field("to") /></label>
            <button type="submit" class="button secondary">"Filter"</button>
            " "<a href="/audit">"Clear"</a>
        </form>
        <p class="downloads">
            "Download these events: "
            <a href=move || export_href("csv", &FILTERS.map(field)) download>"CSV"</a>" · "
            <a href=move || export_href("jsonl", &FILTERS.map(field)) download>"JSON lines"</a>
            " · "<a href="/audit/streams">"Streaming to SIEMs"</a>
        </p>
        <ActionForm action=verify attr:class="inline">
            <button type="submit" class="button secondary">"Verify the chain"</button>
        </ActionForm>
        {move || verify.value().get().map(|r| match r {
            Ok(v) if v.intact => view! { <p class="notice success" role="status">{v.message}</p> }.into_any(),
            Ok(v) => view! { <p class="notice error" role="alert">{v.message}</p> }.into_any(),
            Err(e) => view! { <p class="notice error" role="alert">{e.message}</p> }.into_any(),
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let filters: Vec<(&str, String)> = FILTERS.iter().map(|f| (*f, field(f))).collect();
                events(page.await, &filters, "No event matches these filters.")
            })}
        </Transition>
    }
}

/// My audit: what I did and what was done about me.
#[component]
pub fn MyAuditPage() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let page = crate::codec::resource(before, my_audit_log);
    view! {
        <Title text="My audit · Stint" />
        <h1>"My audit"</h1>
        <p>"Everything you did in Stint and everything done about you, newest first."</p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move { events(page.await, &[], "Nothing yet.") })}
        </Transition>
    }
}

/// The table and the "Older" link, which keeps `filters` and pages by sequence number.
fn events(
    page: Result<AuditPageView, AppError>,
    filters: &[(&str, String)],
    empty: &'static str,
) -> AnyView {
    match page {
        Ok(p) if p.events.is_empty() => view! { <p class="empty">{empty}</p> }.into_any(),
        Ok(p) => {
            let older = p.older_than.map(|seq| {
                let mut href = String::from("?");
                for (name, value) in filters.iter().filter(|(_, v)| !v.is_empty()) {
                    href.push_str(&format!("{name}={}&", encode(value)));
                }
                format!("{href}before={seq}")
            });
            view! {
                <table class="list audit">
                    <thead><tr><th>"#"</th><th>"When"</th><th>"Action"</th><th>"Outcome"</th><th>"By"</th><th>"About"</th><th>"Details"</th></tr></thead>
                    <tbody>{p.events.into_iter().map(|e| view! { <EventRow e /> }).collect_view()}</tbody>
                </table>
                <nav class="pager" aria-label="Pages">
                    {older.map(|href| view! { <a href=href>"Older events"</a> })}
                </nav>
            }
            .into_any()
        }
        Err(error) => view! { <LoadError error /> }.into_any(),
    }
}

/// One event; its full details and hashes open in place.
#[component]
fn EventRow(e: AuditEventView) -> impl IntoView {
    view! {
        <tr>
            <td>{e.seq}</td>
            <td><DateTime at=e.at /></td>
            <td><code>{e.action}</code></td>
            <td>{e.outcome}</td>
            <td>{e.actor.unwrap_or_else(|| "Stint".into())}</td>
            <td>{e.subject.unwrap_or_default()}</td>
            <td>
                <details>
                    <summary>"Show"</summary>
                    <pre class="text">{e.details}</pre>
                    <p class="hash">"Hash "<code>{e.hash}</code></p>
                    <p class="hash">"Follows "<code>{e.prev_hash}</code></p>
                </details>
            </td>
        </tr>
    }
}

/// The export of the events the filters select (all of them, not one page).
fn export_href(format: &str, values: &[String; 7]) -> String {
    let query: Vec<String> = (FILTERS.iter().zip(values))
        .filter(|(_, v)| !v.is_empty())
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    format!("/audit/export/{format}?{}", query.join("&"))
}

/// Percent-encodes a query value (e-mail addresses and dates need only a few escapes).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
