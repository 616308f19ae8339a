//! iCalendar (RFC 5545) export: one VCALENDAR in Asia/Ho_Chi_Minh, lines
//! folded at 75 octets and text escaped, for calendar applications.

use chrono::{DateTime, NaiveDate, Utc};

use super::model::{EventRow, InviteeRow};
use super::recurrence::to_local;

const ZONE: &str = "Asia/Ho_Chi_Minh";

/// The calendar named `name` holding `events` with their invitees.
pub fn calendar(name: &str, events: &[(EventRow, Vec<InviteeRow>)], now: DateTime<Utc>) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//ODB//Groupware//VI".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        format!("X-WR-CALNAME:{}", escape(name)),
        format!("X-WR-TIMEZONE:{ZONE}"),
        "BEGIN:VTIMEZONE".to_owned(),
        format!("TZID:{ZONE}"),
        "BEGIN:STANDARD".to_owned(),
        "DTSTART:19750613T000000".to_owned(),
        "TZOFFSETFROM:+0700".to_owned(),
        "TZOFFSETTO:+0700".to_owned(),
        "TZNAME:ICT".to_owned(),
        "END:STANDARD".to_owned(),
        "END:VTIMEZONE".to_owned(),
    ];
    for (event, invitees) in events {
        lines.extend(vevent(event, invitees, now));
    }
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|l| fold(l)).collect::<Vec<_>>().join("")
}

fn vevent(event: &EventRow, invitees: &[InviteeRow], now: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec![
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@odb.gov.vn", event.id),
        format!("DTSTAMP:{}", now.format("%Y%m%dT%H%M%SZ")),
        format!("DTSTART;TZID={ZONE}:{}", local(event.starts_at)),
        format!("DTEND;TZID={ZONE}:{}", local(event.ends_at)),
        format!("SUMMARY:{}", escape(&event.title)),
        format!("SEQUENCE:{}", event.version - 1),
    ];
    if let Some(location) = &event.location {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    if let Some(description) = &event.description {
        lines.push(format!("DESCRIPTION:{}", escape(description)));
    }
    if let Some(rule) = &event.recurrence {
        lines.push(format!("RRULE:{rule}"));
        let time = to_local(event.starts_at).time();
        for date in &event.exceptions {
            lines.push(format!("EXDATE;TZID={ZONE}:{}", exdate(*date, time)));
        }
    }
    for invitee in invitees {
        lines.push(format!(
            "ATTENDEE;PARTSTAT={}:urn:uuid:{}",
            invitee.answer.partstat(),
            invitee.user_id
        ));
    }
    lines.push("END:VEVENT".to_owned());
    lines
}

fn local(at: DateTime<Utc>) -> String {
    to_local(at).format("%Y%m%dT%H%M%S").to_string()
}

fn exdate(date: NaiveDate, time: chrono::NaiveTime) -> String {
    date.and_time(time).format("%Y%m%dT%H%M%S").to_string()
}

/// TEXT values: backslash, semicolon, comma and newline escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// A content line folded at 75 octets (never inside a character), CRLF-ended.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_and_text_is_escaped() {
        let long = format!("SUMMARY:{}", "Họp giao ban ".repeat(10));
        let folded = fold(&long);
        assert!(folded.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(folded.replace("\r\n ", ""), format!("{long}\r\n"));
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    }
}
