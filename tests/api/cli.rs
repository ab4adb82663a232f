//! The `minsheng` binary itself: configuration layers and their errors, the production key rule,
//! and a real `serve` whose logs must carry no personal data.

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{config_dir, valid_json, TEST_KEY};

fn minsheng() -> Command {
    crate::helpers::minsheng_binary()
}

/// A temporary copy of the shipped configuration folder, to break on purpose.
fn config_copy() -> std::path::PathBuf {
    let dir = temp_dir();
    for f in [
        "default.toml",
        "categories.toml",
        "units.toml",
        "routing.toml",
        "sla.toml",
    ] {
        std::fs::copy(config_dir().join(f), dir.join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("calendar")).unwrap();
    for entry in std::fs::read_dir(config_dir().join("calendar")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("calendar").join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("minsheng-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_config_accepts_the_shipped_files() {
    let out = minsheng().arg("check-config").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("reference data: ok"), "{stdout}");
}

#[test]
fn route_explains_without_storing() {
    let out = minsheng()
        .args([
            "route",
            "--kind",
            "report",
            "--category",
            "illegal_business",
            "--region",
            "370983",
        ])
        .args(["--target-unit", "370983-discipline"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("assigned to: 370900-discipline"), "{stdout}");
    assert!(stdout.contains("rule: R5") && stdout.contains("提级"), "{stdout}");
    let bad = minsheng()
        .args([
            "route",
            "--kind",
            "report",
            "--category",
            "legal_aid",
            "--region",
            "370983",
        ])
        .output();
    let bad = bad.unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("does not belong"));
}

#[test]
fn check_config_reports_rule_problems_and_coverage() {
    let out = minsheng().arg("check-config").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("routing rules: ok (12 rules)"), "{stdout}");
    assert!(stdout.contains("complaint county    76 of 247 pairs"), "{stdout}");
    assert!(!stdout.contains("warning"), "{stdout}");

    let dir = config_copy();
    let mut rules = std::fs::read_to_string(dir.join("routing.toml")).unwrap();
    rules.push_str(
        "\n[[rule]]\nid = \"R99\"\nsummary = \"s\"\nsummary_en = \"s\"\nkinds = [\"opinion\"]\nto = { unit_kind = \"plc\" }\n",
    );
    std::fs::write(dir.join("routing.toml"), &rules).unwrap();
    let out = minsheng()
        .env("MINSHENG_CONFIG_DIR", &dir)
        .arg("check-config")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("warning: rule R99 can never fire: rule R6"),
        "{stdout}"
    );

    std::fs::write(
        dir.join("routing.toml"),
        rules.replace("kinds = [\"opinion\"]\nto", "kinds = [\"gossip\"]\nto"),
    )
    .unwrap();
    let out = minsheng()
        .env("MINSHENG_CONFIG_DIR", &dir)
        .arg("check-config")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("routing.toml") && stderr.contains("rule R99: unknown kind `gossip`"),
        "{stderr}"
    );
}

#[test]
fn unknown_keys_are_named_with_their_source() {
    let dir = config_copy();
    std::fs::write(dir.join("local.toml"), "[limits]\nsubmit_brust = 3\n").unwrap();
    let out = minsheng()
        .env("MINSHENG_CONFIG_DIR", &dir)
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("local.toml") && stderr.contains("submit_brust"),
        "{stderr}"
    );

    let out = minsheng()
        .env("MINSHENG__SERVER__BINDD", "1.2.3.4:5")
        .arg("check-config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("environment") && stderr.contains("bindd"),
        "{stderr}"
    );

    // Broken reference data is reported with its file and entry.
    std::fs::remove_file(dir.join("local.toml")).unwrap();
    let units = std::fs::read_to_string(dir.join("units.toml")).unwrap();
    std::fs::write(
        dir.join("units.toml"),
        units.replacen("region = \"370983\"", "region = \"370999\"", 1),
    )
    .unwrap();
    let out = minsheng()
        .env("MINSHENG_CONFIG_DIR", &dir)
        .arg("check-config")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("units.toml") && stderr.contains("370999"),
        "{stderr}"
    );
}

