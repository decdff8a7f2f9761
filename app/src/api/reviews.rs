//! The reviewer inbox: the caller's open access-review items and their answers.

use leptos::prelude::*;
use pim_core::Timestamp;
use pim_core::assignment::AssignmentKind;
use pim_core::review::{Recommendation, ReviewEvidence};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};

/// One assignment the caller is asked about, with the evidence behind its recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItemView {
    pub id: String,
    pub person: String,
    pub role: String,
    pub kind: AssignmentKind,
    pub recommendation: Recommendation,
    pub evidence: ReviewEvidence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInboxView {
    pub items: Vec<ReviewItemView>,
    pub now: Timestamp,
}

/// **Permissions**: any signed-in person; only the items they review.
#[server(prefix = "/api", endpoint = "reviews/mine")]
pub async fn my_review_items() -> Result<ReviewInboxView, AppError> {
    let me = principal().await?;
    let items = pim()?.my_review_items(&me).await?;
    Ok(ReviewInboxView {
        items: items
            .into_iter()
            .map(|i| ReviewItemView {
                id: i.id,
                person: i.user_name,
                role: i.role_name,
                kind: i.kind,
                recommendation: i.recommendation,
                evidence: i.evidence,
            })
            .collect(),
        now: me.now,
    })
}

/// **Permissions**: a reviewer of the item, while its review runs (the service checks both;
/// nobody answers for their own assignment outside a self-review).
#[server(prefix = "/api", endpoint = "reviews/decide")]
pub async fn decide_review_item(
    item_id: String,
    decision: String,
    reason: String,
) -> Result<(), AppError> {
    let me = principal().await?;
    let decision = pim_core::review::ItemDecision::from_code(&decision)
        .map_err(pim_service::ServiceError::from)?;
    pim()?
        .decide_review_item(&me, &item_id, decision, &reason)
        .await?;
    Ok(())
}

/// **Permissions**: any signed-in person; answers only their own open items.
#[server(prefix = "/api", endpoint = "reviews/accept_recommendations")]
pub async fn accept_recommendations() -> Result<usize, AppError> {
    let me = principal().await?;
    Ok(pim()?.accept_review_recommendations(&me).await?)
}
