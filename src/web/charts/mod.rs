//! Charts drawn on the server as SVG text: no script, nothing fetched. Pure functions from numbers
//! and words to markup; every word is escaped with askama's HTML escaper, so a unit or category
//! name can never become markup.
//!
//! Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that says in words what
//! the picture shows (its text alternative), a `viewBox` and `width="100%"`, so it scales to the
//! screen: on a 360 px phone the 320-unit-wide drawing is drawn about 1:1, its type at 16 px and
//! 14 px. Colours are presentation attributes, not `style` (the Content-Security-Policy allows
//! no inline style).

use std::fmt::Write;

use askama::filters::{escape, Html};

/// The drawing's width in user units.
const W: f64 = 320.0;
/// The type size of labels, in user units.
const FONT: f64 = 16.0;
const SMALL: f64 = 14.0;
const INK: &str = "#1a1a1a";
const GRID: &str = "#bbbbbb";

/// One series of a chart: its name and colour.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub colour: &'static str,
}

/// Colours that stay apart for most colour-blind readers (Okabe–Ito), dark enough for white
/// space around them.
pub const PALETTE: [&str; 4] = ["#0072b2", "#d55e00", "#009e73", "#cc79a7"];

fn esc(s: &str) -> String {
    escape(s, Html).map(|e| e.to_string()).unwrap_or_default()
}

/// Roughly how wide `s` is at `size`: CJK characters are square, others about half as wide.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { size } else { size * 0.56 })
        .sum()
}

/// `s`, cut with "…" so that it fits in `max` user units.
fn fit(s: &str, max: f64, size: f64) -> String {
    if text_width(s, size) <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if text_width(&out, size) + size > max {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

/// The opening of a chart: the `svg` element, its title and text alternative.
fn open(out: &mut String, id: &str, title: &str, desc: &str, height: f64) {
    let id = esc(id);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" role="img" id="{id}" class="chart" viewBox="0 0 {W} {height}" width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{id}-title {id}-desc" font-family="sans-serif" font-size="{FONT}"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"##,
        esc(title),
        esc(desc)
    );
}

fn text(out: &mut String, x: f64, y: f64, size: f64, anchor: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" fill="{INK}">{}</text>"#,
        esc(s)
    );
}

fn rect(out: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str) {
    let _ = write!(
        out,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{}"/>"#,
        esc(fill)
    );
}

fn line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, colour: &str) {
    let _ = write!(
        out,
        r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{}" stroke-width="1"/>"#,
        esc(colour)
    );
}

/// The legend, one series a line (long names stay readable on a narrow screen). Returns the
/// height used.
fn legend(out: &mut String, series: &[Series], y0: f64) -> f64 {
    let row = FONT + 8.0;
    for (i, s) in series.iter().enumerate() {
        let y = y0 + row * i as f64;
        rect(out, 0.0, y + 2.0, 14.0, 14.0, s.colour);
        text(out, 20.0, y + 14.0, FONT, "start", &fit(&s.name, W - 20.0, FONT));
    }
    row * series.len() as f64 + 6.0
}

/// One group of bars: its label and, per series, a per cent with the words to print beside it
/// (`None`: no value, printed as "—").
#[derive(Debug, Clone)]
pub struct BarGroup {
    pub label: String,
    pub values: Vec<Option<(f64, String)>>,
}

