//! Storage guarantees: migration trees in lock-step and reversible on both backends; identity
//! encrypted at rest; reference data loaded idempotently; health checks.

use diesel::prelude::*;
use minsheng::storage::{migrations, reference, Db};
use serde_json::Value;

use crate::helpers::{config_dir, test_settings, valid_json, Backend, TestApp, TestDb};
use crate::on_both_backends;

#[test]
fn migration_trees_hold_the_same_names() {
    let sqlite = migrations::names(&migrations::SQLITE);
    let postgres = migrations::names(&migrations::POSTGRES);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

async fn migrations_go_up_down_and_up_again(backend: Backend) {
    let db = TestDb::create(backend);
    let settings = test_settings(&db);
    let pool = Db::connect(&settings.database).unwrap();
    let mut conn = pool.get().unwrap();
    let total = migrations::names(&migrations::SQLITE).len();
    assert_eq!(migrations::run_pending(&mut conn).unwrap(), total);
    assert_eq!(migrations::revert_all(&mut conn).unwrap(), total);
    assert_eq!(migrations::run_pending(&mut conn).unwrap(), total);
    assert_eq!(migrations::run_pending(&mut conn).unwrap(), 0);
    let catalog = minsheng::catalog::Catalog::load(config_dir()).unwrap();
    reference::sync(&mut conn, &catalog).unwrap();
    reference::sync(&mut conn, &catalog).unwrap();
    // A row changed in the database is put back; unchanged rows are left alone.
    diesel::connection::SimpleConnection::batch_execute(
        &mut *conn,
        "UPDATE units SET name = 'x' WHERE code = '370983-police'",
    )
    .unwrap();
    reference::sync(&mut conn, &catalog).unwrap();
    let name: String = {
        use minsheng::storage::schema::units::dsl::*;
        units
            .filter(code.eq("370983-police"))
            .select(name)
            .first(&mut *conn)
            .unwrap()
    };
    assert_eq!(name, "肥城市公安局");
    let (regions, units, categories) = reference::counts(&mut conn).unwrap();
    assert_eq!(regions as usize, catalog.regions.len());
    assert_eq!(units as usize, catalog.units.len());
    assert_eq!(categories as usize, catalog.categories.len());
}

async fn identity_is_encrypted_at_rest(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created: Value = app.post_json(&valid_json(5)).await.json().await.unwrap();
    let key = created["access_key"].as_str().unwrap().to_owned();
    let row = app.with_db(|c| {
        use minsheng::storage::schema::submissions::dsl::*;
        submissions
            .select((
                tracking_code,
                reporter_sealed,
                contact_index,
                access_key_hash,
                anonymous,
            ))
            .first::<(String, Option<Vec<u8>>, Option<String>, String, bool)>(c)
            .unwrap()
    });
    let (code, sealed, index, hash, anon) = row;
    let sealed = sealed.expect("identity stored sealed");
    for secret in [
        "李明".as_bytes(),
        b"13800138000",
        b"citizen5@example.com",
        b"11010519491231002X",
    ] {
        assert!(
            !sealed.windows(secret.len()).any(|w| w == secret),
            "identity in clear at rest"
        );
    }
    assert!(!anon);
    assert_eq!(
        index.unwrap(),
        app.state.vault.blind_index("citizen5@example.com")
    );
    assert!(
        !hash.contains(&key.replace('-', "")),
        "the access key is stored hashed"
    );
    // Only the vault, with the row's tracking code as context, opens it.
    let plain = app.state.vault.open(&sealed, code.as_bytes()).unwrap();
    let identity: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(identity["name"], "李明");
    assert_eq!(identity["id_number"], "11010519491231002X");
    assert!(app.state.vault.open(&sealed, b"MS-0000-0000-0000").is_err());
}

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let up = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(up.status(), 200);
    let id = up.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let other = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);
}

async fn concurrent_submissions_all_land(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bodies: Vec<Value> = (0..40).map(|n| valid_json(100 + n)).collect();
    let sends = bodies.iter().map(|b| app.post_json(b));
    let results = futures_util::future::join_all(sends).await;
    let codes: std::collections::HashSet<String> =
        futures_util::future::join_all(results.into_iter().map(|r| async {
            assert_eq!(r.status(), 201);
            let v: Value = r.json().await.unwrap();
            v["tracking_code"].as_str().unwrap().to_owned()
        }))
        .await
        .into_iter()
        .collect();
    assert_eq!(codes.len(), 40);
    assert_eq!(app.submission_count(), 40);
    assert_eq!(app.event_count(), 80);
}

