//! The audit log: a hash chain per case (per actor for the rest) and checkpoints sealed by one
//! job at a time. What is changed, removed or added behind the service's back is found, and
//! writers of different cases do not wait for each other. A large backlog is sealed as several
//! bounded checkpoints, so sealing never holds the writer long.

use std::time::Duration;

use chrono::Utc;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use minsheng::domain::kind::Role;
use minsheng::jobs::sealer;
use minsheng::storage::audit::{self, AuditEntry, Sealed, Verification};
use minsheng::storage::connection::write_transaction;
use minsheng::storage::schema::audit_log;
use minsheng::storage::submissions::{self, CaseChanges, NewEventRow};
use minsheng::storage::DbConn;
use serde_json::json;

use crate::helpers::{valid_json, Backend, TestApp};
use crate::on_both_backends;

/// Appends an entry about no case, as `actor`, in a transaction of its own.
async fn note(app: &TestApp, actor: &'static str, detail: &'static str) {
    app.state
        .db
        .write(move |c| -> Result<_, minsheng::error::AppError> {
            Ok(audit::append(
                c,
                &AuditEntry {
                    at: Utc::now().naive_utc(),
                    actor,
                    action: "noted",
                    case_code: None,
                    detail: Some(detail),
                },
            )?)
        })
        .await
        .unwrap();
}

async fn seal(app: &TestApp) -> Option<Sealed> {
    sealer::seal(&app.state.db, Utc::now()).await.unwrap()
}

fn verify(app: &TestApp) -> Verification {
    app.with_db(|c| audit::verify(c).unwrap())
}

fn sql(app: &TestApp, statement: &str) {
    app.with_db(|c| c.batch_execute(statement).unwrap());
}

/// Keeps entry `id` aside, then removes it.
fn remove(app: &TestApp, id: i64) {
    sql(
        app,
        &format!(
            "DROP TABLE IF EXISTS audit_kept; \
             CREATE TABLE audit_kept AS SELECT * FROM audit_log WHERE id = {id}; \
             DELETE FROM audit_log WHERE id = {id};"
        ),
    );
}

/// Puts back what [`remove`] kept aside.
fn put_back(app: &TestApp) {
    sql(
        app,
        "INSERT INTO audit_log SELECT * FROM audit_kept; DROP TABLE audit_kept;",
    );
}

/// Inserts an entry that hashes and links like a real one at the end of `chain`, as someone with
/// write access to the database could, marked with `checkpoint`. Returns its id.
fn forge(app: &TestApp, chain: &str, checkpoint: Option<i64>) -> i64 {
    app.with_db(|c| {
        let (seq, prev): (i64, String) = audit_log::table
            .filter(audit_log::chain.eq(chain))
            .order(audit_log::seq.desc())
            .select((audit_log::seq, audit_log::hash))
            .first(c)
            .unwrap();
        let at = Utc::now().naive_utc();
        let entry = AuditEntry {
            at,
            actor: "auditor",
            action: "noted",
            case_code: None,
            detail: Some("nothing happened"),
        };
        let hash = audit::entry_hash(chain, seq + 1, &prev, &entry);
        diesel::insert_into(audit_log::table)
            .values((
                audit_log::at.eq(at),
                audit_log::actor.eq("auditor"),
                audit_log::action.eq("noted"),
                audit_log::detail.eq("nothing happened"),
                audit_log::prev_hash.eq(&prev),
                audit_log::hash.eq(&hash),
                audit_log::chain.eq(chain),
                audit_log::seq.eq(seq + 1),
                audit_log::checkpoint.eq(checkpoint),
            ))
            .execute(c)
            .unwrap();
        audit_log::table
            .filter(audit_log::hash.eq(&hash))
            .select(audit_log::id)
            .first(c)
            .unwrap()
    })
}

