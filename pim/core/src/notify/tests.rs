#![allow(clippy::unwrap_used)]

use super::*;

const HOSTILE: &str = "Fix *now* <https://evil.example|click> [here](https://evil.example) <b>&";

fn notice(kind: NoticeKind) -> Notice {
    Notice {
        kind,
        subject_id: "0b5c2a9e-0000-4000-8000-000000000001".into(),
        role: "Payments database owner".into(),
        tier: 1,
        person: "Rita Requester".into(),
        actor: None,
        text: Some(HOSTILE.into()),
        starts_at: Some(Timestamp::from_unix(1_800_000_000)),
        ends_at: Some(Timestamp::from_unix(1_800_003_600)),
        link: "http://localhost:3000/approvals/0b5c2a9e-0000-4000-8000-000000000001".into(),
        at: Timestamp::from_unix(1_800_000_000),
    }
}

#[test]
fn every_message_names_the_request_and_links_into_the_portal() {
    let text = notice(NoticeKind::ApprovalNeeded).plain_text();
    assert!(text.contains("Reference: 0b5c2a9e-0000-4000-8000-000000000001"));
    assert!(text.contains("Open in Stint: http://localhost:3000/approvals/"));
    assert!(
        text.contains("Window: 2027-01-15 08:00 UTC for 1 h"),
        "{text}"
    );
    assert!(text.contains("replying to this message does nothing"));
}

#[test]
fn user_text_stays_plain_in_slack() {
    let payload = notice(NoticeKind::ApprovalNeeded).slack_payload();
    let blocks = payload["blocks"].as_array().unwrap();
    assert!(blocks.iter().all(|b| b["text"]["type"] == "plain_text"));
    assert!(
        blocks[1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains(HOSTILE)
    );
    let fallback = payload["text"].as_str().unwrap();
    assert!(!fallback.contains('<') && !fallback.contains('>'));
}

#[test]
fn user_text_stays_plain_in_teams() {
    let payload = notice(NoticeKind::Denied).teams_payload();
    let body = payload["attachments"][0]["content"]["body"][1]["text"]
        .as_str()
        .unwrap();
    assert!(
        body.contains(
            r"Fix \*now\* \<https://evil\.example\|click\> \[here\]\(https://evil\.example\)"
        ),
        "{body}"
    );
    let actions = &payload["attachments"][0]["content"]["actions"];
    assert_eq!(actions[0]["url"], notice(NoticeKind::Denied).link);
}

#[test]
fn a_webhook_carries_the_event_as_data() {
    let payload = notice(NoticeKind::Activated).webhook_payload("n-1");
    assert_eq!(payload["id"], "n-1");
    assert_eq!(payload["event"], "activated");
    assert_eq!(payload["notice"]["text"], HOSTILE);
}

#[test]
fn a_webhook_signature_verifies_only_for_its_secret_and_body() {
    let header = webhook_signature("a long shared secret", 1_800_000_000, b"{\"a\":1}");
    assert!(header.starts_with("t=1800000000,v1="));
    assert!(verify_webhook_signature(
        "a long shared secret",
        &header,
        b"{\"a\":1}"
    ));
    assert!(!verify_webhook_signature(
        "another secret here!",
        &header,
        b"{\"a\":1}"
    ));
    assert!(!verify_webhook_signature(
        "a long shared secret",
        &header,
        b"{\"a\":2}"
    ));
    let moved = header.replace("t=1800000000", "t=1800000001");
    assert!(!verify_webhook_signature(
        "a long shared secret",
        &moved,
        b"{\"a\":1}"
    ));
}

#[test]
fn channel_settings_are_checked_and_secrets_never_leave_redacted() {
    let short = ChannelConfig::Webhook {
        url: "https://hooks.example/stint".into(),
        secret: "short".into(),
    };
    assert!(short.validated().is_err());
    let bad_url = ChannelConfig::Slack {
        url: "javascript:alert(1)".into(),
    };
    assert!(bad_url.validated().is_err());
    let hook = ChannelConfig::Webhook {
        url: " https://hooks.example/stint ".into(),
        secret: "a long shared secret".into(),
    }
    .validated()
    .unwrap();
    assert_eq!(
        hook.redacted(),
        ChannelConfig::Webhook {
            url: "https://hooks.example/stint".into(),
            secret: "••••••".into()
        }
    );
}
