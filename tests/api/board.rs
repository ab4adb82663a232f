//! The public board (`/board`, `/api/v1/board`): small counts suppressed so that none can be
//! worked out from a total or its siblings, rates only over enough cases; published answers only
//! with consent, never a report, and with nothing that names anyone; the consent box on the form.

use minsheng::domain::kind::Role;
use serde_json::{json, Value};

use crate::helpers::{hidden_value, valid_json, Backend, TestApp};
use crate::on_both_backends;

async fn json(resp: reqwest::Response, status: u16) -> Value {
    let code = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(code, status, "{body}");
    body
}

/// A complaint from county `region` about its police, from a distinct contact.
fn complaint(n: usize, region: &str) -> Value {
    let mut v = valid_json(n);
    v["region"] = json!(region);
    v["target_unit"] = json!(format!("{region}-police"));
    v
}

fn region<'a>(board: &'a Value, code: &str) -> &'a Value {
    board["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code && r["own_level"] == false)
        .unwrap_or_else(|| panic!("no region {code}"))
}

fn hidden(cell: &Value) -> bool {
    !cell["suppressed"].is_null()
}

/// Every hidden count in the document carries no value.
fn no_hidden_value(v: &Value) {
    match v {
        Value::Object(m) => {
            if m.get("suppressed").is_some_and(|s| !s.is_null()) {
                assert!(m["value"].is_null(), "a hidden count leaks its value: {v}");
            }
            m.values().for_each(no_hidden_value);
        }
        Value::Array(a) => a.iter().for_each(no_hidden_value),
        _ => {}
    }
}

