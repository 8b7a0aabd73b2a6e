//! HTML character references: decoding with a map back to the source, and classifying a `&`.
//!
//! lol_html hands attribute values and text over raw, entities still encoded, and spans must
//! point at source bytes, so decoding is ours. This follows the HTML standard's tokenizer:
//! numeric references, the full named-reference table (the standard's list, legacy
//! semicolon-less names included, kept as text in `src/charref/`), and the attribute-value
//! exception that leaves `&quote_id=` alone in a browser while other parsers read `"e_id=`.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

/// The longest entity name in the standard's table (`&CounterClockwiseContourIntegral;`).
const MAX_NAME: usize = 33;

/// The HTML standard's named character references with their semicolon, one per line, sorted
/// byte-wise (looked up by binary search, with nothing to build first): the name without its
/// `&`, then its code points in hex. Kept as text, not as a table of string pairs: every
/// pointer in a static table is a relocation that the loader writes on each start (this one
/// was 4,500 of them and 26 pages, a tenth of a save hook's start-up), and a map of them took
/// as long to build again on every run that met a `&copy;`. Generated from the `entities`
/// crate, which carries the standard's list (<https://html.spec.whatwg.org/entities.json>);
/// the test `entity_tables_are_the_standards` checks it and, with `DDLINK_UPDATE_ENTITIES=1`,
/// writes it again.
const ENTITY_TABLE: &str = include_str!("charref/entities.txt");

/// The names that may go without their semicolon (`&amp`, `&quot`, …), as [`ENTITY_TABLE`]
/// writes them: a hundred of the standard's two thousand.
const LEGACY_TABLE: &str = include_str!("charref/legacy.txt");

/// A table's lines after its `#` header.
fn body(table: &'static str) -> &'static str {
    let mut at = 0;
    while table[at..].starts_with('#') {
        at += table[at..]
            .find('\n')
            .map_or(table.len() - at, |end| end + 1);
    }
    &table[at..]
}

/// The code points of `name` (with its semicolon), by binary search over [`ENTITY_TABLE`].
fn find_entity(name: &str) -> Option<&'static str> {
    let lines = body(ENTITY_TABLE);
    let bytes = lines.as_bytes();
    // `low` and `high` are where lines start; the name is between them if anywhere.
    let (mut low, mut high) = (0, bytes.len());
    while low < high {
        let middle = low + (high - low) / 2;
        let start = memchr::memrchr(b'\n', &bytes[low..middle]).map_or(low, |at| low + at + 1);
        let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |at| start + at);
        let line = &lines[start..end];
        let (key, hex) = line.split_once(' ').unwrap_or((line, ""));
        match key.cmp(name) {
            std::cmp::Ordering::Equal => return Some(hex),
            std::cmp::Ordering::Less => low = end + 1,
            std::cmp::Ordering::Greater => high = start,
        }
    }
    None
}

/// A table's names and code points (hex, space-separated), in its order.
fn entries(table: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    body(table)
        .lines()
        .map(|line| line.split_once(' ').unwrap_or((line, "")))
}

/// The text that code points written as [`ENTITY_TABLE`] writes them stand for.
fn decode_code_points(hex: &str) -> String {
    hex.split(' ')
        .map(|hex| {
            u32::from_str_radix(hex, 16)
                .ok()
                .and_then(char::from_u32)
                .expect("the entity table holds code points in hex")
        })
        .collect()
}

/// The legacy names and their code points, looked up for every bare `&` in a link.
fn legacy_table() -> &'static HashMap<&'static str, &'static str> {
    static TABLE: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| entries(LEGACY_TABLE).collect())
}

/// The legacy names (those read without their semicolon) that stand for `c`: `quot` and
/// `QUOT` for `"`. What an HTML tool that decoded `&quote_id=` left of it (`"e_id=`) is read
/// back with them.
pub fn legacy_names(c: char) -> &'static [&'static str] {
    static REVERSE: OnceLock<HashMap<char, Vec<&'static str>>> = OnceLock::new();
    let reverse = REVERSE.get_or_init(|| {
        let mut reverse: HashMap<char, Vec<&'static str>> = HashMap::new();
        for (name, hex) in entries(LEGACY_TABLE) {
            let decoded = decode_code_points(hex);
            let mut chars = decoded.chars();
            if let (Some(c), None) = (chars.next(), chars.next()) {
                reverse.entry(c).or_default().push(name);
            }
        }
        reverse
    });
    reverse.get(&c).map_or(&[], Vec::as_slice)
}

