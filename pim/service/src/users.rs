//! Settings → Users: create, edit, disable and invite people (User Administrator or Global
//! Administrator, proven by a [`UserAdmin`] capability).

use pim_core::UserId;
use pim_core::activation::EndReason;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::{Principal, UserAdmin};
use pim_core::user::{DisplayName, Email, User, UserKind, UserStatus};
use pim_store::{NewEnrollmentLink, NewUser, UserChanges};
use serde_json::json;

use crate::due_work::Ended;
use crate::tokens::{hash_token, new_token};
use crate::{Pim, ServiceError};

/// The fields of the user form, as typed.
#[derive(Debug, Clone, Default)]
pub struct UserForm {
    pub display_name: String,
    pub email: String,
    /// The manager's e-mail address, or empty for none.
    pub manager_email: String,
}

struct ParsedUserForm {
    display_name: DisplayName,
    email: Email,
    manager_email: Option<Email>,
}

impl UserForm {
    fn parse(&self) -> Result<ParsedUserForm, ServiceError> {
        let manager = self.manager_email.trim();
        Ok(ParsedUserForm {
            display_name: DisplayName::parse(&self.display_name)?,
            email: Email::parse(&self.email)?,
            manager_email: (!manager.is_empty())
                .then(|| Email::parse(manager))
                .transpose()?,
        })
    }
}

/// One page of the user list.
#[derive(Debug, Clone)]
pub struct UserPage {
    pub users: Vec<User>,
    pub has_more: bool,
}

pub const USERS_PAGE_SIZE: i64 = 25;

impl Pim {
    /// Settings → Users requires an active User Administrator or Global Administrator role.
    pub fn require_user_admin(&self, who: &Principal) -> Result<UserAdmin, ServiceError> {
        who.as_user_admin().ok_or(ServiceError::Forbidden)
    }

    pub async fn list_users(
        &self,
        _admin: &UserAdmin,
        search: &str,
        page: i64,
    ) -> Result<UserPage, ServiceError> {
        let offset = page.max(0) * USERS_PAGE_SIZE;
        let mut users = self
            .store()
            .list_users(search.trim(), USERS_PAGE_SIZE + 1, offset)
            .await?;
        let has_more = users.len() as i64 > USERS_PAGE_SIZE;
        users.truncate(USERS_PAGE_SIZE as usize);
        Ok(UserPage { users, has_more })
    }

