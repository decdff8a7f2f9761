//! ArcSight Common Event Format (CEF) lines, the syslog payload Microsoft Sentinel's CEF
//! connector and most SIEMs parse into columns without a custom parser.

use pim_store::audit_search::AuditEntry;

const VENDOR: &str = "Stint";
const PRODUCT: &str = "Stint PIM";

/// CEF severity (0–10): routine events low, refusals medium, emergency access very high.
fn severity(action: &str, outcome: &str) -> u8 {
    match (action, outcome) {
        ("breakGlass.signedIn", _) => 9,
        ("insights.alertRaised", _) => 7,
        (_, "failure") => 5,
        _ => 3,
    }
}

/// `CEF:0|Stint|Stint PIM|version|action|action|severity|extension`: the people, the role
/// and justification when the event names them, the sequence number (`externalId`) and both
/// hashes, so a receiver can de-duplicate and check the chain, and the details as JSON.
#[must_use]
pub fn line(entry: &AuditEntry) -> String {
    let r = &entry.record;
    let details: serde_json::Value = serde_json::from_str(&r.details).unwrap_or_default();
    let text_of = |key: &str| details.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let (role, justification) = (text_of("role"), text_of("justification"));
    let label_for = |value: &Option<String>, label: &str| value.as_ref().map(|_| label.to_owned());
    let fields = [
        ("rt", Some((r.at * 1000).to_string())),
        ("act", Some(r.action.clone())),
        ("outcome", Some(r.outcome.clone())),
        ("suser", entry.actor_name.clone()),
        ("suid", r.actor_id.clone()),
        ("duser", entry.subject_name.clone()),
        ("duid", r.subject_user_id.clone()),
        ("externalId", Some(r.seq.to_string())),
        ("cs1Label", label_for(&role, "role")),
        ("cs1", role),
        ("cs2Label", label_for(&justification, "justification")),
        ("cs2", justification),
        ("cs3Label", Some("hash".to_owned())),
        ("cs3", Some(r.hash.clone())),
        ("cs4Label", Some("prevHash".to_owned())),
        ("cs4", Some(r.prev_hash.clone())),
        ("msg", Some(r.details.clone())),
    ];
    let extension: Vec<String> = fields
        .into_iter()
        .filter_map(|(key, value)| Some(format!("{key}={}", extension_value(&value?))))
        .collect();
    let action = header(&r.action);
    format!(
        "CEF:0|{VENDOR}|{PRODUCT}|{}|{action}|{action}|{}|{}",
        env!("CARGO_PKG_VERSION"),
        severity(&r.action, &r.outcome),
        extension.join(" ")
    )
}

/// In the header `\` and `|` are escaped; a line break would end the event, so it is a space.
fn header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// In an extension value `\` and `=` are escaped and line breaks are written as `\n`, `\r`.
fn extension_value(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '=' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str, outcome: &str, details: &str) -> AuditEntry {
        AuditEntry {
            record: pim_store::AuditRecord {
                seq: 42,
                at: 1_800_000_000,
                action: action.into(),
                outcome: outcome.into(),
                actor_id: Some("u-1".into()),
                subject_user_id: None,
                details: details.into(),
                prev_hash: "aa".into(),
                hash: "bb".into(),
            },
            actor_name: Some("Ada Lovelace".into()),
            subject_name: None,
        }
    }

    #[test]
    fn an_activation_becomes_a_cef_line_with_the_role_justification_and_chain() {
        let line = line(&entry(
            "role.selfActivate",
            "success",
            r#"{"role":"Database Administrator","justification":"Fix INC-1 a=b"}"#,
        ));
        let expected_head = format!(
            "CEF:0|Stint|Stint PIM|{}|role.selfActivate|role.selfActivate|3|",
            env!("CARGO_PKG_VERSION")
        );
        assert!(line.starts_with(&expected_head), "{line}");
        for part in [
            "rt=1800000000000 act=role.selfActivate outcome=success suser=Ada Lovelace suid=u-1 externalId=42",
            "cs1Label=role cs1=Database Administrator",
            r"cs2Label=justification cs2=Fix INC-1 a\=b",
            "cs3Label=hash cs3=bb cs4Label=prevHash cs4=aa",
        ] {
            assert!(line.contains(part), "{part} in {line}");
        }
        assert!(!line.contains("duser"), "no subject, no field: {line}");
    }

    #[test]
    fn emergency_access_is_very_high_and_refusals_are_medium() {
        assert!(line(&entry("breakGlass.signedIn", "success", "{}")).contains("|9|"));
        assert!(line(&entry("auth.step_up.failed", "failure", "{}")).contains("|5|"));
    }

    #[test]
    fn typed_text_cannot_break_the_line_or_forge_a_field() {
        assert_eq!(header(r"a|b\c"), r"a\|b\\c");
        assert_eq!(extension_value("x\nact=forged\\"), r"x\nact\=forged\\");
        let line = line(&entry(
            "role.selfActivate",
            "success",
            r#"{"justification":"ok\nsuser=Mallory"}"#,
        ));
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains(r"cs2=ok\nsuser\=Mallory"), "{line}");
    }
}
