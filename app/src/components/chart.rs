//! Small charts drawn as inline SVG on the server: they show without JavaScript and bring no
//! chart library into the WASM. Each chart's figures are also in a table below it, for screen
//! readers and for anyone who wants the numbers.

use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One line of a line chart; `None` leaves a gap (a day or week without data).
#[derive(Debug, Clone)]
pub struct Series {
    pub name: &'static str,
    /// A CSS class that picks the colour: `s1`, `s2`, `s3`.
    pub class: &'static str,
    pub values: Vec<Option<f64>>,
}

/// The y axis: from 0 to `max`, values shown with `unit` ("%", " h", "").
#[derive(Debug, Clone, Copy)]
pub struct Axis {
    pub max: f64,
    pub unit: &'static str,
    /// A dashed line at this value, such as the seed's 90 % target.
    pub target: Option<f64>,
}

impl Axis {
    fn y(self, value: f64) -> f64 {
        let plot = HEIGHT - TOP - BOTTOM;
        TOP + plot * (1.0 - (value / self.max.max(f64::EPSILON)).clamp(0.0, 1.0))
    }

    fn text(self, value: f64) -> String {
        format!("{}{}", round_text(value), self.unit)
    }
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `value`, so axis ticks are round numbers.
#[must_use]
pub fn nice_max(value: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for factor in [1.0, 2.0, 5.0] {
            if value <= step * factor {
                return step * factor;
            }
        }
        step *= 10.0;
    }
}