    pub async fn find_user(&self, _admin: &UserAdmin, id: UserId) -> Result<User, ServiceError> {
        self.store()
            .find_user(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// A user and their manager, if they have one.
    pub async fn find_user_with_manager(
        &self,
        admin: &UserAdmin,
        id: UserId,
    ) -> Result<(User, Option<User>), ServiceError> {
        let user = self.find_user(admin, id).await?;
        let manager = match user.manager_id {
            Some(m) => self.store().find_user(m).await?,
            None => None,
        };
        Ok((user, manager))
    }

    /// The manager named by e-mail, who must exist and must not be the user themselves.
    async fn resolve_manager(
        &self,
        manager: Option<&Email>,
        user: Option<UserId>,
    ) -> Result<Option<UserId>, ServiceError> {
        let Some(email) = manager else {
            return Ok(None);
        };
        let manager = self
            .store()
            .find_user_by_email(email.as_ref())
            .await?
            .ok_or(ServiceError::Conflict(
                "no user has the manager's e-mail address",
            ))?;
        if Some(manager.id) == user {
            return Err(ServiceError::Conflict(
                "a person cannot be their own manager",
            ));
        }
        Ok(Some(manager.id))
    }

    /// Creates a regular user and returns them with a one-time enrollment link.
    pub async fn create_user(
        &self,
        admin: &UserAdmin,
        form: &UserForm,
    ) -> Result<(User, String), ServiceError> {
        let form = form.parse()?;
        let manager_id = self
            .resolve_manager(form.manager_email.as_ref(), None)
            .await?;
        let now = self.now();
        let id = UserId::new_random();
        let mut tx = self.store().begin().await?;
        tx.create_user(
            NewUser {
                id,
                display_name: form.display_name.as_ref(),
                email: form.email.as_ref(),
                manager_id,
                kind: UserKind::Regular,
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::UserCreated, Some(admin.user_id))
            .about(id)
            .with_details(
                json!({ "display_name": form.display_name.as_ref(), "email": form.email.as_ref() }),
            );
        tx.append_audit(&event, now).await?;
        let link = self
            .issue_enrollment_link(&mut tx, id, Some(admin.user_id))
            .await?;
        tx.commit().await?;
        let user = self
            .store()
            .find_user(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((user, link))
    }

    pub async fn update_user(
        &self,
        admin: &UserAdmin,
        id: UserId,
        form: &UserForm,
    ) -> Result<(), ServiceError> {
        let form = form.parse()?;
        let manager_id = self
            .resolve_manager(form.manager_email.as_ref(), Some(id))
            .await?;
        let before = self
            .store()
            .find_user(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let changes = UserChanges {
            display_name: Some(form.display_name.as_ref()),
            email: Some(form.email.as_ref()),
            manager_id: Some(manager_id),
        };
        if !tx.update_user(id, &changes, now).await? {
            return Err(ServiceError::NotFound);
        }
        let event = AuditEvent::success(AuditAction::UserUpdated, Some(admin.user_id))
            .about(id)
            .with_details(json!({
                "before": { "display_name": before.display_name, "email": before.email, "manager_id": before.manager_id },
                "after": { "display_name": form.display_name.as_ref(), "email": form.email.as_ref(), "manager_id": manager_id },
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disabling ends every session of the user at once (their session epoch moves on).
    /// Nobody disables themselves, so an administrator cannot lock the door behind them.
    pub async fn set_user_status(
        &self,
        admin: &UserAdmin,
        id: UserId,
        status: UserStatus,
    ) -> Result<(), ServiceError> {
        if id == admin.user_id && status == UserStatus::Disabled {
            return Err(ServiceError::Conflict(
                "you cannot disable your own account",
            ));
        }
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if status == UserStatus::Disabled {
            self.keep_two_break_glass_accounts(&mut tx, id).await?;
            // A disabled person holds nothing: their activations end now, and with them
            // every downstream grant.
            let open = tx.open_activations_of(id).await?;
            let ended = Ended {
                reason: EndReason::Revoked,
                action: AuditAction::AdminRevoke,
                by: Some(admin.user_id),
            };
            self.end_activations(&mut tx, open, ended, now).await?;
        }
        if !tx.set_user_status(id, status, now).await? {
            return Err(ServiceError::Conflict(
                "the user already has that status, or does not exist",
            ));
        }
        let action = match status {
            UserStatus::Disabled => AuditAction::UserDisabled,
            UserStatus::Active => AuditAction::UserEnabled,
        };
        tx.append_audit(
            &AuditEvent::success(action, Some(admin.user_id)).about(id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A new enrollment link for an existing user; older unused links stop working.
    pub async fn invite_user(&self, admin: &UserAdmin, id: UserId) -> Result<String, ServiceError> {
        let user = self
            .store()
            .find_user(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !user.is_active() {
            return Err(ServiceError::Conflict(
                "enable the user before inviting them",
            ));
        }
        let mut tx = self.store().begin().await?;
        let link = self
            .issue_enrollment_link(&mut tx, id, Some(admin.user_id))
            .await?;
        tx.commit().await?;
        Ok(link)
    }

    /// Creates a link inside `tx` and returns its URL; the token exists only in that URL.
    pub(crate) async fn issue_enrollment_link(
        &self,
        tx: &mut pim_store::Tx,
        user: UserId,
        created_by: Option<UserId>,
    ) -> Result<String, ServiceError> {
        let now = self.now();
        let token = new_token();
        let link_id = uuid::Uuid::new_v4().to_string();
        let expires_at = now.plus_seconds(self.config().enrollment_ttl_seconds);
        tx.create_enrollment_link(
            NewEnrollmentLink {
                id: &link_id,
                token_hash: &hash_token(&token),
                user_id: user,
                created_by,
                expires_at,
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::EnrollmentLinkCreated, created_by)
            .about(user)
            .with_details(json!({ "link_id": link_id, "expires_at": expires_at }));
        tx.append_audit(&event, now).await?;
        Ok(self.link(&format!("/enroll/{token}")))
    }
}
