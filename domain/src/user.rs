//! The staff user aggregate (`user-<id>` streams): agents and admins of the provider.
//!
//! Invariant: a deactivated user stays deactivated; they cannot be assigned incidents or be
//! the portal's default assignee (enforced through [`UserFacts`]).

pub mod command;
pub mod error;
pub mod event;
pub mod role;

pub use command::UserCommand;
pub use error::UserError;
pub use event::UserEvent;
pub use role::Role;

use crate::aggregate::Aggregate;
use crate::id::UserId;
use crate::value::{Email, Name, PasswordHash};

/// A created staff user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUser {
    /// The user's id.
    pub id: UserId,
    /// Their display name.
    pub name: Name,
    /// Their sign-in address.
    pub email: Email,
    /// What they may do.
    pub role: Role,
    /// Whether they may still sign in and be assigned work.
    pub active: bool,
    /// Their password hash, once set.
    pub password_hash: Option<PasswordHash>,
}

/// The state of one staff user stream: `None` until the user is created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserState(Option<StaffUser>);

/// What other aggregates need to know about a staff user, loaded by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFacts {
    /// The user's id.
    pub user_id: UserId,
    /// Whether they are active.
    pub active: bool,
}

impl UserState {
    /// The user, once created.
    #[must_use]
    pub fn user(&self) -> Option<&StaffUser> {
        self.0.as_ref()
    }
}

impl StaffUser {
    /// The facts other aggregates' commands carry about this user.
    #[must_use]
    pub fn facts(&self) -> UserFacts {
        UserFacts {
            user_id: self.id,
            active: self.active,
        }
    }
}

/// Decides which events `cmd` produces for the staff user in `state`.
///
/// # Errors
///
/// Returns [`UserError::AlreadyExists`] when creating a user twice, [`UserError::NotFound`]
/// before creation, and [`UserError::UserDeactivated`] when changing a deactivated user.
pub fn decide(state: &UserState, cmd: UserCommand) -> Result<Vec<UserEvent>, UserError> {
    if let UserCommand::Create {
        user_id,
        name,
        email,
        role,
        password_hash,
    } = cmd
    {
        if state.0.is_some() {
            return Err(UserError::AlreadyExists);
        }
        return Ok(vec![
            UserEvent::Created {
                user_id,
                name,
                email,
                role,
            },
            UserEvent::PasswordSet { password_hash },
        ]);
    }
    let Some(user) = &state.0 else {
        return Err(UserError::NotFound);
    };
    if matches!(cmd, UserCommand::Deactivate) && !user.active {
        return Ok(Vec::new());
    }
    if !user.active {
        return Err(UserError::UserDeactivated);
    }

    let events = match cmd {
        UserCommand::Create { .. } => Vec::new(),
        UserCommand::ChangeRole { role } if role == user.role => Vec::new(),
        UserCommand::ChangeRole { role } => vec![UserEvent::RoleChanged { role }],
        UserCommand::Deactivate => vec![UserEvent::Deactivated {}],
        UserCommand::SetPassword { password_hash } => {
            vec![UserEvent::PasswordSet { password_hash }]
        }
    };

    Ok(events)
}

/// Folds `event` into `state`. Events for a user not yet created leave it unchanged.
#[must_use]
pub fn evolve(state: UserState, event: &UserEvent) -> UserState {
    if let UserEvent::Created {
        user_id,
        name,
        email,
        role,
    } = event
    {
        return UserState(Some(StaffUser {
            id: *user_id,
            name: name.clone(),
            email: email.clone(),
            role: *role,
            active: true,
            password_hash: None,
        }));
    }
    let Some(mut user) = state.0 else {
        return state;
    };
    match event {
        UserEvent::Created { .. } => {}
        UserEvent::RoleChanged { role } => user.role = *role,
        UserEvent::Deactivated {} => user.active = false,
        UserEvent::PasswordSet { password_hash } => {
            user.password_hash = Some(password_hash.clone());
        }
    }
    UserState(Some(user))
}