/// In every region relation (a region = its own level + the regions inside it), for the count
/// `pick`, never exactly one member hidden.
fn nothing_derivable(board: &Value, pick: impl Fn(&Value) -> &Value) {
    let regions = board["regions"].as_array().unwrap();
    for parent in regions.iter().filter(|r| r["own_level"] == false) {
        let code = parent["code"].as_str().unwrap();
        let members: Vec<&Value> = regions
            .iter()
            .filter(|r| {
                (r["own_level"] == true && r["code"] == code)
                    || (r["own_level"] == false && r["parent"] == code)
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let hidden_count = std::iter::once(parent)
            .chain(members.iter().copied())
            .filter(|r| hidden(pick(r)))
            .count();
        assert_ne!(
            hidden_count, 1,
            "one hidden count under {code} could be worked out"
        );
    }
}

/// The cells of the row named `name` in the table `#id` of a page.
fn table_row(html: &str, id: &str, name: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let rows = scraper::Selector::parse(&format!("table#{id} tbody tr")).unwrap();
    let th = scraper::Selector::parse("th").unwrap();
    let td = scraper::Selector::parse("td").unwrap();
    doc.select(&rows)
        .find(|r| {
            r.select(&th)
                .next()
                .is_some_and(|h| h.text().collect::<String>().trim() == name)
        })
        .map(|r| {
            r.select(&td)
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .unwrap_or_else(|| panic!("no row {name} in #{id}"))
}

async fn small_counts_cannot_be_seen_or_worked_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let xintai = app
        .staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    // Tai'an: Feicheng 3, Xintai 20. A naive table would show 3 and 20 under a city total of 23.
    for n in 0..3 {
        app.submit(&complaint(n, "370983")).await;
    }
    let mut xintai_codes = Vec::new();
    for n in 3..23 {
        xintai_codes.push(app.submit(&complaint(n, "370982")).await.0);
    }
    // Five concluded in Xintai: a closure rate over five cases is not published.
    for code in &xintai_codes[..5] {
        json(
            app.staff_act(&xintai, code, json!({"action": "accept"})).await,
            200,
        )
        .await;
        json(
            app.staff_act(
                &xintai,
                code,
                json!({"action": "resolve", "outcome": "substantiated", "result": "已经核实并整改，增开了窗口。"}),
            )
            .await,
            200,
        )
        .await;
    }

    let resp = app.client.get(app.url("/api/v1/board")).send().await.unwrap();
    assert_eq!(resp.headers()["cache-control"], "public, max-age=60");
    let board = json(resp, 200).await;
    assert_eq!(board["min_count"], 10);
    assert_eq!(board["months"].as_array().unwrap().len(), 12);
    no_hidden_value(&board);

    let feicheng = region(&board, "370983");
    let received = &feicheng["total"]["received"];
    assert_eq!(received["shown"], "<10");
    assert_eq!(received["suppressed"], "small");
    assert!(received["value"].is_null());
    // The sibling is hidden too, so 23 − 20 is not on the board.
    let xintai_row = region(&board, "370982");
    assert!(
        hidden(&xintai_row["total"]["received"]),
        "{}",
        xintai_row["total"]
    );
    let city = region(&board, "370900");
    assert_eq!(city["total"]["received"]["value"], 23);
    assert_eq!(region(&board, "370000")["total"]["received"]["value"], 23);
    // Nor through the kinds, the months, or the hierarchy.
    assert!(hidden(&feicheng["total"]["by_kind"]["complaint"]));
    let month = board["months"].as_array().unwrap().last().unwrap().to_string();
    assert!(hidden(&feicheng["months"][&month]["received"]));
    assert!(hidden(&xintai_row["months"][&month]["received"]));
    nothing_derivable(&board, |r| &r["total"]["received"]);
    nothing_derivable(&board, |r| &r["months"][&month]["received"]);
    nothing_derivable(&board, |r| &r["total"]["by_kind"]["complaint"]);
    // No Feicheng figure is a 3 anywhere.
    assert!(!feicheng.to_string().contains("\"value\":3"), "{feicheng}");

    // Five concluded of five accepted: not a rate to publish.
    let closure = &city["total"]["rates"]["closure_rate"];
    assert_eq!(closure["shown"], "—");
    assert_eq!(closure["withheld"], "small_base");
    assert!(closure["percent"].is_null());
    assert_eq!(city["total"]["concluded"]["shown"], "<10");
    // The kinds of unit add up to the same total.
    let police = board["unit_kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == "police")
        .unwrap();
    assert_eq!(police["total"]["received"]["value"], 23);

    // The page shows the same, in big tables.
    let html = app
        .client
        .get(app.url("/board"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cells = table_row(&html, "by-region", "肥城市");
    assert_eq!(cells[0], "<10", "{cells:?}");
    assert_eq!(table_row(&html, "by-region", "新泰市")[0], "不公布");
    let taian = table_row(&html, "by-region", "泰安市");
    assert_eq!(taian[0], "23");
    assert_eq!(taian[1], "<10", "five concluded");
    assert_eq!(taian[2], "—", "no closure rate over five cases");
    assert!(html.contains("不到10件"), "the page says what <10 means");
    assert!(!html.contains("<script"), "no scripts on the public board");
    for code in &xintai_codes {
        assert!(!html.contains(code.as_str()));
    }

    // And in English.
    let en = app
        .client
        .get(app.url("/board?lang=en"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(table_row(&en, "by-region", "Xintai City")[0], "withheld");
    assert_eq!(table_row(&en, "by-region", "Feicheng City")[0], "<10");

    // The JSON is rendered once per board and language: each language gets its own, and a new
    // board (counted again once the minute is up) is never answered with the old one's JSON.
    let board_json = |lang: &'static str| {
        let url = app.url(&format!("/api/v1/board?lang={lang}"));
        let client = app.client.clone();
        async move { json(client.get(url).send().await.unwrap(), 200).await }
    };
    let en = board_json("en").await;
    assert_eq!(region(&en, "370982")["name"], "Xintai City");
    assert_eq!(region(&en, "370983")["total"]["received"]["shown"], "<10");
    assert_eq!(region(&board_json("zh").await, "370982")["name"], "新泰市");
    for n in 23..30 {
        app.submit(&complaint(n, "370983")).await;
    }
    assert_eq!(
        region(&board_json("en").await, "370983")["total"]["received"]["shown"],
        "<10",
        "a minute's cache"
    );
    app.state.board_cache.clear();
    let en = board_json("en").await;
    assert_eq!(region(&en, "370983")["total"]["received"]["value"], 10);
    assert_eq!(region(&en, "370982")["name"], "Xintai City");
    assert_eq!(
        region(&board_json("zh").await, "370983")["total"]["received"]["value"],
        10
    );
}

const SECRET_NAME: &str = "欧阳锦程";
const SECRET_PHONE: &str = "13912345678";
const SUMMARY: &str = "群众反映派出所户籍窗口排队时间过长，希望增加窗口。";
const ANSWER: &str = "经核实情况属实，派出所已增开一个户籍窗口，并延长了周六的办公时间。";

async fn publish(app: &TestApp, token: &str, code: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/staff/cases/{code}/publish")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn conclude(app: &TestApp, token: &str, code: &str) {
    json(app.staff_act(token, code, json!({"action": "accept"})).await, 200).await;
    json(
        app.staff_act(
            token,
            code,
            json!({"action": "resolve", "outcome": "partly", "result": "已增开窗口，对相关人员进行了批评教育。"}),
        )
        .await,
        200,
    )
    .await;
}

async fn answers_are_published_only_with_consent_and_without_identity(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let jw = app
        .staff_token("feicheng.jw", "370983-discipline", Role::Handler)
        .await;
    let texts = json!({"summary": SUMMARY, "answer": ANSWER});

    // No consent (the default): 409.
    let (silent, _) = app.submit(&valid_json(1)).await;
    conclude(&app, &handler, &silent).await;
    let refused = json(publish(&app, &handler, &silent, texts.clone()).await, 409).await;
    assert_eq!(refused["error"]["code"], "conflict");

    // A report, even ticked: 409.
    let mut report = valid_json(2);
    report["kind"] = json!("report");
    report["category"] = json!("illegal_business");
    report["publishable"] = json!(true);
    let (report_code, _) = app.submit(&report).await;
    conclude(&app, &jw, &report_code).await;
    json(publish(&app, &jw, &report_code, texts.clone()).await, 409).await;

    // Consent, but no answer yet: 409; then concluded, with an empty summary: field messages.
    let mut consented = valid_json(3);
    consented["name"] = json!(SECRET_NAME);
    consented["phone"] = json!(SECRET_PHONE);
    consented["publishable"] = json!(true);
    let (code, key) = app.submit(&consented).await;
    json(publish(&app, &handler, &code, texts.clone()).await, 409).await;
    conclude(&app, &handler, &code).await;
    let case = json(
        app.staff_get(&handler, &format!("/api/v1/staff/cases/{code}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        (case["publishable"].clone(), case["may_publish"].clone()),
        (json!(true), json!(true))
    );
    let empty = json(
        publish(&app, &handler, &code, json!({"summary": "  ", "answer": ANSWER})).await,
        422,
    )
    .await;
    assert!(empty["error"]["fields"]["summary"].is_array(), "{empty}");
    // Someone of another unit cannot reach it.
    let other = app
        .staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    json(publish(&app, &other, &code, texts.clone()).await, 404).await;

    let published = json(publish(&app, &handler, &code, texts.clone()).await, 200).await;
    assert!(published["published_at"].is_string());
    assert_eq!(published["public_summary"], SUMMARY);
    let event = published["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "published")
        .expect("the publication is on the timeline");
    assert_eq!(event["public"], false, "an internal event");
    // The citizen's timeline does not show it.
    let status = app
        .client
        .get(app.url(&format!("/api/v1/submissions/{code}")))
        .header("X-Access-Key", key)
        .send()
        .await
        .unwrap();
    assert!(!json(status, 200).await.to_string().contains("公开栏"));

    // On the board: the summary and answer, the category, region and month; nothing else.
    let html = app
        .client
        .get(app.url("/board"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(SUMMARY) && html.contains(ANSWER));
    assert!(html.contains("服务态度") || html.contains("肥城市"));
    for secret in [
        code.as_str(),
        silent.as_str(),
        report_code.as_str(),
        SECRET_NAME,
        SECRET_PHONE,
        "citizen3@example.com",
        "11010519491231002X",
        "李明",
    ] {
        assert!(!html.contains(secret), "the board shows {secret}");
    }
    let api = app
        .client
        .get(app.url("/api/v1/board"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!api.contains(&code) && !api.contains(SECRET_NAME) && !api.contains(SECRET_PHONE));

    // The answers as JSON: the same filter as the page, nothing that identifies anyone.
    let answers = |q: &'static str| {
        let url = app.url(&format!("/api/v1/board/answers?{q}"));
        let client = app.client.clone();
        async move { json(client.get(url).send().await.unwrap(), 200).await }
    };
    let all = answers("").await;
    let items = all["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{all}");
    assert_eq!(items[0]["summary"], SUMMARY);
    assert_eq!(items[0]["answer"], ANSWER);
    assert_eq!(items[0]["category"], "service_attitude");
    assert!(items[0]["month"].as_str().is_some_and(|m| m.len() == 7), "{all}");
    let text = all.to_string();
    for secret in [code.as_str(), SECRET_NAME, SECRET_PHONE, "citizen3@example.com"] {
        assert!(!text.contains(secret), "the answers show {secret}");
    }
    assert_eq!(
        answers("region=370900").await["items"].as_array().unwrap().len(),
        1
    );
    let elsewhere = answers("region=370982&page=x").await;
    assert_eq!(elsewhere["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        (elsewhere["page"].clone(), elsewhere["filter"]["region"].clone()),
        (json!(1), json!("370982"))
    );
    assert_eq!(
        answers("q=nothing-like-this").await["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Filters: the category and the region (and the city above it) find it; another county and
    // words that are not in it do not.
    let find = |q: &'static str| {
        let url = app.url(&format!("/board?{q}"));
        let client = app.client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(find("category=service_attitude").await.contains(SUMMARY));
    assert!(find("region=370900").await.contains(SUMMARY));
    assert!(find("q=%E6%88%B7%E7%B1%8D").await.contains(SUMMARY), "户籍");
    let elsewhere = find("region=370982").await;
    assert!(!elsewhere.contains(SUMMARY));
    assert!(elsewhere.contains("id=\"no-answers\""));
    assert!(!find("q=nothing-like-this").await.contains(SUMMARY));
    assert!(
        find("page=abc").await.contains(SUMMARY),
        "a bad page number is page 1"
    );
    assert!(
        !find("page=2").await.contains(SUMMARY),
        "one answer: nothing on page 2"
    );

    // The handler's page offers the publish form where it is allowed, and it works from there.
    let browser = TestApp::new_client();
    app.sign_in(&browser, "feicheng.handler", "a long enough password")
        .await;
    let page = |c: String| {
        let browser = browser.clone();
        let url = app.url(&format!("/handler/cases/{c}"));
        async move { browser.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(!page(silent.clone()).await.contains("id=\"publish\""));
    let html = page(code.clone()).await;
    assert!(html.contains("id=\"publish\"") && html.contains("id=\"published\""));
    let csrf = hidden_value(&html, "csrf_token").unwrap();
    let edited = "群众反映派出所户籍窗口排队时间过长，已经改进。";
    let resp = browser
        .post(app.url(&format!("/handler/cases/{code}/publish")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("summary", edited),
            ("answer", ANSWER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert!(find("").await.contains(edited));
    let bad = browser
        .post(app.url(&format!("/handler/cases/{code}/publish")))
        .form(&[("csrf_token", csrf.as_str()), ("summary", ""), ("answer", ANSWER)])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
}

async fn the_form_asks_for_consent_and_the_answer_is_no_unless_ticked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = TestApp::new_client();
    let html = browser
        .get(app.url("/submit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("input[type=checkbox][name=publishable]").unwrap();
    let box_ = doc.select(&sel).next().expect("a consent checkbox");
    assert!(box_.value().attr("checked").is_none(), "unticked by default");
    assert!(html.contains("同意在网上公开"));

    let post = |publishable: Option<&'static str>| {
        let browser = browser.clone();
        let app_url = app.url("/submit");
        let csrf_url = app.url("/submit");
        async move {
            let page = browser.get(csrf_url).send().await.unwrap().text().await.unwrap();
            let csrf = hidden_value(&page, "csrf_token").unwrap();
            let mut fields = vec![
                ("csrf_token", csrf),
                ("kind", "help".to_owned()),
                ("category", "judgment_enforcement".to_owned()),
                ("region", "371428".to_owned()),
                (
                    "body",
                    "法院判决对方还我工钱三万元，一年了还没有执行到位，希望帮忙。".to_owned(),
                ),
                ("name", "王芳".to_owned()),
                ("phone", "0534-1234567".to_owned()),
            ];
            if let Some(v) = publishable {
                fields.push(("publishable", v.to_owned()));
            }
            let resp = browser.post(app_url).form(&fields).send().await.unwrap();
            assert_eq!(resp.status(), 303);
        }
    };
    post(None).await;
    post(Some("on")).await;
    let stored = app.with_db(|c| minsheng::storage::submissions::by_ids(c, &[1, 2]).unwrap());
    let flags: Vec<bool> = stored.iter().map(|r| r.publishable).collect();
    assert_eq!(flags, [false, true]);

    // The API: a boolean, default no.
    let mut body = valid_json(7);
    body["publishable"] = json!("yes");
    let bad = json(app.post_json(&body).await, 422).await;
    assert!(bad["error"]["fields"]["publishable"].is_array(), "{bad}");
    body["publishable"] = json!(true);
    let (code, _) = app.submit(&body).await;
    let row = app.with_db(|c| {
        minsheng::storage::submissions::find_by_code(c, &code)
            .unwrap()
            .unwrap()
    });
    assert!(row.publishable);
}

/// A real browser on a 360 px phone (`tests/browser/board.mjs`); skipped with a loud note
/// without Chromium, Node.js and `npm ci` in `tests/browser`, a failure then under `CI=true`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_reads_on_a_small_phone_in_a_real_browser() {
    if !crate::browser::ready() {
        return;
    }
    let app = TestApp::spawn(Backend::Sqlite).await;
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    for n in 0..12 {
        app.submit(&complaint(n, "370982")).await;
    }
    let mut consented = complaint(20, "370983");
    consented["publishable"] = json!(true);
    let (code, _) = app.submit(&consented).await;
    for n in 21..23 {
        app.submit(&complaint(n, "370983")).await;
    }
    conclude(&app, &handler, &code).await;
    json(
        publish(
            &app,
            &handler,
            &code,
            json!({"summary": SUMMARY, "answer": ANSWER}),
        )
        .await,
        200,
    )
    .await;
    let shots = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/target/browser"));
    let address = app.address.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/board.mjs"))
            .arg(address)
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
        "the board in a browser:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("ok: board"), "{stdout}");
    assert!(shots.join("board-360.png").exists());
}

on_both_backends!(
    small_counts_cannot_be_seen_or_worked_out,
    answers_are_published_only_with_consent_and_without_identity,
    the_form_asks_for_consent_and_the_answer_is_no_unless_ticked,
);
