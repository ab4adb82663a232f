//! Unit tests of the parent module.
use super::*;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn repo_default() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/default.toml")).unwrap()
}

#[test]
fn shipped_files_load_for_every_environment() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"));
    let local = Settings::load_files(dir, "local").unwrap();
    assert_eq!(local.server.bind.to_string(), "127.0.0.1:8080");
    assert_eq!(local.database.url, "sqlite://data/minsheng.db");
    assert_eq!(local.stats.public_min_count, 10);
    assert!(local.server.trusted_proxies.is_empty());
    let prod = Settings::load_files(dir, "production").unwrap();
    assert!(prod.security.require_data_key);
    assert_eq!(prod.log.format, LogFormat::Json);
}

#[test]
fn unknown_key_names_the_file_and_key() {
    let dir = tempfile_dir();
    write(&dir, "default.toml", &repo_default());
    write(&dir, "local.toml", "[server]\nbindd = \"1.2.3.4:5\"\n");
    let err = Settings::load_files(&dir, "local").unwrap_err();
    assert!(err.source_name.ends_with("local.toml"), "{err}");
    assert!(err.message.contains("bindd"), "{err}");
}

#[test]
fn bad_value_names_the_key() {
    let dir = tempfile_dir();
    write(&dir, "default.toml", &repo_default());
    write(
        &dir,
        "local.toml",
        "[server]\ntrusted_proxies = [\"not-an-ip\"]\n",
    );
    let err = Settings::load_files(&dir, "local").unwrap_err();
    assert!(err.message.contains("not-an-ip"), "{err}");
}

#[test]
fn proxies_parse_from_csv() {
    let dir = tempfile_dir();
    write(&dir, "default.toml", &repo_default());
    write(
        &dir,
        "local.toml",
        "[server]\ntrusted_proxies = \"10.0.0.1, 192.168.0.0/16\"\n",
    );
    let s = Settings::load_files(&dir, "local").unwrap();
    assert!(s.is_trusted_proxy("10.0.0.1".parse().unwrap()));
    assert!(s.is_trusted_proxy("192.168.4.5".parse().unwrap()));
    assert!(!s.is_trusted_proxy("10.0.0.2".parse().unwrap()));
}

#[test]
fn missing_environment_file_is_an_error_except_for_local() {
    let dir = tempfile_dir();
    write(&dir, "default.toml", &repo_default());
    assert!(Settings::load_files(&dir, "local").is_ok());
    let err = Settings::load_files(&dir, "staging").unwrap_err();
    assert!(err.source_name.ends_with("staging.toml"));
}

#[test]
fn metrics_outside_local_need_their_own_address_or_a_token() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config"));
    let local = Settings::load_files(dir, "local").unwrap();
    assert_eq!(local.metrics.bind, None);
    assert_eq!(local.metrics.token(), None);
    assert!(local.metrics.check("local").is_ok(), "open on the main address");
    let err = local.metrics.check("staging").unwrap_err();
    assert!(
        err.contains("metrics.bind") && err.contains("metrics.token"),
        "{err}"
    );

    let prod = Settings::load_files(dir, "production").unwrap();
    assert_eq!(prod.metrics.bind, Some("127.0.0.1:9464".parse().unwrap()));
    assert!(prod.metrics.check("production").is_ok());

    let mut on_main = prod.metrics.clone();
    on_main.bind = None;
    assert!(on_main.check("production").is_err());
    on_main.token = SecretString::from("short".to_owned());
    assert!(on_main.check("production").unwrap_err().contains("16"));
    on_main.token = SecretString::from("a-token-of-enough-length".to_owned());
    assert!(on_main.check("production").is_ok());
}

#[test]
fn an_empty_metrics_address_is_none_and_a_bad_one_is_named() {
    let dir = tempfile_dir();
    write(&dir, "default.toml", &repo_default());
    write(&dir, "local.toml", "[metrics]\nbind = \"nowhere\"\n");
    let err = Settings::load_files(&dir, "local").unwrap_err();
    assert!(
        err.message.contains("metrics.bind") && err.message.contains("nowhere"),
        "{err}"
    );
    write(&dir, "local.toml", "[metrics]\nbind = \" \"\n");
    assert_eq!(Settings::load_files(&dir, "local").unwrap().metrics.bind, None);
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("minsheng-config-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
