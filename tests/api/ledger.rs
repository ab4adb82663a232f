//! The ledger (台账, issue #12): exported through the command line and downloaded from the
//! dashboard's links, then opened with real readers (Python's `csv` and `openpyxl`). Its rows are
//! the cases the figures count, its summary sheet says what `/api/v1/staff/stats` says, and no
//! trace of who reported anything is in it.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

use minsheng::domain::kind::Role;
use minsheng::domain::stats::{Count, RateKind};
use minsheng::i18n::Lang;
use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp, TEST_KEY};

const NAME: &str = "欧阳隐名者";
const PHONE: &str = "13912345678";
const EMAIL: &str = "ledger.hidden.reporter";
const BODY_MARK: &str = "台账不应出现的正文";
const PASSWORD: &str = "a long enough password";

/// A case to submit: kind, category, and the unit it is about.
fn submission(n: usize) -> Value {
    let (kind, category) = match n % 3 {
        0 => (
            "report",
            [
                "interfering_with_justice",
                "illegal_business",
                "lax_enforcement",
                "improper_lawyer_contact",
                "report_other",
            ][n % 5],
        ),
        1 => (
            "complaint",
            ["service_attitude", "law_enforcement", "traffic_management"][n % 3],
        ),
        _ => ("help", ["household_registration", "traffic_management"][n % 2]),
    };
    json!({
        "kind": kind,
        "category": category,
        "region": "370983",
        "title": format!("{BODY_MARK}标题{n}"),
        "body": format!("{BODY_MARK}：肥城市某单位办事拖延，已经等了很久，希望尽快处理。第{n}件。"),
        "name": NAME,
        "phone": PHONE,
        "email": format!("{EMAIL}{n}@example.com"),
        "id_number": "11010519491231002X",
        "target_unit": "370983-police"
    })
}

fn beijing_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

/// The `minsheng` binary on the app's database.
fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    crate::helpers::minsheng_binary()
        .args(args)
        .env("MINSHENG__DATABASE__URL", &app.settings.database.url)
        .env("MINSHENG__DATA_DIR", &app.settings.data_dir)
        .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
        .env("MINSHENG__MAIL__TRANSPORT", "file")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// What the readers found in a CSV file and a workbook (see `READER`).
fn read_files(csv: Option<&Path>, xlsx: Option<&Path>) -> Value {
    let none = Path::new("-");
    let out = Command::new("python3")
        .arg("-c")
        .arg(READER)
        .arg(csv.unwrap_or(none))
        .arg(xlsx.unwrap_or(none))
        .output()
        .expect("python3 runs (openpyxl: see scripts/test)");
    assert!(
        out.status.success(),
        "the reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Reads the CSV with Python's csv module and the workbook with openpyxl; prints JSON.
const READER: &str = r#"
import csv, json, sys
out = {}
csv_path, xlsx_path = sys.argv[1], sys.argv[2]
if csv_path != "-":
    raw = open(csv_path, "rb").read()
    out["bom"] = raw.startswith(b"\xef\xbb\xbf")
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    out["csv_header"] = rows[0]
    out["csv_rows"] = rows[1:]
    out["csv_text"] = raw.decode("utf-8")
if xlsx_path != "-":
    import openpyxl
    wb = openpyxl.load_workbook(xlsx_path)
    sheets = {}
    texts = []
    for ws in wb.worksheets:
        rows = [["" if v is None else (v if isinstance(v, (int, float)) else str(v)) for v in r]
                for r in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in rows), default=0)
        rows = [r + [""] * (width - len(r)) for r in rows]
        sheets[ws.title] = rows
        for r in rows:
            texts.extend(str(v) for v in r)
    out["sheet_names"] = wb.sheetnames
    out["sheets"] = sheets
    out["xlsx_text"] = "\n".join(texts)
print(json.dumps(out, ensure_ascii=False))
"#;

fn assert_anonymous(text: &str) {
    for secret in [NAME, PHONE, EMAIL, BODY_MARK, "11010519491231002X"] {
        assert!(!text.contains(secret), "`{secret}` is in a ledger");
    }
}

/// The summary sheet's table as (category code or "" for the total) → (header → value).
fn summary_table(rows: &[Value]) -> HashMap<String, HashMap<String, Value>> {
    let top = rows
        .iter()
        .position(|r| r[0] == "问题类别\nCategory")
        .expect("the summary table's header");
    let header: Vec<String> = rows[top]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_owned())
        .collect();
    let mut out = HashMap::new();
    for r in &rows[top + 1..] {
        let r = r.as_array().unwrap();
        if r[0] == "" {
            break;
        }
        let line: HashMap<String, Value> = header.iter().cloned().zip(r.iter().cloned()).collect();
        out.insert(r[1].as_str().unwrap_or("").to_owned(), line);
    }
    out
}

