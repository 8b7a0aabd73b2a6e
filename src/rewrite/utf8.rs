//! Finding the first byte sequence that is not UTF-8, across chunk boundaries.

/// Validates a stream chunk by chunk and remembers where it first went wrong.
#[derive(Debug, Default)]
pub struct Utf8Validator {
    /// Bytes validated so far (the start of `carry`).
    offset: usize,
    /// The start of a sequence cut by a chunk boundary.
    carry: Vec<u8>,
    first_error: Option<usize>,
}

impl Utf8Validator {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.first_error.is_some() {
            return;
        }
        if self.carry.is_empty() {
            self.validate(chunk);
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(chunk);
            self.validate(&joined);
        }
    }

    fn validate(&mut self, data: &[u8]) {
        match std::str::from_utf8(data) {
            Ok(_) => self.offset += data.len(),
            Err(error) => {
                let valid = error.valid_up_to();
                if error.error_len().is_some() {
                    self.first_error = Some(self.offset + valid);
                } else {
                    self.carry = data[valid..].to_vec();
                    self.offset += valid;
                }
            }
        }
    }

    /// The offset of the first invalid sequence (a sequence cut off by the end counts).
    pub fn finish(self) -> Option<usize> {
        self.first_error
            .or_else(|| (!self.carry.is_empty()).then_some(self.offset))
    }
}

#[cfg(test)]
mod tests {
    use super::Utf8Validator;

    fn first_error(chunks: &[&[u8]]) -> Option<usize> {
        let mut validator = Utf8Validator::default();
        for chunk in chunks {
            validator.feed(chunk);
        }
        validator.finish()
    }

    #[test]
    fn across_boundaries() {
        let euro = "€".as_bytes();
        assert_eq!(first_error(&[b"ab", &euro[..1], &euro[1..], b"c"]), None);
        assert_eq!(first_error(&[b"ab", &euro[..2]]), Some(2));
        assert_eq!(first_error(&[b"abc\xff", b"def"]), Some(3));
        assert_eq!(first_error(&[b"abc", b"d\xc3(", b"x"]), Some(4));
    }
}
