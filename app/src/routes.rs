//! Pages are lazily loaded routes, grouped in three areas. Built with
//! `cargo leptos build --split` (as the scripts do), each area's code is split out of the main
//! WASM module and fetched the first time the browser shows one of its pages; the main module
//! holds the router, the navigation and what the areas share. The server renders every page as
//! before, and hydration waits for the current area.
//!
//! One split point per area rather than per page: the splitter makes one file for each set of
//! split points that share code, so 27 split points gave about 490 files and a page's first
//! load listed some 170 of them as preload links in its HTML.
//!
//! `#[lazy]` generates the glue that loads an area (an `extern` import and a `no_mangle`
//! export), which the crate-wide `unsafe_code` lint would refuse.
#![allow(unsafe_code)]

use leptos::prelude::*;
use leptos_router::LazyRoute;

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
    notifications::NotificationsPage,
    review_settings::ReviewSettingsPage,
    reviews::ReviewsPage,
    role_policy::RolePolicyPage,
    roles::RolesPage,
    sign_in::SignInPage,
    user_edit::UserEditPage,
    users::UsersPage,
};

/// An area: an enum of its pages, the lazily loaded function that renders one of them, and a
/// route type per page whose view calls it.
macro_rules! area {
    ($area:ident, $render:ident, $preload:ident { $($route:ident => $page:ident),* $(,)? }) => {
        #[derive(Clone, Copy)]
        #[allow(clippy::enum_variant_names)]
        pub enum $area {
            $($page),*
        }

        /// Renders one page of the area; in the browser, loads the area's code first.
        #[leptos::lazy]
        pub fn $render(page: $area) -> AnyView {
            match page {
                $($area::$page => view! { <$page /> }.into_any()),*
            }
        }

        $(
            #[doc = concat!("[`", stringify!($page), "`], loaded with its area.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_this: Self) -> AnyView {
                    $render($area::$page).await
                }

                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )*
    };
}

// What everybody uses: signing in, their own roles, requests and approvals.
area!(PersonalPage, personal_page, __preload_personal_page {
    HomeRoute => HomePage,
    SignInRoute => SignInPage,
    EnrollRoute => EnrollPage,
    EmergencyRoute => EmergencyPage,
    AccountRoute => AccountPage,
    MyRolesRoute => MyRolesPage,
    ActivateRoute => ActivatePage,
    MyRequestsRoute => MyRequestsPage,
    ApprovalsRoute => ApprovalsPage,
    ApprovalDetailRoute => ApprovalDetailPage,
    MyAuditRoute => MyAuditPage,
});

// Settings: roles, policies, assignments, people, channels, keys, connectors, tokens.
area!(SettingsPage, settings_page, __preload_settings_page {
    RolesRoute => RolesPage,
    RolePolicyRoute => RolePolicyPage,
    AssignmentsRoute => AssignmentsPage,
    ExtendAssignmentRoute => ExtendAssignmentPage,
    ReviewSettingsRoute => ReviewSettingsPage,
    UsersRoute => UsersPage,
    UserEditRoute => UserEditPage,
    NotificationsRoute => NotificationsPage,
    BreakGlassRoute => BreakGlassPage,
    ConnectorsRoute => ConnectorsPage,
    ApiTokensRoute => ApiTokensPage,
});

// Oversight: access reviews, the audit log and its streams, insights and alerts.
area!(OversightPage, oversight_page, __preload_oversight_page {
    ReviewsRoute => ReviewsPage,
    AuditRoute => AuditPage,
    AuditStreamsRoute => AuditStreamsPage,
    InsightsRoute => InsightsPage,
    AlertsRoute => AlertsPage,
});