on_both_backends!(
    migrations_go_up_down_and_up_again,
    identity_is_encrypted_at_rest,
    health_and_readiness,
    concurrent_submissions_all_land,
    a_failing_write_leaves_nothing_and_spares_its_neighbours,
    a_taken_tracking_code_is_refused_and_recognised,
);

async fn a_failing_write_leaves_nothing_and_spares_its_neighbours(backend: Backend) {
    use minsheng::error::AppError;
    use minsheng::storage::contact_quota::take as take_contact_quota;
    use minsheng::storage::schema::contact_quota::dsl::*;
    let app = TestApp::spawn(backend).await;
    let db = &app.state.db;
    // Today, so that housekeeping (which forgets past days) leaves the rows alone.
    let (today, _) = minsheng::domain::deadlines::beijing_day(chrono::Utc::now());
    let (day_good, day_bad) = (today.clone(), today);
    // On SQLite the first job holds the writer while the next two queue up and share one commit.
    let (slow, good, bad) = tokio::join!(
        db.write(|_| {
            std::thread::sleep(std::time::Duration::from_millis(200));
            Ok::<_, AppError>(())
        }),
        db.write(move |c| Ok::<_, AppError>(take_contact_quota(c, "good", &day_good, 5)?)),
        db.write(move |c| {
            take_contact_quota(c, "bad", &day_bad, 5)?;
            Err::<bool, _>(AppError::NotFound)
        }),
    );
    assert!(slow.is_ok());
    assert!(good.unwrap());
    assert!(matches!(bad, Err(AppError::NotFound)));
    let stored: Vec<String> = app.with_db(|c| contact_quota.select(contact_index).load(c).unwrap());
    assert_eq!(stored, vec!["good".to_owned()]);
}

/// The intake draws a tracking code and relies on the unique indexes instead of looking first
/// (issue #14): a taken code — by a case, or by an audit chain — must be refused, recognised as
/// taken (so another is drawn), and leave nothing behind.
async fn a_taken_tracking_code_is_refused_and_recognised(backend: Backend) {
    use minsheng::storage::audit::{self, AuditEntry};
    use minsheng::storage::new_case;
    use minsheng::storage::submissions::{NewEventRow, NewSubmissionRow};
    let app = TestApp::spawn(backend).await;
    let (taken, _) = app.submit(&valid_json(1)).await;
    let at = chrono::Utc::now().naive_utc();
    let row = |code: &'static str| NewSubmissionRow {
        tracking_code: code,
        access_key_hash: "x",
        kind: "complaint",
        category: "service_attitude",
        channel: "api",
        region: "370983",
        target_unit: None,
        title: None,
        body: "正文",
        reporter_sealed: None,
        contact_index: None,
        anonymous: true,
        lang: "zh-CN",
        state: "assigned",
        assigned_unit: Some("370983-police"),
        created_at: at,
        updated_at: at,
        routing_rule: None,
        routing_note: None,
        routing_note_en: None,
        dispatch_unit: None,
        due_at: None,
        accept_deadline: None,
        event_id: None,
        kiosk_id: None,
        entered_by: None,
        received_day: 20_000,
        received_month: 600,
        publishable: false,
    };
    let entry = |code: &'static str| AuditEntry {
        at,
        actor: audit::SYSTEM,
        action: "submitted",
        case_code: Some(code),
        detail: None,
    };
    let before = (app.submission_count(), app.event_count());
    let taken: &'static str = Box::leak(taken.into_boxed_str());
    // An audit chain of this code exists, though no case has it.
    let orphan = "ZZZZ-ZZZZ-ZZZZ";
    app.with_db(|c| audit::append(c, &entry(orphan)).unwrap());
    for code in [taken, orphan] {
        let result = app.with_db(|c| {
            c.transaction::<_, diesel::result::Error, _>(|c| {
                let mut events = [NewEventRow {
                    action: "submitted",
                    state: "submitted",
                    at,
                    ..Default::default()
                }];
                new_case::insert(c, &row(code), &mut events, &audit::new_chain(&[entry(code)]))
            })
        });
        let e = result.expect_err(code);
        assert!(new_case::code_taken(&e), "{code}: {e}");
    }
    assert_eq!((app.submission_count(), app.event_count()), before);
    // Any other refusal is not mistaken for a taken code.
    let other = diesel::result::Error::NotFound;
    assert!(!new_case::code_taken(&other));
}
