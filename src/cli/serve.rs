//! `serve`: migrate the database, load reference data, and serve HTTP until stopped.

use crate::config::Settings;
use crate::startup::Application;

pub(super) async fn run(settings: Settings) -> anyhow::Result<()> {
    let mut app = Application::build(settings).await?;
    if let Some(password) = app.take_first_admin_password() {
        // To the console only, never to the log.
        eprintln!("\n=== First start: created the administrator `admin` with the one-time password ===");
        eprintln!("    {password}");
        eprintln!("=== Keep it safe: it is not shown again. Change it after signing in, at /handler/password. ===\n");
    }
    app.run_until_stopped().await
}