impl Aggregate for UserState {
    type Command = UserCommand;
    type Event = UserEvent;
    type Error = UserError;

    fn decide(&self, cmd: UserCommand) -> Result<Vec<UserEvent>, UserError> {
        decide(self, cmd)
    }

    fn evolve(self, event: &UserEvent) -> Self {
        evolve(self, event)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::testing::given;

    fn user_id() -> UserId {
        UserId::from_uuid(Uuid::from_u128(1))
    }

    fn hash(text: &str) -> PasswordHash {
        PasswordHash::parse(text).unwrap()
    }

    fn created() -> UserEvent {
        UserEvent::Created {
            user_id: user_id(),
            name: Name::parse("Alex Agent").unwrap(),
            email: Email::parse("alex@provider.example").unwrap(),
            role: Role::Agent,
        }
    }

    fn create() -> UserCommand {
        UserCommand::Create {
            user_id: user_id(),
            name: Name::parse("Alex Agent").unwrap(),
            email: Email::parse("alex@provider.example").unwrap(),
            role: Role::Agent,
            password_hash: hash("$argon2id$one"),
        }
    }

    #[test]
    fn a_new_user_is_created_with_a_password() {
        given::<UserEvent>(&[]).when(create()).then(&[
            created(),
            UserEvent::PasswordSet {
                password_hash: hash("$argon2id$one"),
            },
        ]);
    }

    #[test]
    fn a_user_cannot_be_created_twice() {
        given(&[created()])
            .when(create())
            .then_error(UserError::AlreadyExists);
    }

    #[test]
    fn a_role_change_is_recorded_unless_the_role_is_the_same() {
        given(&[created()])
            .when(UserCommand::ChangeRole { role: Role::Admin })
            .then(&[UserEvent::RoleChanged { role: Role::Admin }]);
        given(&[created()])
            .when(UserCommand::ChangeRole { role: Role::Agent })
            .then_nothing();
    }

    #[test]
    fn a_user_is_deactivated_once() {
        given(&[created()])
            .when(UserCommand::Deactivate)
            .then(&[UserEvent::Deactivated {}]);
        given(&[created(), UserEvent::Deactivated {}])
            .when(UserCommand::Deactivate)
            .then_nothing();
    }

    #[test]
    fn a_new_password_is_recorded_as_a_hash() {
        given(&[created()])
            .when(UserCommand::SetPassword {
                password_hash: hash("$argon2id$two"),
            })
            .then(&[UserEvent::PasswordSet {
                password_hash: hash("$argon2id$two"),
            }]);
    }

    #[test]
    fn a_deactivated_user_cannot_be_changed() {
        let history = [created(), UserEvent::Deactivated {}];

        given(&history)
            .when(UserCommand::ChangeRole { role: Role::Admin })
            .then_error(UserError::UserDeactivated);
        given(&history)
            .when(UserCommand::SetPassword {
                password_hash: hash("$x"),
            })
            .then_error(UserError::UserDeactivated);
    }

    #[test]
    fn commands_on_a_missing_user_are_refused() {
        let commands = [
            UserCommand::ChangeRole { role: Role::Admin },
            UserCommand::Deactivate,
            UserCommand::SetPassword {
                password_hash: hash("$x"),
            },
        ];

        for cmd in commands {
            given::<UserEvent>(&[])
                .when(cmd)
                .then_error(UserError::NotFound);
        }
    }

    #[test]
    fn evolving_the_history_gives_the_current_user() {
        let history = [
            created(),
            UserEvent::PasswordSet {
                password_hash: hash("$one"),
            },
            UserEvent::RoleChanged { role: Role::Admin },
            UserEvent::Deactivated {},
        ];

        let state = UserState::replay(&history);

        let user = state.user().unwrap();
        assert_eq!(user.role, Role::Admin);
        assert_eq!(user.password_hash, Some(hash("$one")));
        assert_eq!(
            user.facts(),
            UserFacts {
                user_id: user_id(),
                active: false
            }
        );
    }
}
