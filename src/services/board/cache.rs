//! The board kept a minute, on the services' context.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::model::Board;

/// The board, kept a minute. When it expires the first caller counts again while the others
/// keep getting the old board until it is done.
#[derive(Default)]
pub struct BoardCache {
    entry: Mutex<Option<(Instant, Arc<Board>)>>,
}

impl BoardCache {
    pub const TTL: Duration = Duration::from_secs(60);

    pub(super) fn get(&self) -> Option<Arc<Board>> {
        let mut entry = self.entry.lock().unwrap_or_else(|p| p.into_inner());
        let (at, board) = entry.as_mut()?;
        if at.elapsed() < Self::TTL {
            return Some(board.clone());
        }
        *at = Instant::now();
        None
    }

    pub(super) fn put(&self, board: Arc<Board>) {
        *self.entry.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), board));
    }

    pub fn clear(&self) {
        *self.entry.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}