async fn changed_removed_and_added_entries_are_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Entries 1–2 and 3–4: two cases' chains (received, routed); 5–7: an auditor's chain.
    for n in 0..2 {
        app.submit(&valid_json(n)).await;
    }
    for detail in ["one", "two", "three"] {
        note(&app, "auditor", detail).await;
    }
    assert_eq!(verify(&app).unsealed, 7);
    assert_eq!(
        seal(&app).await,
        Some(Sealed {
            checkpoint: 1,
            entries: 7
        })
    );
    assert_eq!(seal(&app).await, None, "nothing new to seal");
    let intact = Verification {
        entries: 7,
        chains: 3,
        checkpoints: 1,
        unsealed: 0,
        first_broken: None,
        broken_checkpoint: None,
    };
    assert_eq!(verify(&app), intact);

    // A changed entry no longer matches its hash.
    sql(&app, "UPDATE audit_log SET detail = 'four' WHERE id = 6");
    assert_eq!(verify(&app).first_broken, Some(6));
    sql(&app, "UPDATE audit_log SET detail = 'two' WHERE id = 6");
    assert_eq!(verify(&app), intact);

    // A changed entry given a fresh hash (and the rest of its chain with it: it is the last) no
    // longer matches the checkpoint that sealed it.
    let (original, rehashed) = app.with_db(|c| {
        let (prev, at, original): (String, chrono::NaiveDateTime, String) = audit_log::table
            .find(7)
            .select((audit_log::prev_hash, audit_log::at, audit_log::hash))
            .first(c)
            .unwrap();
        let entry = AuditEntry {
            at,
            actor: "auditor",
            action: "noted",
            case_code: None,
            detail: Some("four"),
        };
        (original, audit::entry_hash("actor:auditor", 3, &prev, &entry))
    });
    sql(
        &app,
        &format!("UPDATE audit_log SET detail = 'four', hash = '{rehashed}' WHERE id = 7"),
    );
    let v = verify(&app);
    assert_eq!((v.first_broken, v.broken_checkpoint), (None, Some(1)));
    sql(
        &app,
        &format!("UPDATE audit_log SET detail = 'three', hash = '{original}' WHERE id = 7"),
    );
    assert_eq!(verify(&app), intact);

    // A removed entry in the middle of a chain: the next one is out of place.
    remove(&app, 6);
    let v = verify(&app);
    assert_eq!((v.first_broken, v.broken_checkpoint), (Some(7), Some(1)));
    put_back(&app);
    assert_eq!(verify(&app), intact);

    // A removed first entry of a case's chain.
    remove(&app, 3);
    assert_eq!(verify(&app).first_broken, Some(4));
    put_back(&app);

    // A removed last entry, once sealed: its chain looks whole, its checkpoint does not.
    remove(&app, 7);
    let v = verify(&app);
    assert_eq!((v.first_broken, v.broken_checkpoint), (None, Some(1)));
    put_back(&app);
    assert_eq!(verify(&app), intact);

    // An added entry that links and hashes like a real one, slipped into sealed history…
    let forged = forge(&app, "actor:auditor", Some(1));
    let v = verify(&app);
    assert_eq!((v.first_broken, v.broken_checkpoint), (None, Some(1)));
    sql(&app, &format!("DELETE FROM audit_log WHERE id = {forged}"));
    assert_eq!(verify(&app), intact);
    // … or into a checkpoint that was never committed…
    let forged = forge(&app, "actor:auditor", Some(2));
    assert_eq!(verify(&app).first_broken, Some(forged));
    sql(&app, &format!("DELETE FROM audit_log WHERE id = {forged}"));
    // … or into the middle of a chain (the entries after it renumbered to make room).
    let forged = forge(&app, "actor:auditor", None);
    sql(
        &app,
        &format!(
            "UPDATE audit_log SET seq = 10 WHERE id = 7; \
             UPDATE audit_log SET seq = 3 WHERE id = {forged}; \
             UPDATE audit_log SET seq = 4 WHERE id = 7;"
        ),
    );
    assert_eq!(verify(&app).first_broken, Some(7));
    sql(
        &app,
        &format!("DELETE FROM audit_log WHERE id = {forged}; UPDATE audit_log SET seq = 3 WHERE id = 7;"),
    );
    assert_eq!(verify(&app), intact);

    // A removed checkpoint breaks the checkpoints' own chain.
    note(&app, "auditor", "four").await;
    assert_eq!(seal(&app).await.map(|s| s.checkpoint), Some(2));
    sql(&app, "DELETE FROM audit_checkpoints WHERE id = 1");
    assert_eq!(verify(&app).broken_checkpoint, Some(2));
}

async fn entries_written_after_a_checkpoint_go_in_the_next(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (code, _) = app.submit(&valid_json(0)).await;
    assert_eq!(seal(&app).await.map(|s| s.entries), Some(2));
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let resp = app.staff_act(&handler, &code, json!({"action": "accept"})).await;
    assert_eq!(resp.status(), 200);
    let v = verify(&app);
    assert!(v.intact(), "{v:?}");
    assert_eq!((v.checkpoints, v.unsealed), (1, 1));
    assert_eq!(
        seal(&app).await,
        Some(Sealed {
            checkpoint: 2,
            entries: 1
        })
    );
    let v = verify(&app);
    assert!(v.intact() && v.unsealed == 0 && v.checkpoints == 2, "{v:?}");
}

