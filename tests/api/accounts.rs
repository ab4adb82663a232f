//! Staff accounts, API tokens, the first administrator, and the hash-chained audit log.

use diesel::connection::SimpleConnection;
use minsheng::domain::kind::Role;
use minsheng::services::accounts::{self, AccountError};
use minsheng::startup::Application;
use minsheng::storage::audit;

use crate::helpers::{hidden_value, test_settings, text_of, valid_json, Backend, TestApp, TestDb};
use crate::on_both_backends;

async fn the_first_administrator_is_created_once(backend: Backend) {
    let db = TestDb::create(backend);
    let first = Application::build(test_settings(&db)).await.unwrap();
    let file = first
        .first_admin_password_file()
        .expect("a one-time password file on first start")
        .to_owned();
    assert_eq!(file, test_settings(&db).data_dir.join("first-admin-password"));
    let password = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert!(password.chars().count() >= accounts::MIN_PASSWORD_CHARS);
    let state = first.state();
    let admin = accounts::authenticate(&state.db, "admin", &password)
        .await
        .unwrap()
        .expect("admin signs in");
    assert_eq!(admin.role, Role::Admin);
    assert_eq!(admin.unit, "370000-office");
    drop(first);
    let second = Application::build(test_settings(&db)).await.unwrap();
    assert_eq!(second.first_admin_password_file(), None, "not on later starts");
}

async fn users_sign_in_and_tokens_work_until_disabled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (db, catalog) = (&app.state.db, &app.state.catalog);
    let result = async {
        accounts::add_user(
            db,
            catalog,
            "li.ming",
            "370983-police",
            Role::Handler,
            "long enough password",
        )
        .await?;
        assert!(matches!(
            accounts::add_user(
                db,
                catalog,
                "li.ming",
                "370983-police",
                Role::Handler,
                "long enough password"
            )
            .await,
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
            )
            .await,
            Err(AccountError::UnknownUnit(_))
        ));
        assert!(matches!(
            accounts::add_user(db, catalog, "wang", "370983-police", Role::Handler, "short").await,
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
            )
            .await,
            Err(AccountError::BadUsername)
        ));

        let me = accounts::authenticate(db, "li.ming", "long enough password")
            .await?
            .expect("signs in");
        assert_eq!((me.unit.as_str(), me.role), ("370983-police", Role::Handler));
        assert_eq!(
            accounts::authenticate(db, "li.ming", "wrong password").await?,
            None
        );
        assert_eq!(
            accounts::authenticate(db, "nobody", "long enough password").await?,
            None
        );

        let token = accounts::create_token(db, "li.ming").await?;
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

        accounts::disable_user(db, "li.ming").await?;
        assert_eq!(
            accounts::authenticate(db, "li.ming", "long enough password").await?,
            None
        );
        assert_eq!(accounts::staff_for_token(&mut db.get().unwrap(), &token)?, None);
        assert!(matches!(
            accounts::disable_user(db, "nobody").await,
            Err(AccountError::NoSuchUser(_))
        ));
        Ok::<_, AccountError>(())
    }
    .await;
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
            chains: 3,
            unsealed: 6,
            ..Default::default()
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
    // More of what is found (removed last entries, forged ones) is in the `audit` tests.
}

async fn staff_change_their_own_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.staff_token("feicheng.handler", "370983-police", Role::Handler)
        .await;
    let browser = TestApp::new_client();
    let old = "a long enough password";
    assert_eq!(app.sign_in(&browser, "feicheng.handler", old).await.status(), 303);
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        let (app, browser) = (&app, &browser);
        async move {
            let csrf = app.csrf_token(browser, "/handler/password").await;
            browser
                .post(app.url("/handler/password"))
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("current", current),
                    ("new", new),
                    ("repeat", repeat),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Each mistake is named at its field, and nothing changes.
    let cases = [
        (
            "wrong current pw",
            "a brand new passphrase",
            "a brand new passphrase",
            "#current-error",
            "当前密码不正确",
        ),
        (old, "short", "short", "#new-error", "12"),
        (
            old,
            "a brand new passphrase",
            "a brand new passfrase",
            "#repeat-error",
            "不一致",
        ),
        (old, old, old, "#new-error", "不能与当前密码相同"),
    ];
    for (current, new, repeat, field, message) in cases {
        let resp = change(current, new, repeat).await;
        assert_eq!(resp.status(), 422, "{field}");
        let html = resp.text().await.unwrap();
        assert!(
            text_of(&html, field).unwrap().contains(message),
            "{field}: {html}"
        );
        for name in ["current", "new", "repeat"] {
            assert_eq!(hidden_value(&html, name), None, "a password is never shown again");
        }
    }
    assert!(accounts::authenticate(&app.state.db, "feicheng.handler", old)
        .await
        .unwrap()
        .is_some());

    let ok = change(old, "a brand new passphrase", "a brand new passphrase").await;
    assert_eq!(ok.status(), 200);
    assert!(text_of(&ok.text().await.unwrap(), "#notice")
        .unwrap()
        .contains("密码已修改"));
    assert!(accounts::authenticate(&app.state.db, "feicheng.handler", old)
        .await
        .unwrap()
        .is_none());
    let fresh = TestApp::new_client();
    assert_eq!(app.sign_in(&fresh, "feicheng.handler", old).await.status(), 401);
    assert_eq!(
        app.sign_in(&fresh, "feicheng.handler", "a brand new passphrase")
            .await
            .status(),
        303
    );
    // The change is in the audit log, and the chain still verifies.
    let verified = app.with_db(|c| audit::verify(c).unwrap());
    assert_eq!(verified.first_broken, None);
    assert!(verified.entries >= 1);
}

on_both_backends!(
    staff_change_their_own_password,
    the_first_administrator_is_created_once,
    users_sign_in_and_tokens_work_until_disabled,
    the_audit_chain_detects_a_changed_row,
);
