//! Just enough of `multipart/form-data` (RFC 7578) to take a file out of an upload form: whole
//! (`first_file`), or as the body streams in (`FileStream`), one piece at a time.

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// One part of a form: its content and, for a file, the name it was sent with.
#[derive(Debug, PartialEq)]
pub struct Part<'a> {
    pub data: &'a [u8],
    pub name: Option<String>,
}

/// The `filename` parameter of a part's headers (`filename*` is not used by browsers' forms).
fn file_name(headers: &str) -> Option<String> {
    let line = headers
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let lower = line.to_ascii_lowercase();
    let at = lower.find("filename=")? + "filename=".len();
    let rest = &line[at..];
    let value = match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or(""),
        None => rest.split(';').next().unwrap_or("").trim(),
    };
    (!value.is_empty()).then(|| value.to_string())
}

/// The first part that carries a file (a `filename`), or else the first part.
pub fn first_file<'a>(body: &'a [u8], boundary: &str) -> Option<Part<'a>> {
    let delimiter = format!("--{boundary}");
    let mut at = find(body, delimiter.as_bytes(), 0)? + delimiter.len();
    let mut first = None;
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return first;
        }
        let headers_end = find(body, b"\r\n\r\n", at)?;
        let headers = String::from_utf8_lossy(&body[at..headers_end]);
        let start = headers_end + 4;
        let end = find(body, format!("\r\n{delimiter}").as_bytes(), start)?;
        let content = &body[start..end];
        if headers.to_ascii_lowercase().contains("filename=") {
            return Some(Part {
                data: content,
                name: file_name(&headers),
            });
        }
        first.get_or_insert(Part {
            data: content,
            name: None,
        });
        at = end + 2 + delimiter.len();
    }
}

/// Headers of one part longer than this end the upload (`400`).
const MAX_PART_HEADERS: usize = 16 * 1024;
/// A form without a file part uploads its first field, if the field is at most this long.
pub const MAX_FIELD: usize = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first delimiter.
    Preamble,
    /// Just after a delimiter: `--` ends the form, anything else starts a part's headers.
    Delimiter,
    Headers,
    /// A part's content; `file` when its headers named a file.
    Content {
        file: bool,
    },
    /// The form ended (`--`) without a file part.
    Ended,
    /// The file part's content ended: the rest of the body is ignored.
    Done,
}

/// Why a streamed form gave no file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("multipart body without a file part")]
    NoFile,
    #[error("a multipart part's headers are over 16 KiB")]
    HeadersTooLong,
}

/// The file of a `multipart/form-data` body as the body streams in: the content of the first
/// part with a `filename` (or, when there is none, of the first part, if at most `MAX_FIELD`),
/// handed out piece by piece. The same answer as `first_file` on the whole body, while holding
/// no more than a received piece and a delimiter's length of it.
pub struct FileStream {
    /// `\r\n--<boundary>`: what ends a part's content.
    end: Vec<u8>,
    state: State,
    /// Received bytes not yet handed out or skipped.
    buf: Vec<u8>,
    /// The first part, kept in case no part names a file; None when it was too long.
    first: Option<Vec<u8>>,
    /// Whether the first part has been seen (`first` then holds it, unless it was too long).
    seen_first: bool,
    name: Option<String>,
}

impl FileStream {
    pub fn new(boundary: &str) -> Self {
        FileStream {
            end: format!("\r\n--{boundary}").into_bytes(),
            state: State::Preamble,
            buf: Vec::new(),
            first: Some(Vec::new()),
            seen_first: false,
            name: None,
        }
    }