async fn two_instances_sealing_at_once_never_fork(backend: Backend) {
    let app = std::sync::Arc::new(TestApp::spawn(backend).await);
    let other = std::sync::Arc::new(app.sibling(|_| {}).await);
    let mut sealers = Vec::new();
    for instance in [app.clone(), other.clone()] {
        sealers.push(tokio::spawn(async move {
            let mut sealed = 0;
            for _ in 0..40 {
                if let Some(s) = seal(&instance).await {
                    sealed += s.entries;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            sealed
        }));
    }
    for n in 0..20 {
        let instance = if n % 2 == 0 { &app } else { &other };
        instance.submit(&valid_json(n)).await;
    }
    let mut sealed = 0;
    for s in sealers {
        sealed += s.await.unwrap();
    }
    sealed += seal(&app).await.map_or(0, |s| s.entries);
    let v = verify(&app);
    assert!(v.intact(), "{v:?}");
    assert_eq!((v.entries, v.unsealed), (40, 0));
    // Every entry sealed exactly once, by checkpoints numbered 1, 2, … and chained.
    assert_eq!(sealed, 40);
    let marked: i64 = app.with_db(|c| {
        audit_log::table
            .filter(audit_log::checkpoint.is_not_null())
            .count()
            .get_result(c)
            .unwrap()
    });
    assert_eq!(marked, 40);
}

/// A transaction on `code` that records an event (locking the case and appending to its chain)
/// and stays open until told to finish.
fn hold_case(
    db: minsheng::storage::Db,
    code: String,
    held: std::sync::mpsc::Sender<()>,
    finish: std::sync::mpsc::Receiver<()>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut conn = db.get().unwrap();
        write_transaction(&mut conn, |c: &mut DbConn| -> Result<(), diesel::result::Error> {
            touch(c, &code)?;
            audit::append(
                c,
                &AuditEntry {
                    at: Utc::now().naive_utc(),
                    actor: "holder",
                    action: "noted",
                    case_code: None,
                    detail: None,
                },
            )?;
            held.send(()).unwrap();
            finish.recv_timeout(Duration::from_secs(60)).unwrap();
            Ok(())
        })
        .unwrap();
    })
}

/// What every change to a case does: update it (keeping the statistics in step) and add an event.
fn touch(c: &mut DbConn, code: &str) -> Result<(), diesel::result::Error> {
    let row = submissions::find_by_code(c, code)?.expect("the case");
    let at = Utc::now().naive_utc();
    submissions::update_case(
        c,
        row.id,
        &CaseChanges {
            updated_at: Some(at),
            ..Default::default()
        },
    )?;
    submissions::record_event(
        c,
        code,
        &NewEventRow {
            submission_id: row.id,
            at,
            action: "note",
            state: row.state.code(),
            ..Default::default()
        },
    )
}

async fn writers_of_different_cases_do_not_wait_for_each_other(backend: Backend) {
    if backend == Backend::Sqlite {
        // One writer by design (group commit); nothing to show.
        return;
    }
    let app = TestApp::spawn(backend).await;
    let (a, _) = app.submit(&valid_json(0)).await;
    let (b, _) = app.submit(&valid_json(1)).await;
    let handler = app
        .staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let (held_tx, held) = std::sync::mpsc::channel();
    let (finish, finish_rx) = std::sync::mpsc::channel();
    let holder = hold_case(app.state.db.clone(), a.clone(), held_tx, finish_rx);
    held.recv_timeout(Duration::from_secs(30)).unwrap();

    // While the transaction on case A is open: a whole action on case B (its row, its rollup
    // rows, its audit chain, its mail) commits, and so does another actor's audit entry.
    let accepted = tokio::time::timeout(
        Duration::from_secs(10),
        app.staff_act(&handler, &b, json!({"action": "accept"})),
    )
    .await
    .expect("case B waited for case A");
    assert_eq!(accepted.status(), 200);
    tokio::time::timeout(Duration::from_secs(10), note(&app, "someone.else", "meanwhile"))
        .await
        .expect("another actor's chain waited for case A");

    // Case A itself does wait: its row is the lock of its chain.
    let (db, code) = (app.state.db.clone(), a.clone());
    let blocked = tokio::task::spawn_blocking(move || {
        let mut conn = db.get().unwrap();
        write_transaction(&mut conn, |c: &mut DbConn| -> Result<(), diesel::result::Error> {
            c.batch_execute("SET LOCAL lock_timeout = '300ms'")?;
            touch(c, &code)
        })
    })
    .await
    .unwrap();
    assert!(
        blocked.is_err(),
        "a second writer of case A must wait for the first"
    );

    finish.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(seal(&app).await.map(|s| s.entries), Some(4 + 1 + 1 + 2));
    let v = verify(&app);
    assert!(v.intact(), "{v:?}");
}

