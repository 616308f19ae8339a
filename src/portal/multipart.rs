//! A `multipart/form-data` body (RFC 7578) as its parts: what a browser
//! sends for a form with a file. The body is read whole first (its size
//! limited by the route), so the parts are slices of it, copied out.

/// One field of the form: its name, the file's name for a file, its bytes.
#[derive(Debug, PartialEq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content: Vec<u8>,
}

/// The boundary a `Content-Type: multipart/form-data; boundary=…` names.
fn boundary(content_type: &str) -> Option<&str> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(key, _)| key.eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|b| !b.is_empty() && b.len() <= 70)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A parameter of `Content-Disposition: form-data; name="…"; filename="…"`.
fn parameter(disposition: &str, key: &str) -> Option<String> {
    let marker = format!("{key}=\"");
    let mut from = 0;
    // `name=` must not match inside `filename=`
    while let Some(at) = disposition[from..].find(&marker) {
        let start = from + at;
        let before = disposition[..start].trim_end().chars().last();
        if matches!(before, Some(';')) {
            let value = &disposition[start + marker.len()..];
            return value.find('"').map(|end| value[..end].to_owned());
        }
        from = start + marker.len();
    }
    None
}

fn part(raw: &[u8]) -> Option<Part> {
    let head_end = find(raw, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let disposition = head.split("\r\n").find(|line| {
        line.split_once(':')
            .is_some_and(|(h, _)| h.trim().eq_ignore_ascii_case("content-disposition"))
    })?;
    Some(Part {
        name: parameter(disposition, "name")?,
        file_name: parameter(disposition, "filename"),
        content: raw[head_end + 4..].to_vec(),
    })
}

/// The parts of `body`, or `None` when it is not a well-formed
/// multipart body of this content type.
pub fn parse(content_type: &str, body: &[u8]) -> Option<Vec<Part>> {
    let boundary = boundary(content_type)?;
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    // the first delimiter may open the body without its CRLF
    let mut rest = body.strip_prefix(&delimiter[2..])?;
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, &delimiter)?;
        parts.push(part(&rest[..end])?);
        rest = &rest[end + delimiter.len()..];
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_browsers_upload_is_read_as_its_fields_and_file() {
        let body = "--XyZ\r\n\
            Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n\
            abc\r\n\
            --XyZ\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"Sở Nội vụ.csv\"\r\n\
            Content-Type: text/csv\r\n\r\n\
            Họ và tên;Giới tính\r\nNguyễn Văn An;Nam\r\n\r\n\
            --XyZ--\r\n";
        let parts = parse("multipart/form-data; boundary=XyZ", body.as_bytes()).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "csrf_token");
        assert_eq!(parts[0].content, b"abc");
        assert_eq!(parts[1].name, "file");
        assert_eq!(parts[1].file_name.as_deref(), Some("Sở Nội vụ.csv"));
        assert_eq!(
            parts[1].content,
            "Họ và tên;Giới tính\r\nNguyễn Văn An;Nam\r\n".as_bytes()
        );
        assert!(parse("application/x-www-form-urlencoded", body.as_bytes()).is_none());
        assert!(parse("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken").is_none());
    }
}
