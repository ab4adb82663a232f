//! Routing through the real intake: submissions land on the expected units (or wait for dispatch),
//! the decision and its explanation are stored, and the status API shows them.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::{Backend, TestApp};
use crate::on_both_backends;

struct Expect {
    body: Value,
    state: &'static str,
    unit: Option<&'static str>,
    rule: Option<&'static str>,
    dispatch: Option<&'static str>,
}

fn submission(kind: &str, category: &str, region: &str, target: Option<&str>) -> Value {
    let mut v = json!({
        "kind": kind, "category": category, "region": region,
        "body": "这是一段用于测试分办规则的来件内容，描述了具体情况。",
    });
    if let Some(t) = target {
        v["target_unit"] = json!(t);
    }
    v
}

async fn submissions_land_on_the_expected_units(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        Expect {
            body: submission("complaint", "service_attitude", "370983", Some("370983-police")),
            state: "assigned",
            unit: Some("370983-police"),
            rule: Some("R1"),
            dispatch: None,
        },
        Expect {
            body: submission("report", "illegal_business", "370983", Some("370983-police")),
            state: "assigned",
            unit: Some("370983-discipline"),
            rule: Some("R5"),
            dispatch: None,
        },
        Expect {
            body: submission(
                "report",
                "improper_lawyer_contact",
                "370983",
                Some("370983-discipline"),
            ),
            state: "assigned",
            unit: Some("370900-discipline"),
            rule: Some("R5"),
            dispatch: None,
        },
        Expect {
            body: submission("help", "judgment_enforcement", "370503", None),
            state: "assigned",
            unit: Some("370500-court"),
            rule: Some("R8"),
            dispatch: None,
        },
        Expect {
            body: submission("opinion", "policy_suggestion", "371100", None),
            state: "assigned",
            unit: Some("371100-plc"),
            rule: Some("R6"),
            dispatch: None,
        },
        Expect {
            body: submission("complaint", "other", "370302", None),
            state: "pending_dispatch",
            unit: None,
            rule: None,
            dispatch: Some("370300-office"),
        },
    ];
    for (i, case) in cases.iter().enumerate() {
        let resp = app.post_json(&case.body).await;
        assert_eq!(resp.status(), 201, "case {i}");
        let created: Value = resp.json().await.unwrap();
        assert_eq!(created["state"], case.state, "case {i}");
        let code = created["tracking_code"].as_str().unwrap().to_owned();
        let status: Value = app
            .client
            .get(app.url(&format!("/api/v1/submissions/{code}")))
            .header("X-Access-Key", created["access_key"].as_str().unwrap())
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(status["state"], case.state, "case {i}");
        assert_eq!(
            status["assigned_unit"]["code"].as_str(),
            case.unit,
            "case {i}: {status}"
        );
        let last = status["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["state"], case.state);
        let note = last["note"].as_str().unwrap();
        match case.rule {
            Some(rule) => assert!(note.starts_with(&format!("Rule {rule} (")), "case {i}: {note}"),
            None => assert!(note.starts_with("No routing rule applies"), "case {i}: {note}"),
        }
        let (rule, zh, dispatch): (Option<String>, Option<String>, Option<String>) = app.with_db(|c| {
            use minsheng::storage::schema::submissions::dsl::*;
            submissions
                .filter(tracking_code.eq(&code))
                .select((routing_rule, routing_note, dispatch_unit))
                .first(c)
                .unwrap()
        });
        assert_eq!(rule.as_deref(), case.rule, "case {i}");
        assert!(
            zh.is_some_and(|z| !z.is_empty()),
            "case {i}: the Chinese explanation is stored"
        );
        assert_eq!(dispatch.as_deref(), case.dispatch, "case {i}");
    }
}

on_both_backends!(submissions_land_on_the_expected_units);
