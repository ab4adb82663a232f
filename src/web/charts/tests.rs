//! The charts' SVG: escaped text, sizes, text alternatives.

use super::*;

fn series() -> Vec<Series> {
    vec![
        Series {
            name: "查结率".into(),
            colour: PALETTE[0],
        },
        Series {
            name: "按期<办结>率".into(),
            colour: PALETTE[1],
        },
    ]
}

#[test]
fn every_word_is_escaped() {
    let svg = percent_bars(
        "c",
        "A & <B>",
        &series(),
        &[BarGroup {
            label: "<script>alert(1)</script>".into(),
            values: vec![Some((50.0, "50.0% (1/2)".into())), None],
        }],
    );
    assert!(!svg.contains("<script>"), "{svg}");
    assert!(svg.contains("&#60;script&#62;"));
    assert!(svg.contains("A &#38; &#60;B&#62;"));
    assert!(svg.contains("按期&#60;办结&#62;率"));
}

#[test]
fn a_chart_is_an_image_with_a_title_and_words() {
    let svg = stacked_bars(
        "o",
        "办理结果",
        &series(),
        &[
            StackRow {
                label: "肥城市公安局".into(),
                values: vec![2, 1],
            },
            StackRow {
                label: "新泰市公安局".into(),
                values: vec![0, 0],
            },
        ],
    );
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert!(svg.contains(r#"role="img""#) && svg.contains("<title id=\"o-title\">办理结果</title>"));
    assert!(svg.contains("肥城市公安局: 查结率 2"), "{svg}");
    assert!(!svg.contains("新泰市公安局"), "an empty row is left out");
    assert!(svg.contains(r#"viewBox="0 0 320 "#) && svg.contains(r#"width="100%""#));
    assert!(!svg.contains("style="), "no inline style: the CSP forbids it");
}

#[test]
fn bars_skip_groups_without_a_rate_and_print_a_dash_for_a_missing_one() {
    let svg = percent_bars(
        "r",
        "t",
        &series(),
        &[
            BarGroup {
                label: "甲".into(),
                values: vec![Some((87.5, "87.5% (7/8)".into())), None],
            },
            BarGroup {
                label: "乙".into(),
                values: vec![None, None],
            },
        ],
    );
    assert!(svg.contains("87.5% (7/8)") && svg.contains(">—<"));
    assert!(!svg.contains(">乙<"));
}

#[test]
fn a_trend_of_one_week_or_none_still_draws() {
    for n in [0, 1, 2, 53] {
        let points: Vec<TrendPoint> = (0..n)
            .map(|i| TrendPoint {
                label: format!("Week {i}"),
                tick: format!("W{i}"),
                values: vec![i, i / 2],
            })
            .collect();
        let svg = trend("t", "每周", &series(), &points);
        assert!(svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 2 * n as usize);
    }
    assert_eq!(nice_max(0), 1);
    assert_eq!(nice_max(7), 10);
    assert_eq!(nice_max(11), 20);
    assert_eq!(nice_max(40), 50);
}

#[test]
fn long_labels_are_cut_to_fit() {
    let long = "Feicheng Municipal Public Security Bureau, Xinchengroad Police Station Window";
    let cut = fit(long, W, FONT);
    assert!(cut.ends_with('…') && text_width(&cut, FONT) <= W);
    assert_eq!(fit("短", W, FONT), "短");
}
