//! Emergency access: signing in with a break-glass key. It works whatever else is
//! misconfigured (no approver, no role policy is consulted), and every use raises the alarm:
//! in the same transaction as the session's start, an audit event and a critical notice to
//! every administrator on every channel. The session then records why before anything else.

use pim_core::PasskeyId;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::break_glass::{EmergencyUse, KeyStatus, parse_emergency_justification};
use pim_core::notify::{Notice, NoticeKind};
use pim_core::role::BuiltinRole;
use pim_core::user::{UserKind, UserStatus};
use pim_store::Tx;
use pim_store::break_glass::KeyRecord;
use pim_store::emergency_uses::NewEmergencyUse;
use serde_json::json;
use webauthn_rs::prelude::{AttestedPasskey, AttestedPasskeyAuthentication};

use crate::approvals::DEFAULT_APPROVER_ROLES;
use crate::notifications::Audience;
use crate::passkeys::{Ceremony, presented_passkey};
use crate::principal::ABSOLUTE_SESSION_SECONDS;
use crate::{Pim, ServiceError, SessionIdentity};

const EMERGENCY_SIGN_IN: &str = "break_glass.sign_in";

/// A verified break-glass key and its account.
struct Opened {
    key: KeyRecord,
    account: String,
    epoch: i64,
}

