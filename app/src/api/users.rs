//! Settings → Users.

use leptos::prelude::*;
use pim_core::user::User;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};
#[cfg(feature = "ssr")]
use pim_core::UserId;
#[cfg(feature = "ssr")]
use pim_service::{ServiceError, UserForm};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersPageView {
    pub users: Vec<User>,
    pub has_more: bool,
}

/// A user with their manager's e-mail, as the edit form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDetailView {
    pub user: User,
    pub manager_email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub user_id: String,
    pub display_name: String,
    pub enrollment_url: String,
}

#[cfg(feature = "ssr")]
async fn user_admin() -> Result<(pim_service::Pim, pim_core::principal::UserAdmin), AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_user_admin(&me)?;
    Ok((pim, admin))
}

#[cfg(feature = "ssr")]
fn user_id(text: &str) -> Result<UserId, AppError> {
    UserId::parse(text).map_err(|e| ServiceError::from(e).into())
}

/// **Permissions**: an active User Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "users/list")]
pub async fn list_users(search: String, page: i64) -> Result<UsersPageView, AppError> {
    let (pim, admin) = user_admin().await?;
    let page = pim.list_users(&admin, &search, page).await?;
    Ok(UsersPageView {
        users: page.users,
        has_more: page.has_more,
    })
}

/// **Permissions**: an active User Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "users/get")]
pub async fn get_user(id: String) -> Result<UserDetailView, AppError> {
    let (pim, admin) = user_admin().await?;
    let (user, manager) = pim.find_user_with_manager(&admin, user_id(&id)?).await?;
    Ok(UserDetailView {
        user,
        manager_email: manager.map(|m| m.email),
    })
}

/// Creates a user and returns their one-time enrollment link.
///
/// **Permissions**: an active User Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "users/create")]
pub async fn create_user(
    display_name: String,
    email: String,
    manager_email: String,
) -> Result<InvitationView, AppError> {
    let (pim, admin) = user_admin().await?;
    let form = UserForm {
        display_name,
        email,
        manager_email,
    };
    let (user, enrollment_url) = pim.create_user(&admin, &form).await?;
    Ok(InvitationView {
        user_id: user.id.to_string(),
        display_name: user.display_name,
        enrollment_url,
    })
}

/// **Permissions**: an active User Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "users/update")]
pub async fn update_user(
    id: String,
    display_name: String,
    email: String,
    manager_email: String,
) -> Result<(), AppError> {
    let (pim, admin) = user_admin().await?;
    let form = UserForm {
        display_name,
        email,
        manager_email,
    };
    pim.update_user(&admin, user_id(&id)?, &form).await?;
    Ok(())
}

/// Disables or re-enables a user; disabling ends all their sessions at once.
///
/// **Permissions**: an active User Administrator or Global Administrator; not on oneself.
#[server(prefix = "/api", endpoint = "users/status")]
pub async fn set_user_status(id: String, disabled: bool) -> Result<(), AppError> {
    let (pim, admin) = user_admin().await?;
    let status = if disabled {
        pim_core::user::UserStatus::Disabled
    } else {
        pim_core::user::UserStatus::Active
    };
    pim.set_user_status(&admin, user_id(&id)?, status).await?;
    Ok(())
}

/// A fresh enrollment link; older unused links of the user stop working.
///
/// **Permissions**: an active User Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "users/invite")]
pub async fn invite_user(id: String) -> Result<InvitationView, AppError> {
    let (pim, admin) = user_admin().await?;
    let id = user_id(&id)?;
    let enrollment_url = pim.invite_user(&admin, id).await?;
    let user = pim.find_user(&admin, id).await?;
    Ok(InvitationView {
        user_id: id.to_string(),
        display_name: user.display_name,
        enrollment_url,
    })
}
