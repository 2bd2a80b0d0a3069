//! Message bodies are plain text. Markup is removed on the way in (clients never need to escape
//! what the server already refused), control characters go, and the length is capped.

/// The longest body accepted, in characters.
pub const MAX_BODY_CHARS: usize = 4000;

/// Removes tags (`<b>`, `</script>`, `<!-- -->`, `<?x?>`), keeps a lone `<` such as in "a < b".
pub fn sanitize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '<'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?'))
        {
            for n in chars.by_ref() {
                if n == '>' {
                    break;
                }
            }
            continue;
        }
        if c.is_control() && c != '\n' && c != '\t' {
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_html_survives() {
        assert_eq!(sanitize("<b>hi</b> there"), "hi there");
        assert_eq!(sanitize("<script>alert(1)</script>"), "alert(1)");
        assert_eq!(sanitize("<img src=x onerror=alert(1)>ok"), "ok");
        assert_eq!(sanitize("a < b and c > d"), "a < b and c > d");
        assert_eq!(sanitize("  line\u{0007}\nnext "), "line\nnext");
        assert_eq!(sanitize("<!-- c -->x<?php ?>"), "x");
        assert_eq!(sanitize("<unterminated"), "");
    }
}