/// A reference with its semicolon: the few that links hold first, then the whole table
/// (built on first use, which a short run such as an editor's save hook rarely needs).
fn lookup(name_and_semicolon: &str) -> Option<String> {
    let common = match name_and_semicolon {
        "amp;" => "&",
        "quot;" => "\"",
        "apos;" => "'",
        "lt;" => "<",
        "gt;" => ">",
        "nbsp;" => "\u{a0}",
        _ => return find_entity(name_and_semicolon).map(decode_code_points),
    };
    Some(common.to_owned())
}

/// What a `&` in HTML source starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ampersand {
    /// A well-formed reference (`&amp;`, `&#38;`, `&#x26;`): `len` source bytes decode to
    /// `decoded`.
    Reference { len: usize, decoded: String },
    /// A legacy name without its semicolon (`&quot` in `&quote_id=`). Browsers decode it in
    /// text and, in attributes, when no letter, digit or `=` follows; many other HTML tools
    /// always decode it. `decoded_here` says whether a browser decodes it at this place.
    Legacy {
        name: &'static str,
        len: usize,
        decoded: String,
        decoded_here: bool,
    },
    /// A plain `&` that starts nothing.
    Bare,
}

/// Classify the `&` at `at` in `source` (`in_attribute` selects the attribute-value rule).
pub fn classify(source: &str, at: usize, in_attribute: bool) -> Ampersand {
    debug_assert_eq!(source.as_bytes().get(at), Some(&b'&'));
    let rest = &source[at + 1..];
    if let Some(numeric) = rest.strip_prefix('#') {
        return numeric_reference(numeric).map_or(Ampersand::Bare, |(len, decoded)| {
            Ampersand::Reference {
                len: len + 2,
                decoded,
            }
        });
    }
    let name_len = rest
        .bytes()
        .take(MAX_NAME + 1)
        .take_while(u8::is_ascii_alphanumeric)
        .count();
    if name_len == 0 {
        return Ampersand::Bare;
    }
    if rest.as_bytes().get(name_len) == Some(&b';')
        && let Some(decoded) = lookup(&rest[..=name_len])
    {
        return Ampersand::Reference {
            len: name_len + 2,
            decoded,
        };
    }
    // Longest semicolon-less (legacy) name that prefixes the run.
    for len in (2..=name_len.min(MAX_NAME)).rev() {
        if let Some((name, hex)) = legacy_table().get_key_value(&rest[..len]) {
            let decoded = decode_code_points(hex);
            let next = rest.as_bytes().get(len).copied();
            let blocked = next.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'=');
            return Ampersand::Legacy {
                name,
                len: len + 1,
                decoded,
                decoded_here: !(in_attribute && blocked),
            };
        }
    }
    Ampersand::Bare
}

