//! The closed vocabularies of the facilitation schema as types: each is a `TEXT` column
//! whose values the migrations constrain (`CHECK (… IN …)`), read into an enum by the rows'
//! `#[sqlx(try_from = "String")]` and bound as its text. Serialised as the same text, so
//! the API and the control channel answer exactly what is stored.
//!
//! A board's kind is `tavolo_board::BoardKind`, the board schema's own type, read the same
//! way.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stored value outside its vocabulary (written by hand into the database: the API
/// writes none). Reading the row fails with it rather than guessing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?} in the database")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        // The texts are the variants in snake_case, said once more for serde and the
        // OpenAPI schema (which cannot read a macro's `$text`): the tests hold them equal.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownValue;

            fn try_from(value: String) -> Result<$name, UnknownValue> {
                $name::parse(&value).ok_or(UnknownValue { what: $what, value })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// What a room of a meeting is.
    RoomKind, "room kind" {
        /// The meeting's room: everyone, the facilitator's boards.
        Plenary = "plenary",
        /// A breakout group.
        Breakout = "breakout",
    }
);

vocabulary!(
    /// What an invitation lets its members do (the facilitator is no member: see
    /// `tavolo_rooms::access::Principal`).
    Role, "role" {
        /// Edits the boards open to them.
        Participant = "participant",
        /// Reads only.
        Observer = "observer",
    }
);

vocabulary!(
    /// Why a snapshot was taken.
    SnapshotKind, "snapshot kind" {
        /// Compaction's: only the newest is kept.
        Auto = "auto",
        /// Taken by the facilitator, with a label: kept.
        Manual = "manual",
        /// Taken when a meeting closed: kept.
        Closing = "closing",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_as_their_text() {
        for kind in RoomKind::ALL {
            assert_eq!(RoomKind::try_from(kind.as_str().to_owned()), Ok(*kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                serde_json::json!(kind.as_str())
            );
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
            let text = serde_json::json!(role.as_str());
            assert_eq!(serde_json::from_value::<Role>(text).unwrap(), *role);
        }
        for kind in SnapshotKind::ALL {
            assert_eq!(SnapshotKind::parse(&kind.to_string()), Some(*kind));
            let text = serde_json::json!(kind.as_str());
            assert_eq!(serde_json::from_value::<SnapshotKind>(text).unwrap(), *kind);
        }
        assert_eq!(schema_values::<RoomKind>(), texts(RoomKind::ALL));
        assert_eq!(schema_values::<Role>(), texts(Role::ALL));
        assert_eq!(schema_values::<SnapshotKind>(), texts(SnapshotKind::ALL));
        assert_eq!(
            Role::try_from("facilitator".to_owned()),
            Err(UnknownValue {
                what: "role",
                value: "facilitator".into()
            })
        );
    }

    /// The values the OpenAPI document allows for `T`.
    fn schema_values<T: utoipa::PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        serde_json::from_value(schema["enum"].clone()).unwrap()
    }

    fn texts<T: Copy + fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(|v| v.to_string()).collect()
    }
}