#[test]
fn a_data_key_from_the_environment_is_taken_verbatim() {
    // All digits: it must not be read as a number on its way through the environment layer.
    let out = minsheng()
        .env("MINSHENG_ENV", "production")
        .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
        .arg("check-config")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("data key: ok"), "{stdout}");
    let bad = minsheng()
        .env("MINSHENG_ENV", "production")
        .env("MINSHENG__SECURITY__DATA_KEY", "abc")
        .arg("check-config")
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn production_refuses_to_start_without_a_data_key() {
    let dir = temp_dir();
    let out = minsheng()
        .env("MINSHENG_ENV", "production")
        .env("MINSHENG__DATA_DIR", dir.join("data"))
        .env(
            "MINSHENG__DATABASE__URL",
            format!("sqlite://{}/db.sqlite", dir.display()),
        )
        .env("MINSHENG__SERVER__BIND", "127.0.0.1:0")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("MINSHENG__SECURITY__DATA_KEY"), "{stderr}");
    assert!(
        !dir.join("data").join("data.key").exists(),
        "no key is generated in production"
    );
}

#[test]
fn production_sends_mail_only_through_smtp() {
    let out = minsheng()
        .env("MINSHENG_ENV", "production")
        .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
        .env("MINSHENG__MAIL__TRANSPORT", "file")
        .arg("check-config")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("production sends mail only through SMTP"),
        "{stderr}"
    );
    let plain = minsheng()
        .env("MINSHENG_ENV", "production")
        .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
        .env("MINSHENG__MAIL__SMTP_SECURITY", "none")
        .arg("check-config")
        .output()
        .unwrap();
    assert!(!plain.status.success(), "nor over an unencrypted connection");
    let ok = minsheng()
        .env("MINSHENG_ENV", "production")
        .env("MINSHENG__SECURITY__DATA_KEY", TEST_KEY)
        .env("MINSHENG__MAIL__SMTP_HOST", "mail.example.gov.cn")
        .arg("check-config")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        stdout.contains("mail: ok (SMTP to mail.example.gov.cn:587, Starttls"),
        "{stdout}"
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_until_up(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("minsheng serve did not start on port {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_uses_environment_settings_and_logs_no_personal_data() {
    let dir = temp_dir();
    let port = free_port();
    let db_path = dir.join("env-chosen.db");
    let mut child = minsheng()
        .env("MINSHENG__SERVER__BIND", format!("127.0.0.1:{port}"))
        .env(
            "MINSHENG__DATABASE__URL",
            format!("sqlite://{}", db_path.display()),
        )
        .env("MINSHENG__DATA_DIR", dir.join("data"))
        .env("MINSHENG__SERVER__TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8")
        .env("MINSHENG__LOG__FILTER", "debug")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_up(port);
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("http://127.0.0.1:{port}/api/v1/submissions"))
        .header("X-Forwarded-For", "198.51.100.23")
        .json(&valid_json(42))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let bad = client
        .post(format!("http://127.0.0.1:{port}/api/v1/submissions"))
        .json(&{
            let mut v = valid_json(43);
            v["phone"] = serde_json::json!("1390000");
            v
        });
    assert_eq!(bad.send().await.unwrap().status(), 422);
    assert!(db_path.exists(), "MINSHENG__DATABASE__URL was used");
    assert!(
        Path::new(&dir.join("data").join("data.key")).exists(),
        "a local key was generated under MINSHENG__DATA_DIR"
    );

    // Rust's stdout is line-buffered, so every log line is already in the pipe.
    child.kill().unwrap();
    let _ = child.wait();
    let mut logs = String::new();
    child.stdout.take().unwrap().read_to_string(&mut logs).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    assert!(logs.contains("request finished"), "{logs}");
    for personal in [
        "李明",
        "13800138000",
        "citizen42@example.com",
        "11010519491231002X",
        "198.51.100.23",
        "1390000",
    ] {
        assert!(
            !logs.contains(personal),
            "`{personal}` appeared in the logs:\n{logs}"
        );
    }
    assert!(!logs.contains(TEST_KEY));
    // The first administrator's one-time password is in a private file, and only its path in the
    // log (or on the console).
    let file = dir.join("data").join("first-admin-password");
    let password = std::fs::read_to_string(&file).expect("the password file");
    assert!(
        !logs.contains(password.trim()),
        "the password is not in the output:\n{logs}"
    );
    assert!(logs.contains("first-admin-password"), "{logs}");

    // A reset from the command line before that first sign-in makes the file stale: it goes.
    let mut reset = minsheng()
        .env(
            "MINSHENG__DATABASE__URL",
            format!("sqlite://{}", db_path.display()),
        )
        .env("MINSHENG__DATA_DIR", dir.join("data"))
        .args(["user", "password", "--username", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = reset.stdin.take().unwrap();
        stdin.write_all(b"another long enough password\n").unwrap();
    }
    let out = reset.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!file.exists(), "the stale one-time password is removed");
}

