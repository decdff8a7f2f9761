//! Insights: the seed's measures as charts over Stint's own history — eligible share per tier
//! against the 90 % target, activations a day, approval latency, early deactivation and access
//! review completion against the 95 % target.

use leptos::prelude::*;
use leptos_meta::Title;
use pim_core::insights::{
    DayCount, ELIGIBLE_TARGET_PERCENT, InsightsReport, LatencyPoint, MonthCompletion, RatePoint,
    TierShare, percent_floor,
};
use pim_core::review::COMPLETION_TARGET_PERCENT;
use pim_core::time::{HOUR, humanize_seconds};

use crate::api::insights::insights;
use crate::components::chart::{Axis, BarChart, LineChart, Series, nice_max};
use crate::pages::LoadError;

#[component]
pub fn InsightsPage() -> impl IntoView {
    let report = crate::codec::resource(|| (), |()| insights());
    view! {
        <Title text="Insights · Stint" />
        <h1>"Insights"</h1>
        <p class="hint">
            "Computed from Stint's own history when the page opens; days are UTC. "
            <a href="/insights/alerts">"Alerts"</a>" lists what needs attention now."
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(r) => charts(r).into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn charts(report: InsightsReport) -> impl IntoView {
    // Each section is type-erased: one nested view type for the whole page overflows the
    // compiler's query depth.
    view! {
        {eligible_share(report.eligible_share).into_any()}
        {activations_per_day(report.activations_per_day).into_any()}
        {approval_latency(report.approval_latency).into_any()}
        {early_deactivation(report.early_deactivation).into_any()}
        {review_completion(report.review_completion).into_any()}
    }
}

fn percent_axis(target: Option<u32>) -> Axis {
    Axis {
        max: 100.0,
        unit: " %",
        target: target.map(f64::from),
    }
}

fn against_target(percent: u32, target: u32) -> String {
    if percent >= target {
        format!("meets the {target} % target")
    } else {
        format!("below the {target} % target")
    }
}

fn eligible_share(shares: Vec<TierShare>) -> impl IntoView {
    let labels: Vec<String> = shares
        .first()
        .map(|s| s.points.iter().map(|p| p.at.short_date()).collect())
        .unwrap_or_default();
    let headlines = shares
        .iter()
        .map(|s| {
            let tier = format!("Tier {}", s.tier.level());
            let text = match s.points.last() {
                Some(p) => match p.eligible_percent() {
                    Some(pct) => format!(
                        "{pct} % eligible ({} eligible, {} standing): {}",
                        p.eligible,
                        p.active,
                        against_target(pct, ELIGIBLE_TARGET_PERCENT)
                    ),
                    None => "no assignments".to_owned(),
                },
                None => "no assignments".to_owned(),
            };
            view! { <li><strong>{tier}": "</strong>{text}</li> }
        })
        .collect_view();
    let series = shares
        .iter()
        .zip(["s1", "s2", "s3"])
        .zip(["Tier 0", "Tier 1", "Tier 2"])
        .map(|((s, class), name)| Series {
            name,
            class,
            values: s
                .points
                .iter()
                .map(|p| p.eligible_percent().map(f64::from))
                .collect(),
        })
        .collect();
    view! {
        <section class="insight" aria-labelledby="share">
            <h2 id="share">"Eligible share of assignments"</h2>
            <ul class="headlines">{headlines}</ul>
            <LineChart
                label="Eligible share of assignments per tier, one point a day for 90 days, with the 90 % target".to_owned()
                labels series axis=percent_axis(Some(ELIGIBLE_TARGET_PERCENT))
            />
            <p class="hint">"Break-glass accounts are left out: their standing access is by design."</p>
        </section>
    }
}

fn activations_per_day(days: Vec<DayCount>) -> impl IntoView {
    let total: u32 = days.iter().map(|d| d.count).sum();
    let busiest = days.iter().filter(|d| d.count > 0).max_by_key(|d| d.count);
    let headline = match busiest {
        Some(d) => format!(
            "{total} {} in the last {} days; the busiest day was {} with {}.",
            if total == 1 {
                "activation"
            } else {
                "activations"
            },
            days.len(),
            d.day.short_date(),
            d.count
        ),
        None => format!("No activations in the last {} days.", days.len()),
    };
    let max = days.iter().map(|d| d.count).max().unwrap_or(0);
    view! {
        <section class="insight" aria-labelledby="per-day">
            <h2 id="per-day">"Activations a day"</h2>
            <p class="headline">{headline}</p>
            <BarChart
                label=format!("Activations a day over the last {} days", days.len())
                labels=days.iter().map(|d| d.day.short_date()).collect()
                series=Series {
                    name: "Activations",
                    class: "s1",
                    values: days.iter().map(|d| Some(f64::from(d.count))).collect(),
                }
                axis=Axis { max: nice_max(f64::from(max.max(2))), unit: "", target: None }
            />
        </section>
    }
}

fn approval_latency(weeks: Vec<LatencyPoint>) -> impl IntoView {
    let headline = match weeks.iter().rev().find(|w| w.decided > 0) {
        Some(w) => format!(
            "Week of {}: half the requests were decided within {}, nine in ten within {} ({} decided).",
            w.period.start.short_date(),
            humanize_seconds(w.p50.unwrap_or(0)),
            humanize_seconds(w.p90.unwrap_or(0)),
            w.decided
        ),
        None => format!(
            "No request went to approvers in the last {} weeks.",
            weeks.len()
        ),
    };
    let slowest = weeks.iter().filter_map(|w| w.p90).max().unwrap_or(0);
    let (per, unit) = if slowest > 2 * HOUR {
        (3600.0, " h")
    } else {
        (60.0, " min")
    };
    #[allow(clippy::cast_precision_loss)] // seconds of latency fit an f64 exactly
    let scaled = |s: Option<i64>| s.map(|s| s as f64 / per);
    let series = vec![
        Series {
            name: "p50",
            class: "s1",
            values: weeks.iter().map(|w| scaled(w.p50)).collect(),
        },
        Series {
            name: "p90",
            class: "s2",
            values: weeks.iter().map(|w| scaled(w.p90)).collect(),
        },
    ];
    let max = scaled(Some(slowest)).unwrap_or(0.0).max(2.0);
    view! {
        <section class="insight" aria-labelledby="latency">
            <h2 id="latency">"Approval latency"</h2>
            <p class="headline">{headline}</p>
            <LineChart
                label=format!("Approval latency p50 and p90 by week over {} weeks", weeks.len())
                labels=week_labels(weeks.iter().map(|w| w.period.start))
                series
                axis=Axis { max: nice_max(max), unit, target: None }
            />
        </section>
    }
}

fn week_labels(starts: impl Iterator<Item = pim_core::Timestamp>) -> Vec<String> {
    starts.map(|s| format!("wk {}", s.short_date())).collect()
}

fn early_deactivation(weeks: Vec<RatePoint>) -> impl IntoView {
    let ended: u32 = weeks.iter().map(|w| w.ended).sum();
    let early: u32 = weeks.iter().map(|w| w.early).sum();
    let headline = match percent_floor(early, ended) {
        Some(pct) => format!(
            "{pct} % of the activations that ended in the last {} weeks were ended early by their holder ({early} of {ended}).",
            weeks.len()
        ),
        None => format!("No activation ended in the last {} weeks.", weeks.len()),
    };
    view! {
        <section class="insight" aria-labelledby="early">
            <h2 id="early">"Early deactivation"</h2>
            <p class="headline">{headline}</p>
            <LineChart
                label=format!("Share of activations ended early, by week over {} weeks", weeks.len())
                labels=week_labels(weeks.iter().map(|w| w.period.start))
                series=vec![Series {
                    name: "Ended early",
                    class: "s1",
                    values: weeks.iter().map(|w| percent_floor(w.early, w.ended).map(f64::from)).collect(),
                }]
                axis=percent_axis(None)
            />
            <p class="hint">"A high rate suggests a role's maximum duration is longer than people need."</p>
        </section>
    }
}

fn review_completion(months: Vec<MonthCompletion>) -> impl IntoView {
    let headline = match months
        .iter()
        .rev()
        .find_map(|m| m.completion.percent().map(|p| (m, p)))
    {
        Some((m, pct)) => format!(
            "{}: {pct} % reviewed ({} of {} items): {}.",
            m.month.month_text(),
            m.completion.answered,
            m.completion.total,
            against_target(pct, COMPLETION_TARGET_PERCENT)
        ),
        None => format!(
            "No access review ended in the last {} months.",
            months.len()
        ),
    };
    view! {
        <section class="insight" aria-labelledby="reviews">
            <h2 id="reviews">"Access review completion"</h2>
            <p class="headline">{headline}</p>
            <BarChart
                label=format!("Access review completion by month over {} months, with the 95 % target", months.len())
                labels=months.iter().map(|m| m.month.month_text()).collect()
                series=Series {
                    name: "Reviewed",
                    class: "s2",
                    values: months.iter().map(|m| m.completion.percent().map(f64::from)).collect(),
                }
                axis=percent_axis(Some(COMPLETION_TARGET_PERCENT))
            />
        </section>
    }
}
