//! The `minsheng` command: `serve`, `migrate`, `check-config`, `route`, `user`, `token`,
//! `audit`, `seed-demo`, `sweep`, `mail`, `event` and `kiosk`.
//!
//! Parsing and every command live in [`minsheng::cli`]; this only hands over to it.

fn main() -> std::process::ExitCode {
    minsheng::cli::run()
}
