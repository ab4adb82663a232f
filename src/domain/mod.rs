//! Pure domain types: they validate on construction and do no I/O.
//!
//! Kinds, channels, states and roles ([`kind`]), THE text rule for every input ([`text`]), contact and identity
//! ([`contact`]), tracking codes and access keys ([`codes`]), the submission itself
//! ([`submission`]), the case state machine ([`case`]), the deadline calendar ([`calendar`]) and the
//! similarity of short texts for suggesting duplicates ([`similarity`]).
//! Storage, HTTP and rendering live elsewhere.

pub mod calendar;
pub mod case;
pub mod codes;
pub mod contact;
pub mod deadlines;
pub mod kind;
pub mod ledger;
pub mod matter;
pub mod open311;
pub mod problem;
pub mod publication;
pub mod session;
pub mod similarity;
pub mod stats;
pub mod submission;
pub mod text;

pub use calendar::{Counting, WorkCalendar};
pub use codes::{AccessKey, TrackingCode};
pub use kind::{Channel, Kind, State, UnitKind};
pub use problem::{FieldErrors, Problem};
pub use submission::{NewSubmission, Origin, Reporter, SubmissionInput};
