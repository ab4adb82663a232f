//! The statistics dashboard (`/handler/stats`) as a supervisor uses it: the table holds the same
//! figures as the staff API, every count opens exactly the cases it counts (page after page),
//! the charts are drawn, the groups most behind come first; a unit outside the viewer's reach is
//! refused and a mistyped date comes back on the form. Also in a real browser, when one is here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use chrono::{Duration, Utc};
use minsheng::domain::kind::Role;
use scraper::{Html, Selector};
use serde_json::{json, Value};

use crate::helpers::{hidden_value, text_of, valid_json, Backend, TestApp};
use crate::on_both_backends;

const PASSWORD: &str = "a long enough password";
const PERIOD: &str = "period=last_12_months";

/// A complaint about Xintai's police, from Xintai.
fn xintai_json(n: usize) -> Value {
    let mut v = valid_json(n);
    v["region"] = json!("370982");
    v["target_unit"] = json!("370982-police");
    v["title"] = json!("新泰市派出所窗口排长队");
    v
}

/// What the cases were made to be.
struct Known {
    all: BTreeSet<String>,
    /// At Xintai, received forty days ago and never decided on: overdue now, and flagged.
    late: BTreeSet<String>,
    /// At Feicheng, accepted and concluded.
    concluded: BTreeSet<String>,
    /// At Xintai, not accepted.
    rejected: BTreeSet<String>,
}