/// Horizontal bars on a 0–100 % scale, one bar per series in each group, the group's name on
/// its own line above them. Groups without any value are left out (the caller names them).
pub fn percent_bars(id: &str, title: &str, series: &[Series], groups: &[BarGroup]) -> String {
    let groups: Vec<&BarGroup> = groups
        .iter()
        .filter(|g| g.values.iter().any(Option::is_some))
        .collect();
    let bar_h = 18.0;
    let gap = 4.0;
    let label_h = FONT + 8.0;
    let group_h = label_h + (bar_h + gap) * series.len() as f64 + 8.0;
    let value_room = 110.0;
    let scale = (W - value_room) / 100.0;
    let legend_h = (FONT + 8.0) * series.len() as f64 + 6.0;
    let axis_h = SMALL + 8.0;
    let height = legend_h + group_h * groups.len() as f64 + axis_h;

    let desc: Vec<String> = groups
        .iter()
        .map(|g| {
            let parts: Vec<String> = series
                .iter()
                .zip(&g.values)
                .map(|(s, v)| {
                    let v = v.as_ref().map_or("—", |(_, words)| words.as_str());
                    format!("{} {v}", s.name)
                })
                .collect();
            format!("{}: {}", g.label, parts.join(", "))
        })
        .collect();
    let mut out = String::new();
    open(&mut out, id, title, &desc.join("; "), height);
    let top = legend(&mut out, series, 0.0);
    let bottom = top + group_h * groups.len() as f64;
    for pct in [0.0, 50.0, 100.0] {
        let x = pct * scale;
        line(&mut out, x, top, x, bottom, GRID);
        let anchor = if pct == 0.0 { "start" } else { "middle" };
        text(
            &mut out,
            x,
            bottom + SMALL + 2.0,
            SMALL,
            anchor,
            &format!("{pct}%"),
        );
    }
    for (i, g) in groups.iter().enumerate() {
        let y = top + group_h * i as f64;
        text(
            &mut out,
            0.0,
            y + FONT + 2.0,
            FONT,
            "start",
            &fit(&g.label, W, FONT),
        );
        for (j, (s, v)) in series.iter().zip(&g.values).enumerate() {
            let by = y + label_h + (bar_h + gap) * j as f64;
            match v {
                Some((pct, words)) => {
                    let w = pct.clamp(0.0, 100.0) * scale;
                    rect(&mut out, 0.0, by, w.max(1.0), bar_h, s.colour);
                    if w + 4.0 + text_width(words, SMALL) <= W {
                        text(&mut out, w + 4.0, by + bar_h - 4.0, SMALL, "start", words);
                    } else {
                        // No room after a long bar: the words go inside its end, in white.
                        let _ = write!(
                            out,
                            r##"<text x="{:.1}" y="{:.1}" font-size="{SMALL}" text-anchor="end" fill="#ffffff">{}</text>"##,
                            w - 4.0,
                            by + bar_h - 4.0,
                            esc(words)
                        );
                    }
                }
                None => text(&mut out, 4.0, by + bar_h - 4.0, SMALL, "start", "—"),
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// A point of a trend: its label in words (a date), a short one for the axis, and one value per
/// series.
#[derive(Debug, Clone)]
pub struct TrendPoint {
    pub label: String,
    pub tick: String,
    pub values: Vec<i64>,
}

/// The smallest "round" number (1, 2 or 5 times a power of ten) at least `n`.
fn nice_max(n: i64) -> i64 {
    let n = n.max(1);
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= n {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// Lines over time, one per series, with a dot at every point.
pub fn trend(id: &str, title: &str, series: &[Series], points: &[TrendPoint]) -> String {
    let legend_h = (FONT + 8.0) * series.len() as f64 + 6.0;
    let (left, right) = (36.0, W - 8.0);
    let (plot_top, plot_h) = (legend_h + 8.0, 180.0);
    let plot_bottom = plot_top + plot_h;
    let height = plot_bottom + SMALL + 12.0;
    let max = nice_max(
        points
            .iter()
            .flat_map(|p| p.values.iter().copied())
            .max()
            .unwrap_or(0),
    );
    let x_of = |i: usize| {
        if points.len() <= 1 {
            (left + right) / 2.0
        } else {
            left + (right - left) * i as f64 / (points.len() - 1) as f64
        }
    };
    let y_of = |v: i64| plot_bottom - plot_h * v as f64 / max as f64;

    let desc: Vec<String> = points
        .iter()
        .map(|p| {
            let parts: Vec<String> = series
                .iter()
                .zip(&p.values)
                .map(|(s, v)| format!("{} {v}", s.name))
                .collect();
            format!("{}: {}", p.label, parts.join(", "))
        })
        .collect();
    let mut out = String::new();
    open(&mut out, id, title, &desc.join("; "), height);
    legend(&mut out, series, 0.0);
    let half = (max % 2 == 0).then_some(max / 2);
    for v in [Some(0), half, Some(max)].into_iter().flatten() {
        let y = y_of(v);
        line(&mut out, left, y, right, y, GRID);
        text(
            &mut out,
            left - 4.0,
            y + SMALL / 2.0 - 1.0,
            SMALL,
            "end",
            &v.to_string(),
        );
    }
    // At most five ticks, each kept inside the drawing, so they never run into each other or
    // off the edge.
    let every = points.len().div_ceil(5).max(1);
    for (i, p) in points.iter().enumerate() {
        if i % every == 0 {
            let half = text_width(&p.tick, SMALL) / 2.0;
            let x = x_of(i).clamp(half, W - half);
            text(&mut out, x, plot_bottom + SMALL + 6.0, SMALL, "middle", &p.tick);
        }
    }
    for (k, s) in series.iter().enumerate() {
        let coords: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{:.1},{:.1}",
                    x_of(i),
                    y_of(p.values.get(k).copied().unwrap_or(0))
                )
            })
            .collect();
        let colour = esc(s.colour);
        if coords.len() > 1 {
            let _ = write!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="3"/>"#,
                coords.join(" ")
            );
        }
        for c in &coords {
            if let Some((x, y)) = c.split_once(',') {
                let _ = write!(out, r#"<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>"#);
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// One stacked bar: its label and one count per series.
#[derive(Debug, Clone)]
pub struct StackRow {
    pub label: String,
    pub values: Vec<i64>,
}

/// Horizontal stacked bars, all on one scale (the largest total fills the width), each row's
/// total printed after it and every part wide enough to hold its number labelled with it. Rows
/// with nothing in them are left out (the caller names them).
pub fn stacked_bars(id: &str, title: &str, series: &[Series], rows: &[StackRow]) -> String {
    let rows: Vec<&StackRow> = rows.iter().filter(|r| r.values.iter().sum::<i64>() > 0).collect();
    let bar_h = 24.0;
    let label_h = FONT + 8.0;
    let row_h = label_h + bar_h + 10.0;
    let total_room = 48.0;
    let legend_h = (FONT + 8.0) * series.len() as f64 + 6.0;
    let height = legend_h + row_h * rows.len() as f64;
    let max = rows
        .iter()
        .map(|r| r.values.iter().sum::<i64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let scale = (W - total_room) / max as f64;

    let desc: Vec<String> = rows
        .iter()
        .map(|r| {
            let parts: Vec<String> = series
                .iter()
                .zip(&r.values)
                .map(|(s, v)| format!("{} {v}", s.name))
                .collect();
            format!("{}: {}", r.label, parts.join(", "))
        })
        .collect();
    let mut out = String::new();
    open(&mut out, id, title, &desc.join("; "), height);
    let top = legend(&mut out, series, 0.0);
    for (i, r) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        text(
            &mut out,
            0.0,
            y + FONT + 2.0,
            FONT,
            "start",
            &fit(&r.label, W, FONT),
        );
        let by = y + label_h;
        let mut x = 0.0;
        for (s, v) in series.iter().zip(&r.values) {
            if *v <= 0 {
                continue;
            }
            let w = *v as f64 * scale;
            rect(&mut out, x, by, w, bar_h, s.colour);
            let n = v.to_string();
            if text_width(&n, SMALL) + 6.0 <= w {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{:.1}" font-size="{SMALL}" text-anchor="middle" fill="#ffffff">{}</text>"##,
                    x + w / 2.0,
                    by + bar_h - 7.0,
                    esc(&n)
                );
            }
            x += w;
        }
        let total: i64 = r.values.iter().sum();
        text(
            &mut out,
            x + 4.0,
            by + bar_h - 7.0,
            SMALL,
            "start",
            &total.to_string(),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests;
