//! "Did you mean" suggestions shared by the rules that guess.

/// The candidate closest to `word` (ignoring ASCII case), if it is close enough to be a
/// plausible typo: at most two edits, and fewer than half the word's length.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
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
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_misses_only() {
        let words = ["approve", "close", "chat", "decline"];
        assert_eq!(closest("aprove", words), Some("approve"));
        assert_eq!(closest("clsoe", words), Some("close"));
        assert_eq!(closest("banana", words), None);
        assert_eq!(closest("x", words), None);
    }
}