impl Pim {
    /// Starts an emergency sign-in, offering every ready break-glass key.
    pub async fn start_emergency_sign_in(
        &self,
        binding: &str,
        ip: &str,
    ) -> Result<Ceremony, ServiceError> {
        self.limits.check_ip(ip)?;
        let keys = self
            .store()
            .ready_break_glass_keys()
            .await?
            .iter()
            .map(|k| serde_json::from_str::<AttestedPasskey>(&k.passkey_json))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("a stored break-glass key is unreadable: {e}"))?;
        if keys.is_empty() {
            return Err(ServiceError::Conflict(
                "no break-glass key is ready: keys must be enrolled and witnessed first",
            ));
        }
        let (options, state) = self
            .webauthn
            .start_attested_passkey_authentication(&keys)
            .map_err(|e| anyhow::anyhow!("cannot start emergency sign-in: {e}"))?;
        self.save_ceremony(binding, None, EMERGENCY_SIGN_IN, None, &state, options)
            .await
    }

    /// Verifies the break-glass key and opens the emergency session, raising the alarm in the
    /// same transaction. Any failure is audited with its reason and answered uniformly.
    pub async fn finish_emergency_sign_in(
        &self,
        binding: &str,
        ip: &str,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<SessionIdentity, ServiceError> {
        self.limits.check_ip(ip)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let state: Result<AttestedPasskeyAuthentication, _> = self
            .take_ceremony(&mut tx, binding, ceremony_id, EMERGENCY_SIGN_IN, None, None)
            .await;
        let opened = match state {
            Ok(state) => self.open_with(&mut tx, state, credential_json).await,
            Err(reason) => Err(reason),
        };
        let opened = match opened {
            Ok(opened) => opened,
            Err(reason) => {
                let event = AuditEvent::failure(AuditAction::BreakGlassSignInFailed, None)
                    .with_details(json!({ "ip": ip, "reason": reason }));
                tx.append_audit(&event, now).await?;
                tx.commit().await?;
                return Err(ServiceError::AuthenticationFailed);
            }
        };
        let use_id = uuid::Uuid::new_v4();
        let account = opened.key.user_id;
        let key = opened.key.key.passkey_id;
        tx.start_emergency_use(
            NewEmergencyUse {
                id: &use_id.to_string(),
                user_id: account,
                passkey_id: key,
                ip,
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::BreakGlassSignedIn, Some(account))
            .about(account)
            .with_details(json!({
                "use_id": use_id,
                "passkey_id": key,
                "label": opened.key.key.label,
                "ip": ip,
            }));
        tx.append_audit(&event, now).await?;
        self.raise_alarm(&mut tx, &use_id.to_string(), &opened, ip)
            .await?;
        tx.commit().await?;
        self.wake_delivery();
        Ok(SessionIdentity {
            user_id: account,
            epoch: opened.epoch,
            signed_in_at: now,
            emergency_use: Some(use_id),
        })
    }

    async fn open_with(
        &self,
        tx: &mut Tx,
        state: AttestedPasskeyAuthentication,
        credential_json: &str,
    ) -> Result<Opened, &'static str> {
        let (credential, row) = presented_passkey(tx, credential_json).await?;
        let row = row.ok_or("unknown credential")?;
        let id = PasskeyId::parse(&row.id).map_err(|_| "stored passkey id unreadable")?;
        let key = self
            .store()
            .break_glass_key(id)
            .await
            .map_err(|_| "key lookup failed")?
            .ok_or("not a break-glass key")?;
        if key.key.status() != KeyStatus::Ready {
            return Err("the key is not ready (awaiting its witness, or disabled)");
        }
        let user = self
            .store()
            .find_user_row(key.user_id)
            .await
            .map_err(|_| "account lookup failed")?
            .ok_or("account vanished")?;
        if user.kind != UserKind::BreakGlass.code() || user.status != UserStatus::Active.code() {
            return Err("the break-glass account is disabled");
        }
        let result = self
            .webauthn
            .finish_attested_passkey_authentication(&credential, &state)
            .map_err(|_| "assertion did not verify")?;
        self.record_use(tx, &row, &result, self.now()).await?;
        Ok(Opened {
            key,
            account: user.display_name,
            epoch: user.session_epoch,
        })
    }

    /// The critical notice: every administrator by e-mail, and every chat and webhook channel.
    async fn raise_alarm(
        &self,
        tx: &mut Tx,
        use_id: &str,
        opened: &Opened,
        ip: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let security = [
            BuiltinRole::SecurityAdministrator.id(),
            BuiltinRole::GlobalAdministrator.id(),
        ];
        let mut people = tx.approvers(&[], DEFAULT_APPROVER_ROLES, now).await?;
        people.extend(tx.approvers(&[], security, now).await?);
        people.sort_by_key(ToString::to_string);
        people.dedup();
        let notice = Notice {
            kind: NoticeKind::BreakGlassUsed,
            subject_id: use_id.to_owned(),
            role: BuiltinRole::GlobalAdministrator.name().to_owned(),
            tier: 0,
            person: opened.account.clone(),
            actor: None,
            text: Some(format!(
                "Key \"{}\" was used from {ip}. If nobody expected this, treat it as an incident.",
                opened.key.key.label
            )),
            starts_at: None,
            ends_at: None,
            link: self.link("/audit?action=breakGlass.signedIn"),
            at: now,
        };
        let audience = Audience {
            people,
            extra: Vec::new(),
            broadcast: true,
        };
        let event_key = format!("break_glass_used:{use_id}");
        self.notify(tx, &event_key, &notice, audience, now).await?;
        Ok(())
    }

    /// The emergency use this session still has to justify, if any.
    pub async fn pending_justification(
        &self,
        identity: &SessionIdentity,
    ) -> Result<Option<EmergencyUse>, ServiceError> {
        if identity.emergency_use.is_none() || !self.session_still_valid(identity).await? {
            return Ok(None);
        }
        self.owed_justification(identity).await
    }

    /// The emergency use this session still owes its justification for; the session's own
    /// validity is the caller's to check.
    pub(crate) async fn owed_justification(
        &self,
        identity: &SessionIdentity,
    ) -> Result<Option<EmergencyUse>, ServiceError> {
        let Some(id) = identity.emergency_use else {
            return Ok(None);
        };
        let found = self.store().emergency_use(&id.to_string()).await?;
        Ok(found.filter(|u| u.justification.is_none()))
    }

    /// The account still exists, is enabled, and has not ended its sessions since.
    async fn session_still_valid(&self, identity: &SessionIdentity) -> Result<bool, ServiceError> {
        let row = self.store().find_user_row(identity.user_id).await?;
        Ok(row.is_some_and(|r| {
            r.status == UserStatus::Active.code() && r.session_epoch == identity.epoch
        }))
    }

    /// Records why emergency access was used; the session can then act.
    pub async fn justify_emergency_use(
        &self,
        identity: &SessionIdentity,
        text: &str,
    ) -> Result<(), ServiceError> {
        let id = identity.emergency_use.ok_or(ServiceError::NotFound)?;
        if !self.session_still_valid(identity).await? {
            return Err(ServiceError::Unauthenticated);
        }
        let justification = parse_emergency_justification(text)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let recorded = tx
            .justify_emergency_use(&id.to_string(), identity.user_id, &justification, now)
            .await?;
        if !recorded {
            return Err(ServiceError::Conflict(
                "this emergency session's justification is recorded already",
            ));
        }
        let event = AuditEvent::success(AuditAction::BreakGlassJustified, Some(identity.user_id))
            .about(identity.user_id)
            .with_details(json!({ "use_id": id, "justification": justification }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Emergency sign-ins whose sessions may still be open, for the banner everybody sees.
    pub async fn recent_emergency_uses(&self) -> Result<Vec<EmergencyUse>, ServiceError> {
        let since = self.now().plus_seconds(-ABSOLUTE_SESSION_SECONDS);
        Ok(self.store().emergency_uses_since(since).await?)
    }
}