#[test]
fn staff_accounts_tokens_and_audit_from_the_command_line() {
    use std::io::Write;
    let dir = temp_dir();
    let db = format!("sqlite://{}/cli.db", dir.display());
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = minsheng()
            .env("MINSHENG__DATABASE__URL", &db)
            .env("MINSHENG__DATA_DIR", dir.join("data"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(text) = stdin {
            child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    };
    let add = [
        "user",
        "add",
        "--username",
        "zhang.wei",
        "--unit",
        "370983-police",
        "--role",
        "supervisor",
    ];
    let out = run(&add, Some("a long enough password\n"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let again = run(&add, Some("a long enough password\n"));
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let weak = run(
        &[
            "user",
            "add",
            "--username",
            "li",
            "--unit",
            "370983-police",
            "--role",
            "handler",
        ],
        Some("x\n"),
    );
    assert!(!weak.status.success());

    let token = run(&["token", "create", "--username", "zhang.wei"], None);
    assert!(token.status.success());
    let printed = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert!(printed.starts_with("mst_"), "{printed}");
    assert!(!run(&["token", "create", "--username", "nobody"], None)
        .status
        .success());
    assert!(run(&["user", "disable", "--username", "zhang.wei"], None)
        .status
        .success());

    let swept = run(&["sweep", "--as-of", "2030-01-01T00:00:00+08:00"], None);
    assert!(
        swept.status.success(),
        "{}",
        String::from_utf8_lossy(&swept.stderr)
    );
    assert!(String::from_utf8_lossy(&swept.stdout).contains("flagged 0 overdue case(s)"));
    assert!(!run(&["sweep", "--as-of", "next tuesday"], None).status.success());

    // A reset is audited (chain `actor:cli`), and sealed by the next command.
    let reset = run(
        &["user", "password", "--username", "zhang.wei"],
        Some("another long enough password\n"),
    );
    assert!(
        reset.status.success(),
        "{}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let sealed = run(&["audit", "seal"], None);
    assert!(
        sealed.status.success(),
        "{}",
        String::from_utf8_lossy(&sealed.stderr)
    );
    assert!(
        String::from_utf8_lossy(&sealed.stdout).contains("sealed 1 entries in checkpoint 1"),
        "{}",
        String::from_utf8_lossy(&sealed.stdout)
    );
    let verify = run(&["audit", "verify"], None);
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(said.contains("audit log intact"), "{said}");
    assert!(said.contains("1 checkpoints; 0 entries not sealed yet"), "{said}");
}

#[test]
fn open_days_and_kiosks_from_the_command_line() {
    let dir = temp_dir();
    let db = format!("sqlite://{}/cli.db", dir.display());
    let run = |args: &[&str]| {
        minsheng()
            .env("MINSHENG__DATABASE__URL", &db)
            .env("MINSHENG__DATA_DIR", dir.join("data"))
            .args(args)
            .output()
            .unwrap()
    };
    let event = [
        "event",
        "add",
        "--host",
        "370983-police",
        "--title",
        "开放日",
        "--place",
        "大厅",
        "--starts",
        "2026-12-01 09:00",
        "--ends",
        "2026-12-01 17:00",
    ];
    let out = run(&event);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(id.parse::<i64>().is_ok(), "{id}");
    // Backwards in time, or at no such unit: refused, with the reason.
    let mut backwards = event;
    backwards[11] = "2026-11-30 17:00";
    let out = run(&backwards);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ends_at"));

    let out = run(&["kiosk", "add", "--event", &id, "--name", "一号机"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let code = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(code.len(), 14, "a one-time code such as 4QX7-M2KD-9TGH: {code}");
    assert!(!run(&["kiosk", "add", "--event", "999", "--name", "x"])
        .status
        .success());

    let out = run(&["event", "list"]);
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.contains("开放日") && list.contains("visitors 0"), "{list}");
    assert!(run(&["kiosk", "revoke", "--id", "1"]).status.success());
    assert!(!run(&["kiosk", "revoke", "--id", "999"]).status.success());
}