fn round_text(value: f64) -> String {
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn x_of(index: usize, count: usize) -> f64 {
    let plot = WIDTH - LEFT - RIGHT;
    if count <= 1 {
        return LEFT + plot / 2.0;
    }
    #[allow(clippy::cast_precision_loss)] // a chart has a few hundred points at most
    let share = index as f64 / (count - 1) as f64;
    LEFT + plot * share
}

/// The SVG path of a series, broken where values are missing.
fn path_of(values: &[Option<f64>], axis: Axis) -> String {
    let mut d = String::new();
    let mut pen_down = false;
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => {
                let command = if pen_down { 'L' } else { 'M' };
                d.push_str(&format!(
                    "{command}{:.1} {:.1} ",
                    x_of(i, values.len()),
                    axis.y(*v)
                ));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d
}

/// Points with no neighbour on either side: a path cannot show them, so they get a dot.
fn lone_points(values: &[Option<f64>], axis: Axis) -> Vec<(f64, f64)> {
    let present = |i: Option<usize>| i.and_then(|i| values.get(i)).is_some_and(Option::is_some);
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .filter(|(i, _)| !present(i.checked_sub(1)) && !present(Some(i + 1)))
        .map(|(i, v)| (x_of(i, values.len()), axis.y(v)))
        .collect()
}

/// Grid lines at 0, half and the top, with their labels; the target line if any.
fn frame(axis: Axis) -> impl IntoView {
    let ticks = [0.0, axis.max / 2.0, axis.max];
    view! {
        {ticks.into_iter().map(|t| view! {
            <line class="grid" x1=LEFT x2=WIDTH - RIGHT y1=axis.y(t) y2=axis.y(t) />
            <text class="tick" x=LEFT - 6.0 y=axis.y(t) + 4.0 text-anchor="end">{axis.text(t)}</text>
        }).collect_view()}
        {axis.target.map(|t| view! {
            <line class="target" x1=LEFT x2=WIDTH - RIGHT y1=axis.y(t) y2=axis.y(t) />
            <text class="tick target-label" x=WIDTH - RIGHT y=axis.y(t) - 4.0 text-anchor="end">
                {format!("target {}", axis.text(t))}
            </text>
        })}
    }
}

/// First, middle and last x labels, so the axis never crowds.
fn x_labels(labels: &[String]) -> impl IntoView + use<> {
    let n = labels.len();
    let mut picked: Vec<usize> = vec![0, n / 2, n.saturating_sub(1)];
    picked.dedup();
    picked
        .into_iter()
        .filter_map(|i| labels.get(i).map(|l| (i, l.clone())))
        .map(|(i, label)| {
            let anchor = if i == 0 { "start" } else if i + 1 == n { "end" } else { "middle" };
            view! { <text class="tick" x=x_of(i, n) y=HEIGHT - 8.0 text-anchor=anchor>{label}</text> }
        })
        .collect_view()
}

#[component]
pub fn LineChart(
    /// What the chart shows, for assistive technology.
    label: String,
    labels: Vec<String>,
    series: Vec<Series>,
    axis: Axis,
) -> impl IntoView {
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    let table = FigureTable::new(&labels, &series, axis);
    view! {
        <figure class="chart">
            <svg viewBox=view_box role="img" aria-label=label>
                {frame(axis)}
                {series.iter().map(|s| view! {
                    <path class=format!("line {}", s.class) d=path_of(&s.values, axis) />
                    {lone_points(&s.values, axis).into_iter().map(|(cx, cy)| view! {
                        <circle class=format!("dot {}", s.class) cx=cx cy=cy r=3.5 />
                    }).collect_view()}
                }).collect_view()}
                {x_labels(&labels)}
            </svg>
            <figcaption class="legend">
                {series.iter().map(|s| view! {
                    <span class=format!("key {}", s.class)>{s.name}</span>
                }).collect_view()}
            </figcaption>
            {table.view()}
        </figure>
    }
    .into_any()
}

#[component]
pub fn BarChart(label: String, labels: Vec<String>, series: Series, axis: Axis) -> impl IntoView {
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    let n = labels.len().max(1);
    #[allow(clippy::cast_precision_loss)] // a chart has a few dozen bars
    let slot = (WIDTH - LEFT - RIGHT) / n as f64;
    let bars = series
        .values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .map(|(i, v)| {
            #[allow(clippy::cast_precision_loss)]
            let x = LEFT + slot * i as f64 + slot * 0.15;
            let y = axis.y(v);
            view! { <rect class=format!("bar {}", series.class) x=x y=y width=slot * 0.7 height=axis.y(0.0) - y /> }
        })
        .collect_view();
    let table = FigureTable::new(&labels, std::slice::from_ref(&series), axis);
    view! {
        <figure class="chart">
            <svg viewBox=view_box role="img" aria-label=label>
                {frame(axis)}
                {bars}
                {x_labels(&labels)}
            </svg>
            {table.view()}
        </figure>
    }
    .into_any()
}

/// The chart's numbers as a table, folded away under "Figures".
struct FigureTable {
    headers: Vec<&'static str>,
    rows: Vec<(String, Vec<String>)>,
}

impl FigureTable {
    fn new(labels: &[String], series: &[Series], axis: Axis) -> Self {
        let rows = labels
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let cells = series
                    .iter()
                    .map(|s| {
                        s.values
                            .get(i)
                            .copied()
                            .flatten()
                            .map_or_else(|| "–".to_owned(), |v| axis.text(v))
                    })
                    .collect();
                (label.clone(), cells)
            })
            .collect();
        Self {
            headers: series.iter().map(|s| s.name).collect(),
            rows,
        }
    }

    fn view(self) -> impl IntoView {
        view! {
            <details class="figures">
                <summary>"Figures"</summary>
                <table class="list">
                    <thead><tr><th></th>{self.headers.into_iter().map(|h| view! { <th>{h}</th> }).collect_view()}</tr></thead>
                    <tbody>
                        {self.rows.into_iter().map(|(label, cells)| view! {
                            <tr><th scope="row">{label}</th>{cells.into_iter().map(|c| view! { <td>{c}</td> }).collect_view()}</tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </details>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERCENT: Axis = Axis {
        max: 100.0,
        unit: " %",
        target: Some(90.0),
    };

    #[test]
    fn axis_tops_are_round_numbers_at_or_above_the_largest_value() {
        assert_eq!(nice_max(2.0), 2.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(101.0), 200.0);
    }

    #[test]
    fn a_line_breaks_where_values_are_missing_and_a_lone_point_gets_a_dot() {
        let values = [Some(100.0), Some(0.0), None, Some(50.0)];
        let d = path_of(&values, PERCENT);
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 1, "{d}");
        let dots = lone_points(&values, PERCENT);
        assert_eq!(dots.len(), 1, "only the last point stands alone");
        assert_eq!(dots[0], (WIDTH - RIGHT, PERCENT.y(50.0)));
    }

    #[test]
    fn values_map_into_the_plot_and_out_of_range_values_are_clamped() {
        assert_eq!(PERCENT.y(100.0), TOP);
        assert_eq!(PERCENT.y(0.0), HEIGHT - BOTTOM);
        assert_eq!(PERCENT.y(250.0), TOP);
        assert_eq!(PERCENT.text(90.0), "90 %");
        assert_eq!(PERCENT.text(2.5), "2.5 %");
    }
}
