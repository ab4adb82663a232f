//! Counts of open cases per state, per queue, kept a few seconds (the queue service fills it;
//! any action clears it).

use std::collections::BTreeMap;

/// Counts of open cases per state, per queue, kept for a few seconds: counting a unit's 50,000
/// open cases on every page view would cost more than the page itself. Any action clears it.
#[derive(Default)]
pub struct CountsCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CountsEntry>>,
}

type CountsEntry = (std::time::Instant, BTreeMap<String, i64>);

impl CountsCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    const MAX_ENTRIES: usize = 10_000;

    /// The counts if fresh. When they have expired, the first caller is told to recount while the
    /// others keep getting the old counts until it is done, so expiry never sends every
    /// concurrent request to count at once.
    pub(crate) fn get(&self, key: &str) -> Option<BTreeMap<String, i64>> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get_mut(key)?;
        if entry.0.elapsed() < Self::TTL {
            return Some(entry.1.clone());
        }
        entry.0 = std::time::Instant::now();
        None
    }

    pub(crate) fn put(&self, key: String, counts: BTreeMap<String, i64>) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= Self::MAX_ENTRIES {
            entries.retain(|_, (at, _)| at.elapsed() < Self::TTL);
        }
        entries.insert(key, (std::time::Instant::now(), counts));
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