/// Seven cases at two county bureaus under Tai'an's city bureau, worked as `Known` says.
async fn cases(app: &TestApp) -> Known {
    let feicheng = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let xintai = app
        .staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    let mut k = Known {
        all: BTreeSet::new(),
        late: BTreeSet::new(),
        concluded: BTreeSet::new(),
        rejected: BTreeSet::new(),
    };
    app.state.clock.set(Utc::now() - Duration::days(40));
    for n in 0..3 {
        let (code, _) = app.submit(&xintai_json(n)).await;
        k.late.insert(code);
    }
    app.state.clock.set(Utc::now());
    let (code, _) = app.submit(&xintai_json(3)).await;
    let resp = app
        .staff_act(
            &xintai,
            &code,
            json!({"action": "reject", "reason": "不属于本机关受理范围"}),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    k.rejected.insert(code);
    for (n, outcome) in [
        (4, Some("substantiated")),
        (5, Some("unsubstantiated")),
        (6, None),
    ] {
        let (code, _) = app.submit(&valid_json(n)).await;
        let resp = app.staff_act(&feicheng, &code, json!({"action": "accept"})).await;
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
        if let Some(outcome) = outcome {
            let resolve = json!({"action": "resolve", "outcome": outcome,
                "result": "已核查处理，增开一个户籍窗口，并向来件人说明情况。"});
            let resp = app.staff_act(&feicheng, &code, resolve).await;
            assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
            k.concluded.insert(code.clone());
        }
        k.all.insert(code);
    }
    k.all.extend(k.late.iter().cloned());
    k.all.extend(k.rejected.iter().cloned());
    let state = &app.state;
    let swept =
        minsheng::jobs::sweeper::sweep(&state.db, &state.catalog, &state.router.directory, Utc::now())
            .await
            .unwrap();
    assert_eq!(swept.flagged, 3, "the three late cases are flagged");
    k
}

async fn get(browser: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let resp = browser.get(app.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

fn text(e: &scraper::ElementRef) -> String {
    e.text().collect::<String>().trim().to_owned()
}

/// Every tracking code listed from `href` on, following "next page" to the end.
async fn listed(browser: &reqwest::Client, app: &TestApp, href: &str) -> Vec<String> {
    let mut codes = Vec::new();
    let mut next = Some(href.replace("&amp;", "&"));
    let mut pages = 0;
    while let Some(path) = next.take() {
        pages += 1;
        assert!(pages < 50, "the pages end");
        let (status, html) = get(browser, app, &path).await;
        assert_eq!(status, 200, "{path}: {html}");
        let doc = Html::parse_document(&html);
        codes.extend(select(&doc, "#cases td.code a").iter().map(text));
        next = select(&doc, "a#next")
            .first()
            .and_then(|a| a.value().attr("href"))
            .map(str::to_owned);
    }
    codes
}

async fn the_dashboard_agrees_with_the_api_and_every_count_opens_its_cases(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let supervisor = app
        .staff_token("taian.supervisor", "370900-police", Role::Supervisor)
        .await;
    let known = cases(&app).await;
    let api: Value = app
        .staff_get(&supervisor, &format!("/api/v1/staff/stats?{PERIOD}"))
        .await
        .json()
        .await
        .unwrap();
    let groups: BTreeMap<String, &Value> = api["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["key"].as_str().unwrap().to_owned(), g))
        .collect();
    assert_eq!(
        groups.keys().map(String::as_str).collect::<Vec<_>>(),
        ["370982-police", "370983-police"],
        "{api}"
    );
    assert_eq!(api["total"]["counts"]["received"], 7);

    let browser = TestApp::new_client();
    assert_eq!(
        app.sign_in(&browser, "taian.supervisor", PASSWORD).await.status(),
        303
    );
    let (status, html) = get(&browser, &app, &format!("/handler/stats?{PERIOD}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("href=\"/handler/stats\""),
        "the navigation links the dashboard"
    );
    let doc = Html::parse_document(&html);

    // The ledger of the same cases is a click away: one CSV row per case the table counts.
    let csv_href = select(&doc, "#ledger a")
        .first()
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_owned();
    assert!(csv_href.starts_with("/handler/stats/ledger.csv?"), "{csv_href}");
    let (status, csv) = get(&browser, &app, &csv_href).await;
    assert_eq!(status, 200);
    assert_eq!(
        csv.lines().skip(1).filter(|l| !l.is_empty()).count() as i64,
        api["total"]["counts"]["received"].as_i64().unwrap()
    );

    // Every figure in the table is the API's: counts, rates (numerator and denominator), days.
    let total = &api["total"];
    let figures = |key: Option<&str>| key.map_or(total, |k| groups[k]);
    let mut cells = 0;
    let mut links = Vec::new();
    for cell in select(&doc, "td[data-count]") {
        let code = cell.value().attr("data-count").unwrap();
        let key = cell.value().attr("data-group");
        assert!(key.is_some() || cell.value().attr("data-total").is_some());
        let shown: i64 = text(&cell).parse().unwrap();
        assert_eq!(
            shown,
            figures(key)["counts"][code].as_i64().unwrap(),
            "{code} in {key:?}"
        );
        let a = cell.select(&Selector::parse("a").unwrap()).next().unwrap();
        let href = a.value().attr("href").unwrap().to_owned();
        assert!(href.starts_with("/handler/stats/cases?count="), "{href}");
        assert_eq!(
            href.contains("group="),
            key.is_some(),
            "the total links without a group"
        );
        links.push((code.to_owned(), key.map(str::to_owned), shown, href));
        cells += 1;
    }
    assert_eq!(
        cells,
        3 * minsheng::domain::stats::Count::ALL.len(),
        "every count, for two groups and the total"
    );
    for cell in select(&doc, "td[data-rate]") {
        let code = cell.value().attr("data-rate").unwrap();
        let rate = &figures(cell.value().attr("data-group"))["rates"][code];
        let small = cell.select(&Selector::parse("small").unwrap()).next().unwrap();
        assert_eq!(
            text(&small),
            format!("{}/{}", rate["numerator"], rate["denominator"]),
            "{code}"
        );
        let shown = text(&cell);
        match rate["percent"].as_f64() {
            Some(p) => assert!(shown.starts_with(&format!("{p:.1}%")), "{code}: {shown}"),
            None => assert!(shown.starts_with('—'), "{code}: {shown}"),
        }
    }
    assert_eq!(select(&doc, "td[data-rate]").len(), 3 * 6);
    for cell in select(&doc, "td[data-days]") {
        let code = cell.value().attr("data-days").unwrap();
        let f = figures(cell.value().attr("data-group"));
        let (which, stat) = code.rsplit_once('_').unwrap();
        let v = &f[format!("days_{which}")][stat];
        let want = match (stat, v.as_f64()) {
            (_, None) => "—".to_owned(),
            ("mean", Some(m)) => format!("{m:.1}"),
            (_, Some(p)) => format!("{p}"),
        };
        assert_eq!(text(&cell), want, "{code}");
    }
    // Feicheng concluded one of its three accepted cases on time; a rate shows its parts.
    let closure = text(&select(&doc, "td[data-rate=closure_rate][data-group=\"370983-police\"]")[0]);
    assert!(
        closure.starts_with("66.7%") && closure.ends_with("2/3"),
        "{closure}"
    );
    assert!(
        text(&select(&doc, "td[data-rate=satisfaction_rate][data-total]")[0]).starts_with('—'),
        "nothing rated: a dash, not 0%"
    );

    // Every count opens exactly the cases it counts, page by page (two a page).
    let mut opened: BTreeMap<(String, Option<String>), BTreeSet<String>> = BTreeMap::new();
    for (code, key, shown, href) in &links {
        let codes = listed(&browser, &app, &format!("{href}&per=2")).await;
        let set: BTreeSet<String> = codes.iter().cloned().collect();
        assert_eq!(set.len(), codes.len(), "no case twice: {code} {key:?}");
        assert_eq!(codes.len() as i64, *shown, "{code} in {key:?}: {codes:?}");
        opened.insert((code.clone(), key.clone()), set);
    }
    let of = |code: &str, key: Option<&str>| opened[&(code.to_owned(), key.map(str::to_owned))].clone();
    assert_eq!(of("received", None), known.all);
    assert_eq!(of("overdue_now", Some("370982-police")), known.late);
    assert_eq!(of("flagged", Some("370982-police")), known.late);
    assert_eq!(of("concluded", Some("370983-police")), known.concluded);
    assert_eq!(of("rejected", Some("370982-police")), known.rejected);
    assert!(of("satisfied", None).is_empty());

    // The cases page says which number it lists, and pages on.
    let (_, page) = get(
        &browser,
        &app,
        &links
            .iter()
            .find(|l| l.0 == "received" && l.1.is_none())
            .unwrap()
            .3
            .replace("&amp;", "&"),
    )
    .await;
    assert_eq!(text_of(&page, "#number").unwrap(), "7");
    assert!(page.contains("来件量"));

    // The groups most behind come first, and the charts are drawn with their words.
    let behind = select(&doc, "ol.behind li");
    assert_eq!(behind.len(), 1, "only Xintai has overdue cases");
    assert!(text(&behind[0]).contains("新泰市公安局"));
    let rows = select(&doc, "#figures tbody tr");
    assert_eq!(rows[0].value().attr("data-group"), Some("370982-police"));
    let charts = select(&doc, "figure.chart svg[role=img]");
    assert_eq!(charts.len(), 3);
    for svg in &charts {
        let title = svg.select(&Selector::parse("title").unwrap()).next();
        assert!(title.is_some_and(|t| !text(&t).is_empty()));
        assert!(svg.select(&Selector::parse("desc").unwrap()).next().is_some());
    }
    let rates = text_of(&html, "#chart-rates desc").unwrap();
    assert!(rates.contains("肥城市公安局: 查结率 66.7% (2/3)"), "{rates}");
    let outcomes = text_of(&html, "#chart-outcomes desc").unwrap();
    assert!(
        outcomes.contains("肥城市公安局: 属实并已处理 1, 部分属实 0, 不属实 1"),
        "{outcomes}"
    );
    let trend = text_of(&html, "#chart-trend desc").unwrap();
    assert!(trend.contains("来件量 3"), "{trend}");
    assert!(html.contains("指标说明") && html.contains("办结 ÷ 受理"));

    // Grouped otherwise, the numbers still open exactly their cases, the empty key ("not at an
    // open day") included.
    for group_by in ["event", "channel", "region", "kind", "category"] {
        let (status, html) = get(
            &browser,
            &app,
            &format!("/handler/stats?{PERIOD}&group_by={group_by}"),
        )
        .await;
        assert_eq!(status, 200, "{html}");
        let doc = Html::parse_document(&html);
        let cells = select(&doc, "td[data-count]");
        assert!(cells.len() >= 2 * 18, "{group_by}");
        for cell in cells {
            let shown: i64 = text(&cell).parse().unwrap();
            if shown == 0 {
                continue;
            }
            let a = cell.select(&Selector::parse("a").unwrap()).next().unwrap();
            let href = a.value().attr("href").unwrap();
            let codes = listed(&browser, &app, href).await;
            assert_eq!(codes.len() as i64, shown, "{group_by}: {href}");
        }
    }

    // In English, the same numbers.
    let (_, en) = get(&browser, &app, &format!("/handler/stats?{PERIOD}&lang=en")).await;
    assert!(en.contains("Definitions") && en.contains("Most behind"), "{en}");
    assert!(en.contains("Xintai Municipal Public Security Bureau"));
}

async fn reach_and_mistakes_are_answered_plainly(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let _ = cases(&app).await;
    let browser = TestApp::new_client();
    let (status, _) = get(&browser, &app, "/handler/stats").await;
    assert_eq!(status, 303, "signed out: to the sign-in page");

    assert_eq!(
        app.sign_in(&browser, "xintai.handler", PASSWORD).await.status(),
        303
    );
    // A handler sees their own unit only.
    let (status, html) = get(&browser, &app, &format!("/handler/stats?{PERIOD}")).await;
    assert_eq!(status, 200);
    let doc = Html::parse_document(&html);
    let keys: BTreeSet<&str> = select(&doc, "td[data-count][data-group]")
        .iter()
        .filter_map(|c| c.value().attr("data-group"))
        .collect();
    assert_eq!(keys, BTreeSet::from(["370982-police"]));
    let units: Vec<String> = select(&doc, "#f-unit option")
        .iter()
        .filter_map(|o| o.value().attr("value"))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(units, ["370982-police"], "only units in reach are offered");

    // Another unit is refused, on the dashboard and behind its numbers.
    for path in [
        "/handler/stats?unit=370983-police",
        "/handler/stats?unit=370900-police&below=true",
        "/handler/stats/cases?count=received&unit=370983-police",
    ] {
        let (status, _) = get(&browser, &app, path).await;
        assert_eq!(status, 403, "{path}");
    }

    // A mistyped date comes back on the form with its message; what was typed stays.
    let (status, html) = get(
        &browser,
        &app,
        "/handler/stats?period=custom&from=2026-13-01&to=2026-11-30&group_by=kind",
    )
    .await;
    assert_eq!(status, 400, "{html}");
    assert!(text_of(&html, "#e-from").unwrap().contains("YYYY-MM-DD"));
    assert!(text_of(&html, "#error-summary").unwrap().contains("开始日期"));
    assert_eq!(hidden_value(&html, "from").unwrap(), "2026-13-01");
    assert_eq!(hidden_value(&html, "to").unwrap(), "2026-11-30");
    assert!(html.contains("<option value=\"kind\" selected>"));
    assert!(
        !html.contains("id=\"figures\""),
        "no table for a request that cannot be read"
    );
    // A custom period needs both dates; names that do not exist are said to be unknown.
    let (status, html) = get(&browser, &app, "/handler/stats?period=custom&from=2026-11-01").await;
    assert_eq!(status, 400);
    assert!(text_of(&html, "#e-to").unwrap().contains("请填写此项"));
    let (status, html) = get(&browser, &app, "/handler/stats?unit=nowhere&group_by=planets").await;
    assert_eq!(status, 400);
    assert!(html.contains("找不到该单位") && html.contains("请从列出的选项中选择"));
    let (status, _) = get(&browser, &app, "/handler/stats/cases?count=nonsense").await;
    assert_eq!(status, 400);
}

on_both_backends!(
    the_dashboard_agrees_with_the_api_and_every_count_opens_its_cases,
    reach_and_mistakes_are_answered_plainly,
);

/// The dashboard in Chromium (`tests/browser/stats.mjs`): the charts render, and a count's link
/// lists as many cases as it says. Skipped like the other browser test when there is no browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    if !crate::browser::ready() {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.staff_token("taian.supervisor", "370900-police", Role::Supervisor)
        .await;
    let _ = cases(&app).await;
    let shots = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser"));
    let address = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/stats.mjs"))
            .args([address.as_str(), "taian.supervisor", PASSWORD])
            .arg(shots)
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the dashboard in the browser failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: stats"), "{stdout}");
    for shot in ["stats-1-dashboard", "stats-2-phone", "stats-3-cases"] {
        assert!(shots.join(format!("{shot}.png")).exists(), "screenshot {shot}");
    }
}
