//! Rows as stored, and their conversion into pim-core types.

use pim_core::user::{PasskeySummary, User, UserKind, UserStatus};
use pim_core::{PasskeyId, Timestamp, UserId};

use crate::StoreError;

pub(crate) fn user_id(text: &str) -> Result<UserId, StoreError> {
    UserId::parse(text).map_err(StoreError::corrupt)
}

#[derive(Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub manager_id: Option<String>,
    pub status: String,
    pub kind: String,
    pub session_epoch: i64,
    pub created_at: i64,
}

pub(crate) const USER_COLUMNS: &str =
    "id, display_name, email, manager_id, status, kind, session_epoch, created_at";

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            id: user_id(&row.id)?,
            display_name: row.display_name,
            email: row.email,
            manager_id: row.manager_id.as_deref().map(user_id).transpose()?,
            status: UserStatus::from_code(&row.status).map_err(StoreError::corrupt)?,
            kind: UserKind::from_code(&row.kind).map_err(StoreError::corrupt)?,
            created_at: Timestamp::from_unix(row.created_at),
        })
    }
}

#[derive(Debug, sqlx::FromRow)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub label: String,
    pub aaguid: String,
    pub attested: bool,
    pub passkey_json: String,
    pub counter: i64,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub(crate) const PASSKEY_COLUMNS: &str =
    "id, user_id, label, aaguid, attested, passkey_json, counter, created_at, last_used_at";

impl PasskeyRow {
    pub fn summary(&self) -> Result<PasskeySummary, StoreError> {
        Ok(PasskeySummary {
            id: PasskeyId::parse(&self.id).map_err(StoreError::corrupt)?,
            label: self.label.clone(),
            aaguid: self.aaguid.clone(),
            attested: self.attested,
            created_at: Timestamp::from_unix(self.created_at),
            last_used_at: self.last_used_at.map(Timestamp::from_unix),
        })
    }
}
