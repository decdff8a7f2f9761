//! RFC 5424 messages framed by octet counting (RFC 6587 §3.4.1), as syslog over TCP and TLS
//! receivers expect.

use pim_core::Timestamp;

use pim_store::audit_search::AuditEntry;

/// Facility 13, "log audit".
const FACILITY_LOG_AUDIT: u8 = 13;
const SEVERITY_WARNING: u8 = 4;
const SEVERITY_NOTICE: u8 = 5;
/// The structured-data id; 32473 is the enterprise number RFC 5612 reserves for examples,
/// used until Stint registers its own.
const SD_ID: &str = "stint@32473";
const MSGID_MAX: usize = 32;

/// What follows a message's RFC 5424 header.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SyslogFormat {
    /// Structured data with the sequence number, outcome, people and hash, then the event as
    /// JSON.
    #[default]
    Json,
    /// A CEF line (no structured data), as Sentinel's CEF connector and ArcSight expect.
    Cef,
}

/// `<PRI>1 TIMESTAMP HOSTNAME stint - MSGID [stint@32473 …] {json}` preceded by its length;
/// in CEF, `… MSGID - CEF:0|…`.
#[must_use]
pub fn frame(entry: &AuditEntry, hostname: &str, format: SyslogFormat) -> Vec<u8> {
    let event = &entry.record;
    let severity = if event.outcome == "failure" {
        SEVERITY_WARNING
    } else {
        SEVERITY_NOTICE
    };
    let pri = u16::from(FACILITY_LOG_AUDIT) * 8 + u16::from(severity);
    let header = format!(
        "<{pri}>1 {} {} stint - {}",
        Timestamp::from_unix(event.at).rfc3339(),
        header_field(hostname, 255),
        header_field(&event.action, MSGID_MAX),
    );
    let message = match format {
        SyslogFormat::Json => format!("{header} {} {}", structured_data(entry), entry.to_json()),
        SyslogFormat::Cef => format!("{header} - {}", super::cef::line(entry)),
    };
    format!("{} {message}", message.len()).into_bytes()
}

/// `[stint@32473 seq="…" outcome="…" actor="…" subject="…" hash="…"]`, empty values left out.
fn structured_data(entry: &AuditEntry) -> String {
    let event = &entry.record;
    let params = [
        ("seq", event.seq.to_string()),
        ("outcome", event.outcome.clone()),
        ("actor", event.actor_id.clone().unwrap_or_default()),
        ("subject", event.subject_user_id.clone().unwrap_or_default()),
        ("hash", event.hash.clone()),
    ];
    let data: String = params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!(" {k}=\"{}\"", sd_escape(v)))
        .collect();
    format!("[{SD_ID}{data}]")
}

/// Header fields are printable US-ASCII without spaces; anything else becomes `_`, and an
/// empty field is the nil value `-`.
fn header_field(text: &str, max: usize) -> String {
    let field: String = (text.chars().take(max))
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    if field.is_empty() { "-".into() } else { field }
}

/// Inside a parameter value `"`, `\` and `]` are escaped with a backslash.
fn sd_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(action: &str, outcome: &str) -> AuditEntry {
        AuditEntry {
            record: pim_store::AuditRecord {
                seq: 7,
                at: 1_800_000_000,
                action: action.into(),
                outcome: outcome.into(),
                actor_id: Some("u-1".into()),
                subject_user_id: None,
                details: r#"{"role":"Database Administrator"}"#.into(),
                prev_hash: "aa".into(),
                hash: "bb".into(),
            },
            actor_name: Some("Ada \"the\" Admin".into()),
            subject_name: None,
        }
    }

    fn text(bytes: Vec<u8>) -> String {
        String::from_utf8(bytes).unwrap_or_default()
    }

    #[test]
    fn a_frame_is_its_byte_length_then_an_rfc_5424_message() {
        let framed = text(frame(
            &event("role.selfActivate", "success"),
            "pim.example.org",
            SyslogFormat::Json,
        ));
        let (length, message) = framed.split_once(' ').unwrap_or_default();
        assert_eq!(length.parse::<usize>().ok(), Some(message.len()));
        assert!(
            message.starts_with(
                "<109>1 2027-01-15T08:00:00Z pim.example.org stint - role.selfActivate \
                 [stint@32473 seq=\"7\" outcome=\"success\" actor=\"u-1\" hash=\"bb\"] {"
            ),
            "{message}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&message[message.find("] {").unwrap_or(0) + 2..])
                .unwrap_or_default();
        assert_eq!(json["actor"], "Ada \"the\" Admin");
        assert_eq!(json["seq"], 7);
        assert_eq!(json["details"]["role"], "Database Administrator");
    }

    #[test]
    fn failures_are_warnings_and_header_fields_stay_printable() {
        let framed = text(frame(
            &event("auth.sign in\u{e9}", "failure"),
            "bad host",
            SyslogFormat::Json,
        ));
        assert!(
            framed.contains("<108>1 2027-01-15T08:00:00Z bad_host stint - auth.sign_in_ ["),
            "{framed}"
        );
    }

    #[test]
    fn in_cef_the_header_is_followed_by_no_structured_data_and_the_cef_line() {
        let framed = text(frame(
            &event("role.selfActivate", "success"),
            "pim.example.org",
            SyslogFormat::Cef,
        ));
        let (length, message) = framed.split_once(' ').unwrap_or_default();
        assert_eq!(length.parse::<usize>().ok(), Some(message.len()));
        assert!(
            message.starts_with(
                "<109>1 2027-01-15T08:00:00Z pim.example.org stint - role.selfActivate - CEF:0|Stint|"
            ),
            "{message}"
        );
    }

    #[test]
    fn parameter_values_escape_quotes_backslashes_and_brackets() {
        assert_eq!(sd_escape(r#"a"b\c]d"#), r#"a\"b\\c\]d"#);
    }
}
