//! A real SMTP server for the tests: `tests/smtp/server.py` (Python's aiosmtpd, installed by
//! `scripts/test`), one per test on a port of its own. It writes each accepted message to a folder
//! and refuses recipients named `bounce…` with 550. `stop` and `start` play an outage.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SmtpServer {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// One received message, parsed.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("minsheng-smtp-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut server = SmtpServer {
            port,
            dir,
            child: None,
        };
        server.resume();
        server
    }

    /// Starts (again) on the same port and folder.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "already running");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 runs (the tests need Python 3 with aiosmtpd: `scripts/test` installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim() != "ready" {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).ok();
            }
            panic!(
                "the test SMTP server did not start (needs `python3 -m pip install aiosmtpd`; `scripts/test` does it): {err}"
            );
        }
        self.child = Some(child);
    }

    /// Kills the server: connections are refused until [`SmtpServer::resume`].
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Every message received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files.iter().map(|p| parse(&std::fs::read(p).unwrap())).collect()
    }

    /// Waits until `n` messages have arrived (or panics after `secs`).
    pub async fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(secs),
                "expected {n} mails within {secs} s, got {}: {:?}",
                got.len(),
                got.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn parse(raw: &[u8]) -> Received {
    let msg = mail_parser::MessageParser::default()
        .parse(raw)
        .expect("a parsable message");
    let header = |name: &str| {
        msg.header_raw(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    Received {
        to: header("X-Envelope-To"),
        subject: msg.subject().unwrap_or_default().to_owned(),
        message_id: msg.message_id().unwrap_or_default().to_owned(),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
    }
}

impl Received {
    /// The first `http…/rate/…` link in the plain text.
    pub fn rating_link(&self) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|w| w.contains("/rate/"))
            .map(str::to_owned)
    }
}
