//! Text for people, made harmless for a terminal. A control character written raw moves the
//! cursor, erases lines or hides what follows (`ESC[8m`, `ESC[2K`): a template, a file name or
//! an argument holding one could hide findings from a CI log, or make an excerpt's label miss
//! its text (miette takes an escape sequence for colour, zero columns wide). Each one is shown
//! instead: C0 controls and DEL as their Unicode control pictures (`␛`, `␇`, `␡`: one column
//! each), C1 controls, which have no pictures, as `\u{9b}`. The machine formats keep text as
//! it is (JSON escapes it), but for the GitHub format, whose lines the Actions log shows.

use std::borrow::Cow;

/// How `c` is shown, when it is a control character other than those `keep` says belong.
fn shown(c: char, keep: impl Fn(char) -> bool) -> Option<Cow<'static, str>> {
    if keep(c) {
        return None;
    }
    match u32::from(c) {
        code @ 0..=0x1F => char::from_u32(0x2400 + code).map(|p| Cow::Owned(p.to_string())),
        0x7F => Some(Cow::Borrowed("\u{2421}")),
        code @ 0x80..=0x9F => Some(Cow::Owned(format!("\\u{{{code:x}}}"))),
        _ => None,
    }
}

/// One line of text (a message, a help, a path): every control character shown, a newline
/// too, so that a line that quotes a template cannot pass for two, and a tab, which would
/// read as spaces in what a message quotes (`[srn\tumber]`).
pub fn line(text: &str) -> Cow<'_, str> {
    shown_but(text, |_| false)
}

/// A GitHub workflow command's text: every control character shown but the tab and the line
/// breaks, which the command escapes (`%0A`) and GitHub shows as such.
pub fn annotation(text: &str) -> Cow<'_, str> {
    shown_but(text, |c| matches!(c, '\t' | '\r' | '\n'))
}

/// `text` with every control character shown but those `keep` says belong.
fn shown_but(text: &str, keep: impl Fn(char) -> bool + Copy) -> Cow<'_, str> {
    if !text.chars().any(|c| shown(c, keep).is_some()) {
        return Cow::Borrowed(text);
    }
    let mut visible = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match shown(c, keep) {
            Some(picture) => visible.push_str(&picture),
            None => visible.push(c),
        }
    }
    Cow::Owned(visible)
}

/// Lines of a source excerpt: tabs and line ends (`\n`, `\r\n`) kept, every other control
/// character shown, a lone `\r` too (miette would draw it inside the line: a caller that
/// reads it as a line end, as the findings' excerpts do, writes it as `\n` first).
/// `offsets` (byte offsets into `text`, on character boundaries) are moved to the same
/// characters in the result, so that labels stay under the text they mark.
pub fn excerpt(text: &str, offsets: &mut [usize]) -> String {
    let given = offsets.to_vec();
    let mut visible = String::with_capacity(text.len() + 8);
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let ends_line = c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n');
        let keep = |c| c == '\t' || c == '\n' || ends_line;
        match shown(c, keep) {
            Some(picture) => {
                let grown = picture.len() - c.len_utf8();
                for (offset, given) in offsets.iter_mut().zip(&given) {
                    if *given > at {
                        *offset += grown;
                    }
                }
                visible.push_str(&picture);
            }
            None => visible.push(c),
        }
    }
    visible
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown() {
        assert_eq!(line("plain text"), Cow::Borrowed("plain text"));
        assert_eq!(line("[srn\tumber]"), "[srn␉umber]");
        assert_eq!(
            line("a\u{1b}[8mb\u{7}c\u{9b}2Kd\u{7f}\r\n\0"),
            "a␛[8mb␇c\\u{9b}2Kd␡␍␊␀"
        );
    }

    #[test]
    fn excerpt_offsets_follow_their_characters() {
        let text = "<p>\u{1b}[2K</p>\r\n<a>x\u{85}y\rz</a>\n";
        let mut offsets = [
            text.find("</p>").unwrap(),
            text.find('y').unwrap(),
            text.len(),
        ];
        let visible = excerpt(text, &mut offsets);
        assert_eq!(visible, "<p>␛[2K</p>\r\n<a>x\\u{85}y␍z</a>\n");
        assert_eq!(&visible[offsets[0]..offsets[0] + 4], "</p>");
        assert_eq!(&visible[offsets[1]..=offsets[1]], "y");
        assert_eq!(offsets[2], visible.len());
    }
}
