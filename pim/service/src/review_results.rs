//! What Settings → Access reviews shows: each review's latest results and its history of
//! completion, for role administrators and, read-only, for auditors.

use std::collections::HashMap;

use pim_core::Timestamp;
use pim_core::principal::Principal;
use pim_core::review::Completion;
use pim_core::role::Permission;
pub use pim_store::review_history::InstanceRecord;
pub use pim_store::reviews::{StoredItem, StoredReview};

use crate::{Pim, ServiceError};

/// One review: settings, the latest instance's items and every instance so far.
#[derive(Debug, Clone)]
pub struct ReviewReport {
    pub review: StoredReview,
    pub items: Vec<StoredItem>,
    /// The names of the roles it covers.
    pub role_names: Vec<String>,
    /// Oldest first.
    pub history: Vec<InstanceRecord>,
}

impl ReviewReport {
    /// Every instance together, weighted by items.
    #[must_use]
    pub fn overall_completion(&self) -> Completion {
        Completion::sum(self.history.iter().map(|i| i.completion))
    }
}

#[derive(Debug, Clone)]
pub struct ReviewsOverview {
    /// Whether the caller may create, stop and apply reviews (not only read them).
    pub can_manage: bool,
    pub reviews: Vec<ReviewReport>,
}

impl Pim {
    /// Role administrators and auditors (Security Reader) read reviews; only the former change them.
    pub(crate) fn require_review_reader(&self, who: &Principal) -> Result<(), ServiceError> {
        if who.can(Permission::ManageRoles) || who.can(Permission::ReadAudit) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden)
        }
    }

    /// Every review with its latest instance's items and its completion history.
    pub async fn list_reviews(&self, who: &Principal) -> Result<ReviewsOverview, ServiceError> {
        self.require_review_reader(who)?;
        let mut history: HashMap<String, Vec<InstanceRecord>> = HashMap::new();
        let all = self.store().review_instances_since(Timestamp::from_unix(0));
        for instance in all.await? {
            history
                .entry(instance.review_id.clone())
                .or_default()
                .push(instance);
        }
        let names: HashMap<_, _> = (self.store().list_roles().await?)
            .into_iter()
            .map(|r| (r.info.id, r.info.name))
            .collect();
        let mut reviews = Vec::new();
        for review in self.store().reviews().await? {
            let items = match &review.latest {
                Some((instance, _)) => self.store().review_items(instance).await?,
                None => Vec::new(),
            };
            let role_names = (review.settings.scope.roles.iter())
                .filter_map(|id| names.get(id).cloned())
                .collect();
            reviews.push(ReviewReport {
                role_names,
                history: history.remove(&review.id).unwrap_or_default(),
                review,
                items,
            });
        }
        Ok(ReviewsOverview {
            can_manage: who.as_role_admin().is_some(),
            reviews,
        })
    }

    /// Every instance that started since `since`, for the completion rate over time.
    pub async fn review_completion_since(
        &self,
        who: &Principal,
        since: Timestamp,
    ) -> Result<Vec<InstanceRecord>, ServiceError> {
        self.require_review_reader(who)?;
        Ok(self.store().review_instances_since(since).await?)
    }
}
