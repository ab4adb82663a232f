//! Routing (分办): which unit handles a submission, and why.
//!
//! [`rules`] reads and checks `config/routing.toml`; [`directory`] holds the units in memory;
//! [`engine::route`] is the pure decision; [`check`] finds shadowed rules and counts what would
//! fall to dispatch. The intake service calls the engine inside its transaction.

pub mod check;
pub mod directory;
pub mod engine;
pub mod guard;
pub mod rules;

#[cfg(test)]
mod tests;

pub use directory::Directory;
pub use engine::{route, Decision, Facts, Outcome};
pub use guard::{Holder, Subject};
pub use rules::Rules;

/// What the engine needs, loaded once and shared.
#[derive(Debug, Clone)]
pub struct Router {
    pub directory: Directory,
    pub rules: Rules,
}

impl Router {
    pub fn decide(&self, facts: &Facts<'_>) -> Decision {
        route(facts, &self.directory, &self.rules)
    }
}