/// `digits;` or `xHEX;` after `&#`: (bytes consumed after `&#`, decoded char).
fn numeric_reference(rest: &str) -> Option<(usize, String)> {
    let (radix, skip) = match rest.as_bytes().first() {
        Some(b'x' | b'X') => (16, 1),
        _ => (10, 0),
    };
    let digits = rest[skip..]
        .bytes()
        .take_while(|b| {
            if radix == 16 {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    if digits == 0 {
        return None;
    }
    let end = skip + digits;
    let semicolon = usize::from(rest.as_bytes().get(end) == Some(&b';'));
    let value = u32::from_str_radix(&rest[skip..end], radix).unwrap_or(u32::MAX);
    let decoded = match value {
        0x80..=0x9F => windows_1252_c1(value),
        0 | 0xD800..=0xDFFF => '\u{FFFD}',
        _ => char::from_u32(value).unwrap_or('\u{FFFD}'),
    };
    Some((end + semicolon, decoded.to_string()))
}

/// The standard maps C1 control references to the characters windows-1252 puts there.
fn windows_1252_c1(value: u32) -> char {
    const TABLE: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    TABLE[(value - 0x80) as usize]
}

/// For each decoded character reference: its range in the decoded text and in the source.
pub type ReferenceMap = Vec<(Range<usize>, Range<usize>)>;

/// Decode `raw` as a browser would (attribute value or text): the decoded string and, for each
/// reference, its decoded range and source range.
pub fn decode(raw: &str, in_attribute: bool) -> (String, ReferenceMap) {
    if !raw.contains('&') {
        return (raw.to_owned(), Vec::new());
    }
    let mut decoded = String::with_capacity(raw.len());
    let mut refs = Vec::new();
    let mut copied = 0;
    for at in memchr::memchr_iter(b'&', raw.as_bytes()) {
        if at < copied {
            continue;
        }
        let (Ampersand::Reference { len, decoded: text }
        | Ampersand::Legacy {
            len,
            decoded: text,
            decoded_here: true,
            ..
        }) = classify(raw, at, in_attribute)
        else {
            continue;
        };
        decoded.push_str(&raw[copied..at]);
        let start = decoded.len();
        decoded.push_str(&text);
        refs.push((start..decoded.len(), at..at + len));
        copied = at + len;
    }
    decoded.push_str(&raw[copied..]);
    (decoded, refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_tables_are_the_standards() {
        use std::fmt::Write;
        let header = |what: &str| {
            format!(
                "# The HTML standard's named character references \
                 (https://html.spec.whatwg.org/entities.json), from the `entities` crate:\n\
                 # {what}: the name without its `&`, then its code points in hex.\n\
                 # Generated: DDLINK_UPDATE_ENTITIES=1 cargo test --lib entity_tables\n"
            )
        };
        let line = |entity: &entities::Entity| {
            let mut line = entity.entity[1..].to_owned();
            for c in entity.characters.chars() {
                write!(line, " {:x}", u32::from(c)).unwrap();
            }
            line + "\n"
        };
        let (legacy, mut named): (Vec<_>, Vec<_>) = entities::ENTITIES
            .iter()
            .partition(|entity| !entity.entity.ends_with(';'));
        named.sort_by_key(|entity| entity.entity);
        let expected_named = header("the names with their semicolon, sorted byte-wise")
            + &named.iter().map(|e| line(e)).collect::<String>();
        let expected_legacy = header("the names that may go without their semicolon")
            + &legacy.iter().map(|e| line(e)).collect::<String>();
        if std::env::var_os("DDLINK_UPDATE_ENTITIES").is_some() {
            // Compiled in are the tables before this run: checked on the next.
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/charref/");
            std::fs::write(format!("{dir}entities.txt"), &expected_named).unwrap();
            std::fs::write(format!("{dir}legacy.txt"), &expected_legacy).unwrap();
            return;
        }
        assert!(
            ENTITY_TABLE == expected_named && LEGACY_TABLE == expected_legacy,
            "src/charref/*.txt differ from the entities crate: run with DDLINK_UPDATE_ENTITIES=1"
        );
        // Every reference is found, and decodes to what the standard says.
        for entity in &entities::ENTITIES {
            let name = &entity.entity[1..];
            let hex = if name.ends_with(';') {
                find_entity(name)
            } else {
                legacy_table().get(name).copied()
            };
            assert_eq!(
                hex.map(decode_code_points).as_deref(),
                Some(entity.characters),
                "{name}"
            );
        }
        for missing in ["", ";", "ampx;", "Aacute", "zzzz;", "AAA;", "amp"] {
            assert_eq!(find_entity(missing), None, "{missing}");
        }
    }

    #[test]
    fn classifies_ampersands() {
        let reference = |len: usize, decoded: &str| Ampersand::Reference {
            len,
            decoded: decoded.to_owned(),
        };
        assert_eq!(classify("&amp;x", 0, true), reference(5, "&"));
        assert_eq!(classify("&#38;", 0, true), reference(5, "&"));
        assert_eq!(classify("&#x26;", 0, true), reference(6, "&"));
        assert_eq!(classify("&ticket_id=1", 0, true), Ampersand::Bare);
        assert_eq!(classify("& x", 0, true), Ampersand::Bare);
        assert_eq!(classify("&foo;", 0, true), Ampersand::Bare);
        assert!(matches!(
            classify("&quote_id=1", 0, true),
            Ampersand::Legacy {
                name: "quot",
                decoded_here: false,
                ..
            }
        ));
        assert!(matches!(
            classify("&quote_id=1", 0, false),
            Ampersand::Legacy {
                name: "quot",
                decoded_here: true,
                ..
            }
        ));
        assert!(matches!(
            classify("&notifications", 0, true),
            Ampersand::Legacy { name: "not", .. }
        ));
    }

    #[test]
    fn decodes_with_a_map() {
        let raw = "a=1&amp;b=&quot;2&quot;&c=&#169;";
        let (decoded, refs) = decode(raw, true);
        assert_eq!(decoded, "a=1&b=\"2\"&c=©");
        assert_eq!(refs.len(), 4);
        assert_eq!(refs[0], (3..4, 3..8));
        for (d, r) in &refs {
            assert!(raw[r.clone()].starts_with('&'), "{r:?}");
            assert!(!decoded[d.clone()].is_empty());
        }
    }

    #[test]
    fn attribute_rule_keeps_legacy_names_before_letters() {
        assert_eq!(
            decode("?name=quote&quote_id=Q1", true).0,
            "?name=quote&quote_id=Q1"
        );
        assert_eq!(
            decode("?name=quote&quote_id=Q1", false).0,
            "?name=quote\"e_id=Q1"
        );
    }
}
