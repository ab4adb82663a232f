//! The staff API: a case worked from arrival to resolution, the reach/role/state refusals
//! (404/403/409), hidden identities of reporters, dispatch, and a queue that pages stably.

use minsheng::domain::kind::Role;
use serde_json::{json, Value};

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

async fn json(resp: reqwest::Response, status: u16) -> Value {
    let code = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(code, status, "{body}");
    body
}

async fn a_case_is_worked_from_arrival_to_resolution(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let supervisor = app
        .staff_token("taian.supervisor", "370900-police", Role::Supervisor)
        .await;
    let (code, key) = app.submit(&valid_json(1)).await;

    let queue = json(app.staff_get(&handler, "/api/v1/staff/queue").await, 200).await;
    assert_eq!(queue["cases"][0]["tracking_code"], code.as_str());
    assert_eq!(queue["cases"][0]["days_left"], 15, "15 days to decide acceptance");
    assert_eq!(queue["counts"]["assigned"], 1);

    let case = json(
        app.staff_get(&handler, &format!("/api/v1/staff/cases/{code}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        case["reporter"]["name"], "李明",
        "the unit sees a complainant's identity"
    );
    assert!(case["routing_note"].as_str().unwrap().contains("R1"));
    assert_eq!(
        case["allowed_actions"],
        json!(["accept", "reject", "transfer", "decline", "escalate", "merge"])
    );

    let accepted = json(
        app.staff_act(&handler, &code, json!({"action": "accept"})).await,
        200,
    )
    .await;
    assert_eq!(accepted["state"], "accepted");
    assert!(accepted["handle_deadline"].is_string());
    let first_deadline = accepted["handle_deadline"].as_str().unwrap().to_owned();

    let too_long = app.staff_act(
        &handler,
        &code,
        json!({"action": "request_extension", "days": 40, "reason": "需要调查"}),
    );
    let too_long = json(too_long.await, 422).await;
    assert!(too_long["error"]["fields"]["days"].is_array());
    json(
        app.staff_act(
            &handler,
            &code,
            json!({"action": "request_extension", "days": 10, "reason": "需要调取录像"}),
        )
        .await,
        200,
    )
    .await;
    json(
        app.staff_act(&handler, &code, json!({"action": "approve_extension"}))
            .await,
        403,
    )
    .await;
    let approved = json(
        app.staff_act(&supervisor, &code, json!({"action": "approve_extension"}))
            .await,
        200,
    )
    .await;
    assert_eq!(approved["extension"], "granted");
    let new_deadline = approved["handle_deadline"].as_str().unwrap();
    let days = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    assert_eq!((days(new_deadline) - days(&first_deadline)).num_days(), 10);

    let resolved = app.staff_act(
        &handler,
        &code,
        json!({"action": "resolve", "outcome": "partly", "result": "已增开一个户籍窗口，并对值班民警进行了批评教育。"}),
    );
    let resolved = json(resolved.await, 200).await;
    assert_eq!(resolved["state"], "resolved");
    assert_eq!(resolved["allowed_actions"], json!([]));

    // The citizen sees the public steps and the result, not the internal extension request.
    let status = app
        .client
        .get(app.url(&format!("/api/v1/submissions/{code}")))
        .header("X-Access-Key", key)
        .send()
        .await
        .unwrap();
    let status = json(status, 200).await;
    assert_eq!(status["state"], "resolved");
    let notes: Vec<&str> = status["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["note"].as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("已增开一个户籍窗口")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("延期 10 日")), "{notes:?}");
    assert!(!notes.iter().any(|n| n.contains("申请延期")), "{notes:?}");
    // Every step is in the audit chain, with its actor.
    let verified = app.with_db(|c| minsheng::storage::audit::verify(c).unwrap());
    assert_eq!(verified.first_broken, None);
    assert_eq!(verified.entries, 2 + 4);
}

async fn refusals_are_404_403_409_and_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let stranger = app
        .staff_token("xintai.handler", "370982-police", Role::Handler)
        .await;
    let dispatcher = app
        .staff_token("feicheng.office", "370983-office", Role::Dispatcher)
        .await;
    let (code, _) = app.submit(&valid_json(1)).await;
    let path = format!("/api/v1/staff/cases/{code}");

    let hidden = json(app.staff_get(&stranger, &path).await, 404).await;
    let unknown = json(
        app.staff_get(&stranger, "/api/v1/staff/cases/MS-0000-0000-0000")
            .await,
        404,
    )
    .await;
    assert_eq!(hidden, unknown, "a case out of reach looks like no case");
    json(
        app.staff_act(&stranger, &code, json!({"action": "accept"})).await,
        404,
    )
    .await;
    json(
        app.staff_act(&dispatcher, &code, json!({"action": "accept"}))
            .await,
        404,
    )
    .await;

    let none = app.client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["www-authenticate"], "Bearer");
    json(app.staff_get("mst_not-a-real-token", &path).await, 401).await;

    json(
        app.staff_act(
            &handler,
            &code,
            json!({"action": "supervise", "deadline": "2026-12-01"}),
        )
        .await,
        403,
    )
    .await;
    json(
        app.staff_act(
            &handler,
            &code,
            json!({"action": "resolve", "outcome": "partly", "result": "这是一个足够长的办理结果。"}),
        )
        .await,
        409,
    )
    .await;
    json(
        app.staff_act(&handler, &code, json!({"action": "accept"})).await,
        200,
    )
    .await;
    json(
        app.staff_act(&handler, &code, json!({"action": "accept"})).await,
        409,
    )
    .await;
    let bad = json(
        app.staff_act(&handler, &code, json!({"action": "fly"})).await,
        422,
    )
    .await;
    assert!(bad["error"]["fields"]["action"].is_array());
    json(
        app.staff_act(&handler, &code, json!({"action": "reject"})).await,
        409,
    )
    .await;
    // Refused actions changed nothing: one accept on the timeline.
    let case = json(app.staff_get(&handler, &path).await, 200).await;
    let accepts = case["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "accepted")
        .count();
    assert_eq!(accepts, 1);
}

async fn a_reporter_stays_hidden_until_a_supervisor_reveals_with_a_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.jw", "370983-discipline", Role::Handler)
        .await;
    let supervisor = app
        .staff_token("taian.jw", "370900-discipline", Role::Supervisor)
        .await;
    let mut report = valid_json(3);
    report["kind"] = json!("report");
    report["category"] = json!("illegal_business");
    let (code, _) = app.submit(&report).await;
    let path = format!("/api/v1/staff/cases/{code}");

    let case = json(app.staff_get(&handler, &path).await, 200).await;
    assert_eq!(case["assigned_unit"], "370983-discipline");
    assert_eq!(case["reporter"], Value::Null);
    assert_eq!(case["identity_hidden"], true);
    assert!(!case.to_string().contains("李明"));

    json(
        app.staff_act(
            &handler,
            &code,
            json!({"action": "reveal_identity", "reason": "需要核实"}),
        )
        .await,
        403,
    )
    .await;
    json(
        app.staff_act(&supervisor, &code, json!({"action": "reveal_identity"}))
            .await,
        422,
    )
    .await;
    let revealed = app.staff_act(
        &supervisor,
        &code,
        json!({"action": "reveal_identity", "reason": "核实举报线索需要联系举报人"}),
    );
    let revealed = json(revealed.await, 200).await;
    assert_eq!(revealed["reporter"]["name"], "李明");
    assert_eq!(revealed["reporter"]["id_number"], "11010519491231002X");
    // Seen once, in that answer; the next look is hidden again, and the reveal is on record.
    let again = json(app.staff_get(&supervisor, &path).await, 200).await;
    assert_eq!(again["reporter"], Value::Null);
    let reveal = again["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "identity_revealed")
        .cloned();
    let reveal = reveal.expect("the reveal is on the timeline");
    assert_eq!(reveal["actor"], "taian.jw");
    assert_eq!(reveal["public"], false);
    assert_eq!(reveal["reason"], "核实举报线索需要联系举报人");

    // Never to the unit reported.
    let to_target = app.staff_act(
        &handler,
        &code,
        json!({"action": "transfer", "unit": "370983-police", "reason": "转交"}),
    );
    json(to_target.await, 409).await;
}

async fn unrouted_cases_are_dispatched_and_can_be_declined(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let dispatcher = app
        .staff_token("feicheng.office", "370983-office", Role::Dispatcher)
        .await;
    let court = app
        .staff_token("feicheng.court", "370983-court", Role::Handler)
        .await;
    let mut other = valid_json(4);
    other["category"] = json!("other");
    other.as_object_mut().unwrap().remove("target_unit");
    let (code, _) = app.submit(&other).await;

    let queue = json(app.staff_get(&dispatcher, "/api/v1/staff/queue").await, 200).await;
    assert_eq!(queue["cases"][0]["tracking_code"], code.as_str());
    assert_eq!(queue["cases"][0]["state"], "pending_dispatch");
    let sent = app.staff_act(
        &dispatcher,
        &code,
        json!({"action": "dispatch", "unit": "370983-court"}),
    );
    let sent = json(sent.await, 200).await;
    assert_eq!(
        (sent["state"].as_str(), sent["assigned_unit"].as_str()),
        (Some("assigned"), Some("370983-court"))
    );
    json(
        app.staff_get(&dispatcher, &format!("/api/v1/staff/cases/{code}"))
            .await,
        404,
    )
    .await;

    let declined = app.staff_act(
        &court,
        &code,
        json!({"action": "decline", "reason": "不属于法院职责"}),
    );
    let declined = json(declined.await, 200).await;
    assert_eq!(declined["state"], "pending_dispatch");
    assert_eq!(declined["dispatch_unit"], "370983-office");
    let queue = json(app.staff_get(&dispatcher, "/api/v1/staff/queue").await, 200).await;
    assert_eq!(queue["cases"].as_array().unwrap().len(), 1);
}

async fn the_queue_filters_and_pages_stably_while_cases_arrive(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let supervisor = app
        .staff_token("taian.supervisor", "370900-police", Role::Supervisor)
        .await;
    let mut first = Vec::new();
    for n in 0..120 {
        let mut body = valid_json(n);
        body["title"] = json!(format!("窗口排队 第{n}件"));
        first.push(app.submit(&body).await.0);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/staff/queue?cursor={c}"),
            None => "/api/v1/staff/queue".to_owned(),
        };
        let page = json(app.staff_get(&handler, &path).await, 200).await;
        pages += 1;
        for c in page["cases"].as_array().unwrap() {
            seen.push(c["tracking_code"].as_str().unwrap().to_owned());
        }
        // New cases arrive between pages; their deadlines are later, so they come after.
        for n in 0..10 {
            app.submit(&valid_json(1000 + pages * 10 + n)).await;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no case shown twice");
    assert_eq!(
        &seen[..120],
        &first[..],
        "the first cases in arrival (deadline) order, none skipped"
    );

    let found = json(
        app.staff_get(&handler, "/api/v1/staff/queue?q=%E7%AC%AC7%E4%BB%B6")
            .await,
        200,
    )
    .await;
    assert_eq!(
        found["cases"].as_array().unwrap().len(),
        1,
        "the title search finds 第7件"
    );
    let none = json(
        app.staff_get(&handler, "/api/v1/staff/queue?overdue=true").await,
        200,
    )
    .await;
    assert_eq!(none["cases"].as_array().unwrap().len(), 0);
    let supervised = app.staff_act(
        &supervisor,
        &first[5],
        json!({"action": "supervise", "deadline": "2026-01-01", "note": "限期办理"}),
    );
    json(supervised.await, 200).await;
    let overdue = json(
        app.staff_get(&supervisor, "/api/v1/staff/queue?overdue=true")
            .await,
        200,
    )
    .await;
    assert_eq!(overdue["cases"][0]["tracking_code"], first[5].as_str());
    assert_eq!(overdue["cases"][0]["overdue"], true);
    assert_eq!(overdue["cases"][0]["supervised"], true);
    // Under supervision with a deadline still ahead: not overdue, but in the supervision view.
    let ahead = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let watched = app
        .staff_act(
            &supervisor,
            &first[6],
            json!({"action": "supervise", "deadline": ahead}),
        )
        .await;
    json(watched, 200).await;
    let attention = json(
        app.staff_get(&supervisor, "/api/v1/staff/queue?attention=true")
            .await,
        200,
    )
    .await;
    let codes: Vec<&str> = attention["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tracking_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, [first[5].as_str(), first[6].as_str()]);
    let kinds = json(
        app.staff_get(&handler, "/api/v1/staff/queue?kind=opinion").await,
        200,
    )
    .await;
    assert_eq!(kinds["cases"].as_array().unwrap().len(), 0);
    json(
        app.staff_get(&handler, "/api/v1/staff/queue?cursor=garbage")
            .await,
        400,
    )
    .await;
}

on_both_backends!(
    a_case_is_worked_from_arrival_to_resolution,
    refusals_are_404_403_409_and_401,
    a_reporter_stays_hidden_until_a_supervisor_reveals_with_a_reason,
    unrouted_cases_are_dispatched_and_can_be_declined,
    the_queue_filters_and_pages_stably_while_cases_arrive,
    every_action_by_every_role_in_four_states,
);

/// Every action by every role on cases in four states, through HTTP: the status is what the state
/// machine and the actor's reach say (200, 404, 403 or 409), and a refusal changes nothing.
async fn every_action_by_every_role_in_four_states(backend: Backend) {
    use minsheng::domain::case::{check, Action, CaseFacts, Extension, Reach, Refusal};
    use minsheng::domain::kind::{Kind, State};
    let app = TestApp::spawn(backend).await;
    let handler = app.staff_token("m.handler", "370983-police", Role::Handler).await;
    let supervisor = app
        .staff_token("m.supervisor", "370900-police", Role::Supervisor)
        .await;
    let dispatcher = app
        .staff_token("m.dispatcher", "370983-office", Role::Dispatcher)
        .await;
    let admin = app.staff_token("m.admin", "370000-office", Role::Admin).await;
    let actors = [
        (Role::Handler, &handler),
        (Role::Supervisor, &supervisor),
        (Role::Dispatcher, &dispatcher),
        (Role::Admin, &admin),
    ];
    let (into, _) = app.submit(&valid_json(9999)).await;
    let payload = |a: Action| match a {
        Action::Accept | Action::ApproveExtension => json!({"action": a.code()}),
        Action::Reject
        | Action::Decline
        | Action::Escalate
        | Action::RefuseExtension
        | Action::RevealIdentity => {
            json!({"action": a.code(), "reason": "测试理由"})
        }
        Action::Transfer => json!({"action": "transfer", "unit": "370983-court", "reason": "测试理由"}),
        Action::Dispatch => json!({"action": "dispatch", "unit": "370983-court"}),
        Action::RequestExtension => json!({"action": "request_extension", "days": 5, "reason": "测试理由"}),
        Action::Resolve => {
            json!({"action": "resolve", "outcome": "partly", "result": "这是一段足够长的办理结果说明。"})
        }
        Action::Merge => json!({"action": "merge", "into": into, "reason": "测试理由"}),
        Action::Unlink => json!({"action": "unlink", "reason": "测试理由"}),
        Action::Supervise => json!({"action": "supervise", "deadline": "2030-01-01"}),
    };
    let mut checked = 0;
    for state in [
        State::Assigned,
        State::Accepted,
        State::PendingDispatch,
        State::Resolved,
    ] {
        for (role, token) in actors {
            for &action in Action::ALL {
                // A fresh case in `state` for every attempt.
                let mut body = valid_json(checked);
                if state == State::PendingDispatch {
                    body["category"] = json!("other");
                    body.as_object_mut().unwrap().remove("target_unit");
                }
                let (code, _) = app.submit(&body).await;
                if matches!(state, State::Accepted | State::Resolved) {
                    json(
                        app.staff_act(&handler, &code, json!({"action": "accept"})).await,
                        200,
                    )
                    .await;
                }
                if state == State::Resolved {
                    json(
                        app.staff_act(&handler, &code, payload(Action::Resolve)).await,
                        200,
                    )
                    .await;
                }
                let reach = match (role, state) {
                    (Role::Handler, State::PendingDispatch) | (Role::Supervisor, State::PendingDispatch) => {
                        Reach::Outside
                    }
                    (Role::Handler, _) => Reach::OwnUnit,
                    (Role::Supervisor, _) => Reach::Subordinate,
                    (Role::Dispatcher, State::PendingDispatch) => Reach::DispatchArea,
                    _ => Reach::Outside,
                };
                let facts = CaseFacts {
                    state,
                    kind: Kind::Complaint,
                    extension: Extension::None,
                    linked: false,
                };
                let expected = match check(action, role, reach, facts) {
                    // The case to link to is assigned: out of a dispatcher's reach, so no such case.
                    Ok(_) if role == Role::Dispatcher && action == Action::Merge => 422,
                    Ok(_) => 200,
                    Err(Refusal::NotFound) => 404,
                    Err(Refusal::Forbidden) => 403,
                    Err(Refusal::Conflict) => 409,
                };
                let before = app.with_db(|c| minsheng::storage::submissions::count_events(c).unwrap());
                let resp = app.staff_act(token, &code, payload(action)).await;
                let status = resp.status().as_u16();
                assert_eq!(
                    status,
                    expected,
                    "{role:?} {action:?} on a {state:?} case: {}",
                    resp.text().await.unwrap()
                );
                let after = app.with_db(|c| minsheng::storage::submissions::count_events(c).unwrap());
                // Linking and unlinking leave an event on the case's and on the lead's timeline.
                let events = if matches!(action, Action::Merge | Action::Unlink) {
                    2
                } else {
                    1
                };
                assert_eq!(
                    after - before,
                    i64::from(expected == 200) * events,
                    "{role:?} {action:?} on {state:?}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * 4 * Action::ALL.len());
}