fn header(zh: &str, en: &str) -> String {
    format!("{zh}\n{en}")
}

/// Every count, every rate's parts and the day figures of the summary equal the API's.
fn assert_summary_matches(summary: &HashMap<String, HashMap<String, Value>>, api: &Value) {
    let mut lines: Vec<(String, &Value)> = vec![(String::new(), &api["total"])];
    for g in api["groups"].as_array().unwrap() {
        lines.push((g["key"].as_str().unwrap().to_owned(), g));
    }
    assert_eq!(summary.len(), lines.len(), "one line per category, and the total");
    for (key, figures) in lines {
        let line = summary
            .get(&key)
            .unwrap_or_else(|| panic!("no summary line for `{key}`"));
        for c in Count::ALL {
            let h = header(c.label(Lang::Zh), c.label(Lang::En));
            assert_eq!(
                line[&h].as_f64().unwrap() as i64,
                figures["counts"][c.code()].as_i64().unwrap(),
                "{key}: {h}"
            );
        }
        for r in RateKind::ALL {
            let (zh, en) = (r.label(Lang::Zh), r.label(Lang::En));
            let rate = &figures["rates"][r.code()];
            for (part, zh_part, en_part) in [
                ("numerator", "分子", "numerator"),
                ("denominator", "分母", "denominator"),
            ] {
                let h = header(&format!("{zh} {zh_part}"), &format!("{en} {en_part}"));
                assert_eq!(
                    line[&h].as_f64().unwrap() as i64,
                    rate[part].as_i64().unwrap(),
                    "{key}: {h}"
                );
            }
            let shown = &line[&header(zh, en)];
            match rate["percent"].as_f64() {
                Some(p) => assert!((shown.as_f64().unwrap() * 100.0 - p).abs() < 0.06, "{key}: {zh}"),
                None => assert_eq!(shown, "—", "{key}: {zh}"),
            }
        }
        for (zh, en, field) in [
            ("受理用时", "Days to accept", "days_to_accept"),
            ("办理用时", "Days to conclude", "days_to_conclude"),
        ] {
            let days = &figures[field];
            let cases = &line[&header(&format!("{zh} 件数"), &format!("{en}: cases"))];
            assert_eq!(cases.as_f64().unwrap() as i64, days["cases"].as_i64().unwrap());
            for (zh_part, en_part, api_part) in [("平均（天）", "mean", "mean"), ("P90（天）", "p90", "p90")]
            {
                let shown = &line[&header(&format!("{zh} {zh_part}"), &format!("{en}: {en_part}"))];
                match days[api_part].as_f64() {
                    Some(v) => assert!(
                        (shown.as_f64().unwrap() - v).abs() < 1e-9,
                        "{key}: {zh} {api_part}"
                    ),
                    None => assert_eq!(shown, "—", "{key}: {zh} {api_part}"),
                }
            }
        }
    }
}

/// 30 cases at several units; some accepted, some concluded with each outcome, a few extended,
/// some refused. Returns (tracking code → unit holding it).
async fn make_cases(app: &TestApp) -> HashMap<String, String> {
    let mut holders = HashMap::new();
    let mut handlers: HashMap<String, String> = HashMap::new();
    let supervisor = app
        .staff_token("ledger.sup", "370900-police", Role::Supervisor)
        .await;
    for n in 0..30 {
        let (code, _) = app.submit(&submission(n)).await;
        let row = app
            .with_db(|c| minsheng::storage::submissions::find_by_code(c, &code).unwrap())
            .unwrap();
        let unit = row.assigned_unit.clone().or(row.dispatch_unit.clone()).unwrap();
        holders.insert(code.clone(), unit.clone());
        if row.assigned_unit.is_none() {
            continue;
        }
        let handler = match handlers.get(&unit) {
            Some(t) => t.clone(),
            None => {
                let t = app
                    .staff_token(&format!("ledger.h{}", handlers.len()), &unit, Role::Handler)
                    .await;
                handlers.insert(unit.clone(), t.clone());
                t
            }
        };
        let act = |action: Value| app.staff_act(&handler, &code, action);
        match n % 6 {
            0 => {}
            1 => assert_eq!(
                act(json!({"action": "reject", "reason": "不属于受理范围，已告知其他渠道"}))
                    .await
                    .status(),
                200
            ),
            _ => {
                assert_eq!(act(json!({"action": "accept"})).await.status(), 200);
                if n % 6 == 2 && unit == "370983-police" {
                    let ask = json!({"action": "request_extension", "days": 10, "reason": "需要调取录像"});
                    assert_eq!(act(ask).await.status(), 200);
                    let approve = app
                        .staff_act(&supervisor, &code, json!({"action": "approve_extension"}))
                        .await;
                    assert_eq!(approve.status(), 200);
                }
                if n % 6 >= 3 {
                    let outcome = ["substantiated", "partly", "unsubstantiated"][(n / 6) % 3];
                    let resolve = json!({"action": "resolve", "outcome": outcome, "result": "经核查，已依法依规处理并答复。"});
                    assert_eq!(act(resolve).await.status(), 200, "resolve {code}");
                }
            }
        }
    }
    holders
}