    /// The file part's `filename`, once its headers have arrived.
    pub fn file_name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Feeds the next received bytes; returns the file's bytes they complete (maybe none).
    pub fn push(&mut self, data: &[u8]) -> Result<Vec<u8>, FormError> {
        let mut out = Vec::new();
        if matches!(self.state, State::Done | State::Ended) {
            return Ok(out);
        }
        self.buf.extend_from_slice(data);
        loop {
            match self.state {
                State::Preamble => {
                    let delimiter = &self.end[2..];
                    match find(&self.buf, delimiter, 0) {
                        Some(i) => {
                            self.buf.drain(..i + delimiter.len());
                            self.state = State::Delimiter;
                        }
                        None => {
                            let keep = delimiter.len() - 1;
                            let cut = self.buf.len().saturating_sub(keep);
                            self.buf.drain(..cut);
                            return Ok(out);
                        }
                    }
                }
                State::Delimiter => {
                    if self.buf.len() < 2 {
                        return Ok(out);
                    }
                    if self.buf.starts_with(b"--") {
                        self.state = State::Ended;
                        self.buf.clear();
                        return Ok(out);
                    }
                    self.state = State::Headers;
                }
                State::Headers => match find(&self.buf, b"\r\n\r\n", 0) {
                    Some(i) => {
                        let headers = String::from_utf8_lossy(&self.buf[..i]);
                        let file = headers.to_ascii_lowercase().contains("filename=");
                        if file {
                            self.name = file_name(&headers);
                        }
                        self.buf.drain(..i + 4);
                        self.state = State::Content { file };
                    }
                    None if self.buf.len() > MAX_PART_HEADERS => {
                        return Err(FormError::HeadersTooLong)
                    }
                    None => return Ok(out),
                },
                State::Content { file } => {
                    let (upto, ended) = match find(&self.buf, &self.end, 0) {
                        Some(i) => (i, true),
                        None => (self.buf.len().saturating_sub(self.end.len() - 1), false),
                    };
                    if file {
                        out.extend_from_slice(&self.buf[..upto]);
                    } else if !self.seen_first {
                        self.keep_first(upto);
                    }
                    if !ended {
                        self.buf.drain(..upto);
                        return Ok(out);
                    }
                    if file {
                        self.state = State::Done;
                        self.buf = Vec::new();
                        return Ok(out);
                    }
                    self.seen_first = true;
                    self.buf.drain(..upto + self.end.len());
                    self.state = State::Delimiter;
                }
                State::Ended | State::Done => return Ok(out),
            }
        }
    }

    /// Keeps the first part's next `n` bytes, or gives up on it past `MAX_FIELD`.
    fn keep_first(&mut self, n: usize) {
        if let Some(first) = &mut self.first {
            if first.len() + n > MAX_FIELD {
                self.first = None;
            } else {
                first.extend_from_slice(&self.buf[..n]);
            }
        }
    }

    /// The body ended: the rest of the file (the first part, for a form without a file part),
    /// or why there is none.
    pub fn finish(&mut self) -> Result<Vec<u8>, FormError> {
        match self.state {
            State::Done => Ok(Vec::new()),
            State::Ended if self.seen_first => self.first.take().ok_or(FormError::NoFile),
            _ => Err(FormError::NoFile),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_file_part() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(boundary("image/png"), None);
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--xyz--\r\n";
        let part = first_file(body, "xyz").unwrap();
        assert_eq!(
            (part.data, part.name.as_deref()),
            (&b"\x89PNG"[..], Some("a.png"))
        );
        let only = b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--xyz--";
        let part = first_file(only, "xyz").unwrap();
        assert_eq!((part.data, part.name), (&b"value"[..], None));
        assert_eq!(first_file(b"garbage", "xyz"), None);
        assert_eq!(first_file(b"--xyz\r\nno end of headers", "xyz"), None);
    }

    /// The streamed file, fed in pieces of `step` bytes.
    fn streamed(body: &[u8], boundary: &str, step: usize) -> Result<Vec<u8>, FormError> {
        let mut s = FileStream::new(boundary);
        let mut out = Vec::new();
        for piece in body.chunks(step) {
            out.extend(s.push(piece)?);
        }
        out.extend(s.finish()?);
        Ok(out)
    }

    #[test]
    fn streaming_gives_the_same_file_in_any_pieces() {
        let bodies: [&[u8]; 6] = [
            b"--xyz\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n--xy\r\n--xyz--\r\n",
            b"preamble\r\n--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--xyz--",
            b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue\r\n--xyz",
            b"--xyz\r\nno end of headers",
            b"--xyz\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\ncut off",
            b"garbage",
        ];
        for body in bodies {
            let whole = first_file(body, "xyz").map(|p| p.data.to_vec());
            for step in [1, 2, 3, 7, 64, body.len()] {
                assert_eq!(
                    streamed(body, "xyz", step).ok(),
                    whole,
                    "{body:?} by {step}"
                );
            }
        }
        let mut s = FileStream::new("xyz");
        s.push(b"--xyz\r\nContent-Disposition: form-data; filename=\"r.txt\"\r\n\r\nab")
            .unwrap();
        assert_eq!(s.file_name(), Some("r.txt"));
        let long = vec![b'h'; MAX_PART_HEADERS + 10];
        let mut s = FileStream::new("xyz");
        s.push(b"--xyz\r\n").unwrap();
        assert_eq!(s.push(&long), Err(FormError::HeadersTooLong));
    }
}
