//! The content rule: message bodies, display names and every other text a user controls are
//! plain text, stored exactly as typed (less control characters) and never interpreted as HTML.
//! Every client renders them as text (the widget never sets `innerHTML`), so `<b>` shows as the
//! four characters `<b>`, `a<b` stays `a<b`, and no markup can be smuggled through a second pass.

/// The longest body accepted, in characters.
pub const MAX_BODY_CHARS: usize = 4000;
/// The longest display name kept, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Control characters go (they break terminals, logs and layouts; NUL breaks Postgres text),
/// except newlines and tabs in a body; surrounding white space is trimmed.
pub fn plain_text(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

/// A display name: one line of plain text, capped.
pub fn display_name(input: &str) -> Option<String> {
    let name: String = plain_text(input)
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim()
        .to_string();
    (!name.is_empty()).then_some(name)
}

/// Whether a string is one emoji (a reaction): made only of emoji code points and the joiners,
/// selectors, skin tones, tags and keycap marks that build sequences — nothing a browser could
/// read as markup.
pub fn is_emoji(s: &str) -> bool {
    let mut any = false;
    for c in s.chars() {
        let u = c as u32;
        let part = matches!(u,
            0x200D | 0xFE0F | 0x20E3 | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F);
        let pictograph = matches!(u,
            0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA
            | 0x231A..=0x23FF | 0x24C2 | 0x25AA..=0x27BF | 0x2934 | 0x2935 | 0x2B05..=0x2B55
            | 0x3030 | 0x303D | 0x3297 | 0x3299 | 0x1F000..=0x1FAFF);
        let keycap_base = c.is_ascii_digit() || c == '#' || c == '*';
        if !(part || pictograph || keycap_base) {
            return false;
        }
        any |= pictograph || (keycap_base && s.contains('\u{20E3}'));
    }
    any && s.chars().count() <= 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_kept_as_typed() {
        assert_eq!(plain_text("<b>hi</b> there"), "<b>hi</b> there");
        assert_eq!(
            plain_text("<<b>script>alert(1)<</b>/script>"),
            "<<b>script>alert(1)<</b>/script>",
            "nothing is stripped, so nothing can be reassembled"
        );
        assert_eq!(plain_text("a<b"), "a<b");
        assert_eq!(plain_text("if a<b then c>d"), "if a<b then c>d");
        assert_eq!(plain_text("  line\u{0007}\nnext\u{0} "), "line\nnext");
        assert_eq!(
            display_name(" <i>Eve</i>\n\u{0}Smith ").as_deref(),
            Some("<i>Eve</i> Smith")
        );
        assert_eq!(display_name("\u{0}\u{7}"), None);
    }

    #[test]
    fn reactions_are_emoji_only() {
        for ok in ["👍", "❤️", "😂", "🎉", "1️⃣", "👍🏽", "👨‍👩‍👧", "🇫🇷", "©️"]
        {
            assert!(is_emoji(ok), "{ok}");
        }
        for bad in ["", "a", "1", "<svg/onload=x>é", "é", "👍 x", "<b>", "👍<"] {
            assert!(!is_emoji(bad), "{bad}");
        }
    }
}
