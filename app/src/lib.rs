//! Stint's portal: pages, components and the server functions behind them.
#![forbid(unsafe_code)]

pub mod api;
pub mod components;
pub mod error;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::api::me::current_user;
use crate::components::nav::Nav;
use crate::pages::{
    account::AccountPage,
    activate::ActivatePage,
    alerts::AlertsPage,
    api_tokens::ApiTokensPage,
    approvals::{ApprovalDetailPage, ApprovalsPage},
    assignment_extend::ExtendAssignmentPage,
    assignments::AssignmentsPage,
    audit::{AuditPage, MyAuditPage},
    audit_streams::AuditStreamsPage,
    break_glass::BreakGlassPage,
    connectors::ConnectorsPage,
    emergency::EmergencyPage,
    enroll::EnrollPage,
    home::HomePage,
    insights::InsightsPage,
    my_requests::MyRequestsPage,
    my_roles::MyRolesPage,
    not_found::NotFoundPage,
    notifications::NotificationsPage,
    review_settings::ReviewSettingsPage,
    reviews::ReviewsPage,
    role_policy::RolePolicyPage,
    roles::RolesPage,
    sign_in::SignInPage,
    user_edit::UserEditPage,
    users::UsersPage,
};

/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = Resource::new(|| (), |_| current_user());
    view! {
        <Stylesheet id="leptos" href="/pkg/stint.css" />
        <Title text="Stint" />
        <Router>
            <Transition fallback=|| view! { <nav class="nav" aria-label="Main"><a class="brand" href="/">"Stint"</a></nav> }>
                {move || Suspend::new(async move {
                    let me = me.await.ok().flatten();
                    view! { <Nav me /> }
                })}
            </Transition>
            <main id="main">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=HomePage />
                    <Route path=path!("/signin") view=SignInPage />
                    <Route path=path!("/emergency") view=EmergencyPage />
                    <Route path=path!("/enroll/:token") view=EnrollPage />
                    <Route path=path!("/account") view=AccountPage />
                    // Rendered whole before sending: the busiest page, and complete without JS.
                    <Route path=path!("/roles") view=MyRolesPage ssr=SsrMode::Async />
                    <Route path=path!("/roles/:id/activate") view=ActivatePage />
                    <Route path=path!("/requests") view=MyRequestsPage />
                    <Route path=path!("/approvals") view=ApprovalsPage />
                    <Route path=path!("/approvals/:id") view=ApprovalDetailPage />
                    <Route path=path!("/reviews") view=ReviewsPage />
                    <Route path=path!("/audit") view=AuditPage />
                    <Route path=path!("/audit/mine") view=MyAuditPage />
                    <Route path=path!("/audit/streams") view=AuditStreamsPage />
                    <Route path=path!("/insights") view=InsightsPage />
                    <Route path=path!("/insights/alerts") view=AlertsPage />
                    <Route path=path!("/settings/roles") view=RolesPage />
                    <Route path=path!("/settings/roles/:id") view=RolePolicyPage />
                    <Route path=path!("/settings/assignments") view=AssignmentsPage />
                    <Route path=path!("/settings/assignments/:id/extend") view=ExtendAssignmentPage />
                    <Route path=path!("/settings/reviews") view=ReviewSettingsPage />
                    <Route path=path!("/settings/users") view=UsersPage />
                    <Route path=path!("/settings/notifications") view=NotificationsPage />
                    <Route path=path!("/settings/break-glass") view=BreakGlassPage />
                    <Route path=path!("/settings/connectors") view=ConnectorsPage />
                    <Route path=path!("/settings/api-tokens") view=ApiTokensPage />
                    <Route path=path!("/settings/users/:id") view=UserEditPage />
                </Routes>
            </main>
        </Router>
    }
}
