//! "Did you mean" suggestions shared by the rules that guess.

/// The candidate closest to `word` (ignoring ASCII case), if it is close enough to be a
/// plausible typo: at most two edits, and fewer than half the word's length.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    closest_preferring(word, candidates, |_| false)
}

/// [`closest`], where among the candidates equally close the first that `preferred` accepts
/// wins: `quote` over `quotes` for `quotee` in a link that carries a `quote_id`.
pub fn closest_preferring<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    preferred: impl Fn(&str) -> bool,
) -> Option<&'c str> {
    let word = word.to_ascii_lowercase();
    let limit = 2.min(word.chars().count().saturating_sub(1) / 2).max(1);
    candidates
        .into_iter()
        .map(|candidate| {
            (
                strsim::damerau_levenshtein(&word, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|&(distance, candidate)| (distance, !preferred(candidate)))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::{closest, closest_preferring};

    #[test]
    fn suggests_near_misses_only() {
        let words = ["approve", "close", "chat", "decline"];
        assert_eq!(closest("aprove", words), Some("approve"));
        assert_eq!(closest("clsoe", words), Some("close"));
        assert_eq!(closest("banana", words), None);
        assert_eq!(closest("x", words), None);
        assert_eq!(closest("quotee", ["quotes", "quote"]), Some("quotes"));
        assert_eq!(
            closest_preferring("quotee", ["quotes", "quote"], |c| c == "quote"),
            Some("quote")
        );
    }
}
