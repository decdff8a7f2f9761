use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::me::current_user;
use crate::components::time::TimeLeft;
use crate::pages::LoadError;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = crate::codec::resource(|| (), |_| current_user());
    view! {
        <Title text="Stint" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(me)) => {
                        let now = me.now;
                        view! {
                            <h1>"Welcome, " {me.display_name.clone()}</h1>
                            {if me.roles.is_empty() {
                                view! {
                                    <p>"You hold no active role right now. Nobody holds standing admin rights in Stint: when you need one, you activate it for a bounded time."</p>
                                }.into_any()
                            } else {
                                view! {
                                    <h2>"Active roles"</h2>
                                    <ul class="cards">
                                        {me.roles.into_iter().map(|r| view! {
                                            <li class="card"><strong>{r.name}</strong><br /><TimeLeft ends_at=r.ends_at server_now=now /></li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <p><a href="/account">"Manage your passkeys"</a></p>
                        }.into_any()
                    }
                    Ok(None) => view! {
                        <h1>"Stint"</h1>
                        <p>"Just-in-time admin access. Sign in with your passkey to continue."</p>
                        <p><a class="button" href="/signin">"Sign in"</a></p>
                    }.into_any(),
                    Err(error) => view! { <LoadError error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