async fn entries_from_before_the_chains_still_verify(backend: Backend) {
    use diesel_migrations::MigrationHarness;
    use minsheng::storage::migrations;
    let app = TestApp::spawn(backend).await;
    // The log as the single chain left it: back to before migration 000019 (reverting the later
    // ones first), three entries.
    app.with_db(|c| {
        let mut reverted = 0;
        loop {
            let version = match c {
                DbConn::Sqlite(s) => s.revert_last_migration(migrations::SQLITE).map(|v| v.to_string()),
                DbConn::Postgres(p) => p
                    .revert_last_migration(migrations::POSTGRES)
                    .map(|v| v.to_string()),
            }
            .unwrap();
            reverted += 1;
            if version.ends_with("000019") {
                break;
            }
        }
        let mut prev = audit::GENESIS.to_owned();
        for (i, actor) in ["a", "b", "c"].into_iter().enumerate() {
            let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
                .unwrap()
                .and_hms_opt(8, 0, u32::try_from(i).unwrap())
                .unwrap();
            let entry = AuditEntry {
                at,
                actor,
                action: "noted",
                case_code: Some("MS-OLD"),
                detail: None,
            };
            let hash = audit::legacy_hash(&prev, &entry);
            c.batch_execute(&format!(
                "INSERT INTO audit_log (at, actor, action, case_code, detail, prev_hash, hash) \
                 VALUES ('2026-11-01 08:00:0{i}', '{actor}', 'noted', 'MS-OLD', NULL, '{prev}', '{hash}')"
            ))
            .unwrap();
            prev = hash;
        }
        assert_eq!(migrations::run_pending(c).unwrap(), reverted);
    });
    let v = verify(&app);
    assert!(v.intact() && v.entries == 3 && v.chains == 1, "{v:?}");
    // New entries start chains of their own; the first round seals old and new alike.
    app.submit(&valid_json(0)).await;
    assert_eq!(seal(&app).await.map(|s| s.entries), Some(5));
    let v = verify(&app);
    assert!(v.intact() && v.chains == 2 && v.unsealed == 0, "{v:?}");
    // The old rule still finds a changed or removed old entry.
    sql(&app, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2");
    assert_eq!(verify(&app).first_broken, Some(2));
    sql(&app, "UPDATE audit_log SET actor = 'b' WHERE id = 2");
    remove(&app, 1);
    assert_eq!(verify(&app).first_broken, Some(2));
}

/// Sealed at once, a heavy load's backlog held SQLite's one writer for 100–250 ms (issue #14):
/// now each checkpoint seals at most `SEAL_BATCH` entries, in a write of its own.
async fn a_large_backlog_is_sealed_in_bounded_checkpoints(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let n = audit::SEAL_BATCH + 500;
    let at = Utc::now().naive_utc();
    let details: Vec<String> = (0..n).map(|i| format!("entry {i}")).collect();
    let entries: Vec<AuditEntry<'_>> = details
        .iter()
        .map(|d| AuditEntry {
            at,
            actor: "load",
            action: "noted",
            case_code: Some("MS-LOAD"),
            detail: Some(d),
        })
        .collect();
    let chained = audit::new_chain(&entries);
    app.with_db(|c| {
        for chunk in chained.chunks(500) {
            audit::insert_chained(c, chunk).unwrap();
        }
    });
    let sealed = seal(&app).await.expect("sealed");
    assert_eq!(sealed.entries, n);
    let v = verify(&app);
    assert!(v.intact() && v.unsealed == 0, "{v:?}");
    assert_eq!(
        v.checkpoints,
        2,
        "{} entries in checkpoints of at most {}",
        n,
        audit::SEAL_BATCH
    );
    assert_eq!(seal(&app).await.map(|s| s.entries), None, "nothing left");
}

on_both_backends!(
    a_large_backlog_is_sealed_in_bounded_checkpoints,
    changed_removed_and_added_entries_are_found,
    entries_written_after_a_checkpoint_go_in_the_next,
    two_instances_sealing_at_once_never_fork,
    writers_of_different_cases_do_not_wait_for_each_other,
    entries_from_before_the_chains_still_verify,
);
