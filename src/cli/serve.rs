//! `serve`: migrate the database, load reference data, and serve HTTP until stopped.

use crate::config::Settings;
use crate::startup::Application;

pub(super) async fn run(settings: Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    if let Some(file) = app.first_admin_password_file() {
        // Only where the password is: never the password itself, on the console or in the log.
        tracing::warn!(
            path = %file.display(),
            "first start: created the administrator `admin`; its one-time password is in this file \
             (readable by this service's user only), removed at its first sign-in. Change the \
             password after signing in, at /handler/password"
        );
    }
    app.run_until_stopped().await
}