async fn the_ledger_lists_the_cases_the_figures_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app
        .staff_token("ledger.admin", "370000-office", Role::Admin)
        .await;
    let holders = make_cases(&app).await;
    assert_eq!(holders.len(), 30);
    let from = (beijing_today() - chrono::Duration::days(7))
        .format("%Y-%m-%d")
        .to_string();
    let to = (beijing_today() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let dir = tempdir();

    // --- the command line: a scope and the units below it -----------------------------------
    let scope = "370900-police";
    let (csv_path, xlsx_path) = (dir.join("scope.csv"), dir.join("scope.xlsx"));
    for (format, path) in [("csv", &csv_path), ("xlsx", &xlsx_path)] {
        let out = cli(
            &app,
            &[
                "ledger",
                "export",
                "--scope",
                scope,
                "--below",
                "--from",
                &from,
                "--to",
                &to,
                "--format",
                format,
                "--out",
                path.to_str().unwrap(),
            ],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("row(s)"), "{stdout}");
    }
    let stats_query = format!("from={from}&to={to}&group_by=category&unit={scope}&below=true");
    let api: Value = app
        .staff_get(&admin, &format!("/api/v1/staff/stats?{stats_query}"))
        .await
        .json()
        .await
        .unwrap();
    let in_scope = api["total"]["counts"]["received"].as_i64().unwrap() as usize;
    let expected: usize = holders.values().filter(|u| u.as_str() == "370983-police").count();
    assert!(expected > 0 && expected < 30, "a scope narrower than everything");
    assert_eq!(in_scope, expected);

    let files = read_files(Some(&csv_path), Some(&xlsx_path));
    assert_eq!(files["bom"], true, "Excel needs the BOM to read UTF-8");
    let csv_header: Vec<&str> = files["csv_header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(csv_header[0], "查询码 Tracking code");
    assert!(csv_header.contains(&"问题类别 Category") && csv_header.contains(&"超期 Overdue"));
    assert_eq!(csv_header.len(), 18);
    let rows = files["csv_rows"].as_array().unwrap();
    assert_eq!(rows.len(), expected);
    for r in rows {
        let code = r[0].as_str().unwrap();
        assert_eq!(holders[code], "370983-police", "{code} is out of scope");
        assert_eq!(r[6], "370983-police");
        assert_eq!(r[5], "肥城市公安局");
    }
    assert_anonymous(files["csv_text"].as_str().unwrap());
    assert_anonymous(files["xlsx_text"].as_str().unwrap());
    let names: Vec<&str> = files["sheet_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(names[0], "汇总 Summary");
    let summary = summary_table(files["sheets"]["汇总 Summary"].as_array().unwrap());
    assert_summary_matches(&summary, &api);
    // One sheet per category, its rows the category's cases.
    let sheet_rows: usize = names[1..]
        .iter()
        .map(|n| files["sheets"][*n].as_array().unwrap().len() - 1)
        .sum();
    assert_eq!(sheet_rows, expected);
    assert_eq!(
        names.len() - 1,
        summary.len() - 1,
        "a sheet per category with cases"
    );

    // --- the dashboard's links: everything an administrator sees -------------------------------
    let browser = TestApp::new_client();
    app.sign_in(&browser, "ledger.admin", PASSWORD).await;
    let query = format!("period=custom&from={from}&to={to}");
    let mut downloaded = HashMap::new();
    for ext in ["csv", "xlsx"] {
        let resp = browser
            .get(app.url(&format!("/handler/stats/ledger.{ext}?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let disposition = resp.headers()["content-disposition"].to_str().unwrap().to_owned();
        let (a, b) = (from.replace('-', ""), to.replace('-', ""));
        assert_eq!(disposition, format!("attachment; filename=ledger-{a}-{b}.{ext}"));
        let path = dir.join(format!("all.{ext}"));
        std::fs::write(&path, resp.bytes().await.unwrap()).unwrap();
        downloaded.insert(ext, path);
    }
    let files = read_files(Some(&downloaded["csv"]), Some(&downloaded["xlsx"]));
    assert_eq!(files["bom"], true);
    let rows = files["csv_rows"].as_array().unwrap();
    assert_eq!(rows.len(), 30, "every case");
    // The six stubborn problems first, in their order.
    let first_categories: Vec<&str> = rows.iter().map(|r| r[4].as_str().unwrap()).collect();
    let stubborn = minsheng::domain::ledger::STUBBORN_PROBLEMS;
    let rank = |c: &str| stubborn.iter().position(|s| *s == c).unwrap_or(99);
    assert!(first_categories.windows(2).all(|w| rank(w[0]) <= rank(w[1])));
    assert_eq!(first_categories[0], "interfering_with_justice");
    assert_anonymous(files["csv_text"].as_str().unwrap());
    assert_anonymous(files["xlsx_text"].as_str().unwrap());
    let api: Value = app
        .staff_get(
            &admin,
            &format!("/api/v1/staff/stats?from={from}&to={to}&group_by=category"),
        )
        .await
        .json()
        .await
        .unwrap();
    let summary = summary_table(files["sheets"]["汇总 Summary"].as_array().unwrap());
    assert_summary_matches(&summary, &api);
    assert!(
        files["sheet_names"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "违反防止干预司法“三个规定”"),
        "{:?}",
        files["sheet_names"]
    );
    // Concluded cases say how long they took; a granted extension its days.
    let xlsx_rows: Vec<&Value> = files["sheet_names"].as_array().unwrap()[1..]
        .iter()
        .flat_map(|n| files["sheets"][n.as_str().unwrap()].as_array().unwrap()[1..].iter())
        .collect();
    assert_eq!(xlsx_rows.len(), 30);
    assert!(
        xlsx_rows.iter().any(|r| r[11].as_f64() == Some(10.0)),
        "an extension of 10 days"
    );
    assert!(
        xlsx_rows.iter().any(|r| r[14].as_f64() == Some(0.0)),
        "concluded the same day"
    );

    // --- a handler sees their own unit's cases, and asks for another unit in vain --------------
    let handler_browser = TestApp::new_client();
    app.staff_token("ledger.own", "370983-police", Role::Handler)
        .await;
    app.sign_in(&handler_browser, "ledger.own", PASSWORD).await;
    let own = handler_browser
        .get(app.url(&format!("/handler/stats/ledger.csv?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    let path = dir.join("own.csv");
    std::fs::write(&path, own.bytes().await.unwrap()).unwrap();
    let files = read_files(Some(&path), None);
    assert_eq!(files["csv_rows"].as_array().unwrap().len(), expected);
    let other = handler_browser
        .get(app.url(&format!("/handler/stats/ledger.xlsx?{query}&unit=370900-police")))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    let signed_out = TestApp::new_client()
        .get(app.url(&format!("/handler/stats/ledger.csv?{query}")))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 303, "to the login page");
    std::fs::remove_dir_all(&dir).ok();

    // Page by page (keyset), the rows are those of one long page, in the same order.
    use minsheng::domain::stats::{period, GroupBy, Period};
    use minsheng::storage::ledger::page;
    let q = minsheng::storage::stats::StatsQuery {
        period: Period {
            from: period::day_number(beijing_today()) - 7,
            to: period::day_number(beijing_today()) + 1,
        },
        units: None,
        kind: None,
        category: None,
        channel: None,
        regions: None,
        event: None,
        group_by: GroupBy::Unit,
        now: chrono::Utc::now().naive_utc(),
    };
    app.with_db(|c| {
        let categories = minsheng::storage::ledger::categories(c, &q).unwrap();
        let mut seen = 0;
        for (category, n) in categories {
            let whole: Vec<i64> = page(c, &q, &category, None, 1000)
                .unwrap()
                .iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(whole.len() as i64, n);
            let mut paged = Vec::new();
            let mut after = None;
            loop {
                let rows = page(c, &q, &category, after.as_ref(), 2).unwrap();
                paged.extend(rows.iter().map(|r| r.id));
                match rows.last() {
                    Some(last) if rows.len() == 2 => after = Some(last.key()),
                    _ => break,
                }
            }
            assert_eq!(paged, whole, "{category}");
            seen += whole.len();
        }
        assert_eq!(seen, 30);
    });
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("minsheng-ledger-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

crate::on_both_backends!(the_ledger_lists_the_cases_the_figures_count);
