//! Unit tests of the parent module.
use super::*;

#[test]
fn a_disabled_handle_records_nothing() {
    let m = Metrics::disabled();
    m.sign_in_failed();
    assert_eq!(m.render(), "");
}

#[test]
fn requests_are_labelled_by_template_and_odd_methods_are_folded() {
    let m = Metrics::new();
    m.http_request("GET", Some("/rate/{token}"), 200, Duration::from_millis(3));
    m.http_request("BREW", None, 404, Duration::from_millis(1));
    let text = m.render();
    assert!(
        text.contains(r#"minsheng_http_requests_total{method="GET",route="/rate/{token}",status="200"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(r#"minsheng_http_requests_total{method="other",route="unmatched",status="404"} 1"#),
        "{text}"
    );
    assert!(
        text.contains("# TYPE minsheng_http_request_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains(r#"minsheng_http_request_duration_seconds_bucket{method="GET",route="/rate/{token}",status="200",le="0.005"} 1"#),
        "{text}"
    );
}

#[test]
fn two_applications_keep_their_own_counts() {
    let (a, b) = (Metrics::new(), Metrics::new());
    a.rate_limited(Limiter::Track);
    assert!(a
        .render()
        .contains(r#"minsheng_rate_limited_total{limiter="track"} 1"#));
    assert!(b
        .render()
        .contains(r#"minsheng_rate_limited_total{limiter="track"} 0"#));
}

#[test]
fn only_the_open_states_given_become_labels() {
    let m = Metrics::new();
    let figures = DatabaseFigures {
        open_by_state: vec![("assigned".into(), 3), ("whatever".into(), 9)],
        overdue: 2,
        outbox_pending: 4,
        outbox_dead: 1,
    };
    m.database(Some(&figures), &["assigned", "accepted"]);
    let text = m.render();
    assert!(
        text.contains(r#"minsheng_cases_open{state="assigned"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(r#"minsheng_cases_open{state="accepted"} 0"#),
        "{text}"
    );
    assert!(!text.contains("whatever"), "{text}");
    assert!(text.contains("minsheng_database_up 1"), "{text}");
    m.database(None, &["assigned"]);
    assert!(m.render().contains("minsheng_database_up 0"));
}
