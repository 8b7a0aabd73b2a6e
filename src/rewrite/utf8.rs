//! Finding the first byte sequence that is invalid in the document's encoding, across chunk
//! boundaries. lol_html would quietly turn such bytes into U+FFFD, and a fix would then
//! corrupt them: the file is reported instead.

use encoding_rs::{Decoder, DecoderResult, Encoding, UTF_8};

/// Validates a stream chunk by chunk and remembers where it first went wrong.
pub struct Validator {
    decoder: Option<Decoder>,
    /// Bytes validated so far (UTF-8: the start of `carry`).
    offset: usize,
    /// UTF-8 only: the start of a sequence cut by a chunk boundary.
    carry: Vec<u8>,
    first_error: Option<usize>,
    scratch: String,
}

impl Validator {
    pub fn new(encoding: &'static Encoding) -> Self {
        Validator {
            // UTF-8 is checked with the standard library, which needs no output buffer.
            decoder: (encoding != UTF_8).then(|| encoding.new_decoder_without_bom_handling()),
            offset: 0,
            carry: Vec::new(),
            first_error: None,
            scratch: String::new(),
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        self.decode(chunk, false);
    }

    fn decode(&mut self, chunk: &[u8], last: bool) {
        if self.first_error.is_some() {
            return;
        }
        let Some(decoder) = &mut self.decoder else {
            if self.carry.is_empty() {
                self.validate_utf8(chunk);
            } else {
                let mut joined = std::mem::take(&mut self.carry);
                joined.extend_from_slice(chunk);
                self.validate_utf8(&joined);
            }
            return;
        };
        let mut input = chunk;
        loop {
            self.scratch.clear();
            self.scratch.reserve(
                decoder
                    .max_utf8_buffer_length_without_replacement(input.len())
                    .unwrap_or(input.len() * 3 + 16),
            );
            let (result, read) =
                decoder.decode_to_string_without_replacement(input, &mut self.scratch, last);
            match result {
                DecoderResult::InputEmpty => {
                    self.offset += read;
                    return;
                }
                DecoderResult::OutputFull => {
                    self.offset += read;
                    input = &input[read..];
                }
                DecoderResult::Malformed(bad, unread) => {
                    let end = self.offset + read - usize::from(unread);
                    self.first_error = Some(end - usize::from(bad));
                    return;
                }
            }
        }
    }

    fn validate_utf8(&mut self, data: &[u8]) {
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
    /// The first invalid sequence found so far (one cut short by the end of the input is
    /// known only at [`Validator::finish`]).
    pub fn first_error(&self) -> Option<usize> {
        self.first_error
    }

    pub fn finish(&mut self) -> Option<usize> {
        if self.decoder.is_some() {
            self.decode(&[], true);
            return self.first_error;
        }
        self.first_error
            .or_else(|| (!self.carry.is_empty()).then_some(self.offset))
    }
}

#[cfg(test)]
mod tests {
    use super::Validator;

    fn first_error(encoding: &'static encoding_rs::Encoding, chunks: &[&[u8]]) -> Option<usize> {
        let mut validator = Validator::new(encoding);
        for chunk in chunks {
            validator.feed(chunk);
        }
        validator.finish()
    }

    #[test]
    fn utf8_across_boundaries() {
        let utf8 = encoding_rs::UTF_8;
        let euro = "€".as_bytes();
        assert_eq!(
            first_error(utf8, &[b"ab", &euro[..1], &euro[1..], b"c"]),
            None
        );
        assert_eq!(first_error(utf8, &[b"ab", &euro[..2]]), Some(2));
        assert_eq!(first_error(utf8, &[b"abc\xff", b"def"]), Some(3));
        assert_eq!(first_error(utf8, &[b"abc", b"d\xc3(", b"x"]), Some(4));
    }

    #[test]
    fn other_encodings() {
        assert_eq!(
            first_error(encoding_rs::WINDOWS_1252, &[b"caf\xe9 \x80"]),
            None
        );
        assert_eq!(
            first_error(encoding_rs::SHIFT_JIS, &[b"ab\x82\xa0cd"]),
            None
        );
        assert_eq!(
            first_error(encoding_rs::SHIFT_JIS, &[b"ab\x82", b"\xa0cd"]),
            None
        );
        assert_eq!(first_error(encoding_rs::SHIFT_JIS, &[b"abc\x82"]), Some(3));
        assert_eq!(
            first_error(encoding_rs::EUC_KR, &[b"ok\xff\xffno"]),
            Some(2)
        );
    }
}
