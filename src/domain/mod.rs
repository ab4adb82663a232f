//! Pure domain types: they validate on construction and do no I/O.
//!
//! Kinds, channels and states ([`kind`]), citizen text ([`text`]), contact and identity
//! ([`contact`]), tracking codes and access keys ([`codes`]) and the submission itself
//! ([`submission`]). Storage, HTTP and rendering live elsewhere.

pub mod codes;
pub mod contact;
pub mod kind;
pub mod problem;
pub mod submission;
pub mod text;

pub use codes::{AccessKey, TrackingCode};
pub use kind::{Channel, Kind, State, UnitKind};
pub use problem::{FieldErrors, Problem};
pub use submission::{NewSubmission, Reporter, SubmissionInput};
