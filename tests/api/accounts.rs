//! Staff accounts, API tokens, the first administrator, and the hash-chained audit log.

use diesel::connection::SimpleConnection;
use minsheng::domain::kind::Role;
use minsheng::startup::Application;
use minsheng::storage::audit;
use minsheng::triage::accounts::{self, AccountError};

use crate::helpers::{test_settings, valid_json, Backend, TestApp, TestDb};
use crate::on_both_backends;

async fn the_first_administrator_is_created_once(backend: Backend) {
    let db = TestDb::create(backend);
    let mut first = Application::build(test_settings(&db)).await.unwrap();
    let password = first
        .take_first_admin_password()
        .expect("a one-time password on first start");
    assert!(password.chars().count() >= accounts::MIN_PASSWORD_CHARS);
    let state = first.state();
    let admin = accounts::authenticate(&state.db, "admin", &password)
        .unwrap()
        .expect("admin signs in");
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(admin.unit, "370000-office");
    drop(first);
    let mut second = Application::build(test_settings(&db)).await.unwrap();
    assert_eq!(second.take_first_admin_password(), None, "not on later starts");
}

async fn users_sign_in_and_tokens_work_until_disabled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (db, catalog) = (&app.state.db, &app.state.catalog);
    let db2 = db.clone();
    let catalog2 = catalog.clone();
    let result = tokio::task::spawn_blocking(move || {
        let (db, catalog) = (&db2, &catalog2);
        accounts::add_user(
            db,
            catalog,
            "li.ming",
            "370983-police",
            Role::Handler,
            "long enough password",
        )?;
        assert!(matches!(
            accounts::add_user(
                db,
                catalog,
                "li.ming",
                "370983-police",
                Role::Handler,
                "long enough password"
            ),
            Err(AccountError::Taken(_))
        ));
        assert!(matches!(
            accounts::add_user(
                db,
                catalog,
                "wang",
                "370983-army",
                Role::Handler,
                "long enough password"
            ),
            Err(AccountError::UnknownUnit(_))
        ));
        assert!(matches!(
            accounts::add_user(db, catalog, "wang", "370983-police", Role::Handler, "short"),
            Err(AccountError::WeakPassword)
        ));
        assert!(matches!(
            accounts::add_user(
                db,
                catalog,
                "Wang Fang",
                "370983-police",
                Role::Handler,
                "long enough password"
            ),
            Err(AccountError::BadUsername)
        ));

        let me = accounts::authenticate(db, "li.ming", "long enough password")?.expect("signs in");
        assert_eq!((me.unit.as_str(), me.role), ("370983-police", Role::Handler));
        assert_eq!(accounts::authenticate(db, "li.ming", "wrong password")?, None);
        assert_eq!(
            accounts::authenticate(db, "nobody", "long enough password")?,
            None
        );

        let token = accounts::create_token(db, "li.ming")?;
        assert!(token.starts_with("mst_") && token.len() > 40);
        assert_eq!(
            accounts::staff_for_token(&mut db.get().unwrap(), &token)?.map(|s| s.username),
            Some("li.ming".to_owned())
        );
        assert_eq!(
            accounts::staff_for_token(&mut db.get().unwrap(), "mst_forged")?,
            None
        );
        let stored: Vec<String> = app_tokens(db);
        assert!(
            !stored.iter().any(|h| h.contains(&token)),
            "only the digest is stored"
        );

        accounts::disable_user(db, "li.ming")?;
        assert_eq!(
            accounts::authenticate(db, "li.ming", "long enough password")?,
            None
        );
        assert_eq!(accounts::staff_for_token(&mut db.get().unwrap(), &token)?, None);
        assert!(matches!(
            accounts::disable_user(db, "nobody"),
            Err(AccountError::NoSuchUser(_))
        ));
        Ok::<_, AccountError>(())
    })
    .await
    .unwrap();
    result.unwrap();
}

fn app_tokens(db: &minsheng::storage::Db) -> Vec<String> {
    use diesel::prelude::*;
    use minsheng::storage::schema::api_tokens::dsl::*;
    let mut conn = db.get().unwrap();
    api_tokens.select(token_hash).load(&mut *conn).unwrap()
}

async fn the_audit_chain_detects_a_changed_row(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for n in 0..3 {
        assert_eq!(app.post_json(&valid_json(n)).await.status(), 201);
    }
    let intact = app.with_db(|c| audit::verify(c).unwrap());
    // Every timeline event is in the log: two per submission.
    assert_eq!(
        intact,
        audit::Verification {
            entries: 6,
            first_broken: None
        }
    );
    assert_eq!(app.event_count(), 6);

    app.with_db(|c| {
        c.batch_execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 4")
            .unwrap()
    });
    let broken = app.with_db(|c| audit::verify(c).unwrap());
    assert_eq!(broken.first_broken, Some(4));

    // Putting the row back is not enough to hide a removed one.
    app.with_db(|c| {
        c.batch_execute("UPDATE audit_log SET actor = 'system' WHERE id = 4")
            .unwrap()
    });
    assert_eq!(app.with_db(|c| audit::verify(c).unwrap()).first_broken, None);
    app.with_db(|c| c.batch_execute("DELETE FROM audit_log WHERE id = 3").unwrap());
    assert_eq!(app.with_db(|c| audit::verify(c).unwrap()).first_broken, Some(4));
}

on_both_backends!(
    the_first_administrator_is_created_once,
    users_sign_in_and_tokens_work_until_disabled,
    the_audit_chain_detects_a_changed_row,
);
