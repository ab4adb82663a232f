//! The closed vocabularies of a case: its kind (来件类型), the channel it came through, its state,
//! and the kinds of unit in the directory. Names shown to people come from the catalog.

use serde::{Deserialize, Serialize};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// What a citizen sends: an opinion, a complaint, a request for help, or a misconduct report.
    Kind { Opinion = "opinion", Complaint = "complaint", Help = "help", Report = "report" }
);

code_enum!(
    /// How a submission arrived.
    Channel { Web = "web", Kiosk = "kiosk", Api = "api", Open311 = "open311", Staff = "staff" }
);

code_enum!(
    /// Where a case stands. See DESIGN.md, "Case states".
    State {
        Submitted = "submitted",
        PendingDispatch = "pending_dispatch",
        Assigned = "assigned",
        Accepted = "accepted",
        Rejected = "rejected",
        Resolved = "resolved",
        Reopened = "reopened",
        Merged = "merged",
        Closed = "closed",
    }
);

code_enum!(
    /// The kinds of political-legal body in the directory.
    UnitKind {
        Plc = "plc",
        Police = "police",
        Procuratorate = "procuratorate",
        Court = "court",
        Justice = "justice",
        Discipline = "discipline",
        Office = "office",
    }
);

code_enum!(
    /// What a staff account may do: work its unit's cases, supervise its subtree, dispatch what
    /// routing could not place, or administer accounts and the directory.
    Role { Handler = "handler", Supervisor = "supervisor", Dispatcher = "dispatcher", Admin = "admin" }
);

impl State {
    /// Still waiting for someone to act: its deadline runs and the sweeper watches it. The one
    /// definition of "open", from the database's queries to the pages.
    pub const OPEN: [State; 4] = [
        State::PendingDispatch,
        State::Assigned,
        State::Accepted,
        State::Reopened,
    ];

    /// The codes of [`State::OPEN`], as stored.
    pub const OPEN_CODES: [&'static str; 4] = ["pending_dispatch", "assigned", "accepted", "reopened"];

    pub fn is_open(self) -> bool {
        State::OPEN.contains(&self)
    }

    /// The citizen has an answer: an outcome (resolved, then closed) or a refusal to accept.
    pub fn is_answered(self) -> bool {
        matches!(self, State::Resolved | State::Closed | State::Rejected)
    }
}

impl TryFrom<String> for State {
    type Error = UnknownCode;

    /// A state as stored: its code.
    fn try_from(code: String) -> Result<State, UnknownCode> {
        State::from_code(&code).ok_or(UnknownCode(code))
    }
}

/// A stored code the domain does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown code `{0}`")]
pub struct UnknownCode(pub String);

impl Kind {
    /// Only misconduct reports may be sent without any identity.
    pub fn may_be_anonymous(self) -> bool {
        self == Kind::Report
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn open_is_defined_once_and_its_codes_match() {
        let codes: Vec<&str> = State::OPEN.iter().map(|s| s.code()).collect();
        assert_eq!(codes, State::OPEN_CODES);
        for s in State::ALL {
            assert_eq!(s.is_open(), State::OPEN_CODES.contains(&s.code()), "{s:?}");
            assert!(!(s.is_open() && s.is_answered()), "{s:?}");
        }
    }

    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_code(k.code()), Some(*k));
        }
        for s in State::ALL {
            assert_eq!(State::from_code(s.code()), Some(*s));
        }
        for u in UnitKind::ALL {
            assert_eq!(UnitKind::from_code(u.code()), Some(*u));
        }
        assert_eq!(Kind::from_code("Opinion"), None);
    }

    #[test]
    fn only_reports_may_be_anonymous() {
        assert!(Kind::Report.may_be_anonymous());
        assert!(!Kind::Complaint.may_be_anonymous());
    }
}
