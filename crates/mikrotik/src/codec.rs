//! Sans-I/O RouterOS API wire codec: word length prefixes, words and sentences.
//!
//! A word is a length prefix (1–5 bytes) followed by that many bytes; a sentence is a
//! sequence of words closed by an empty word. The decoder is incremental (feed it bytes as
//! they arrive) and bounded: a peer announcing a giant word or an endless sentence gets a
//! [`CodecError`] before anything large is allocated.

use std::fmt;

/// Default cap on one word: 16 MiB is far beyond any real reply word (a script source
/// or a certificate export) while keeping a hostile length prefix harmless.
pub const DEFAULT_MAX_WORD_LEN: usize = 16 * 1024 * 1024;
/// Default cap on words per sentence; a print row of a busy menu has < 100 properties.
pub const DEFAULT_MAX_SENTENCE_WORDS: usize = 4096;

/// Why bytes from the peer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// First byte of a length prefix is one of the reserved control bytes 0xF8..=0xFF.
    #[error("reserved control byte {0:#04x} in length prefix")]
    ControlByte(u8),
    /// A word longer than the configured cap was announced.
    #[error("word of {len} bytes exceeds the {max}-byte limit")]
    WordTooLong { len: u64, max: usize },
    /// A sentence with more words than the configured cap.
    #[error("sentence exceeds {max} words")]
    TooManyWords { max: usize },
}

/// Number of bytes the length prefix for `len` takes.
pub fn length_prefix_len(len: usize) -> usize {
    match len {
        0..0x80 => 1,
        0x80..0x4000 => 2,
        0x4000..0x20_0000 => 3,
        0x20_0000..0x1000_0000 => 4,
        _ => 5,
    }
}

/// Appends the length prefix of a word of `len` bytes.
///
/// Lengths of 2^32 and above cannot be expressed by the protocol; callers never build such
/// words (the encoder is only fed words that passed the same cap as the decoder).
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    // Truncation is impossible for len < 2^28 in the first four arms; the 5-byte form carries
    // 32 bits, so larger values saturate instead of wrapping silently.
    let l = u32::try_from(len).unwrap_or(u32::MAX);
    match len {
        0..0x80 => out.push(l as u8),
        0x80..0x4000 => out.extend_from_slice(&((l | 0x8000) as u16).to_be_bytes()),
        0x4000..0x20_0000 => out.extend_from_slice(&(l | 0xC0_0000).to_be_bytes()[1..]),
        0x20_0000..0x1000_0000 => out.extend_from_slice(&(l | 0xE000_0000).to_be_bytes()),
        _ => {
            out.push(0xF0);
            out.extend_from_slice(&l.to_be_bytes());
        }
    }
}

/// Outcome of decoding one length prefix from the front of `buf`.
#[derive(Debug, PartialEq, Eq)]
pub enum Length {
    /// More bytes are needed to read the prefix.
    Incomplete,
    /// The prefix took `prefix` bytes and announces `len` bytes of word.
    Complete { prefix: usize, len: u64 },
}

/// Decodes one length prefix.
pub fn decode_length(buf: &[u8]) -> Result<Length, CodecError> {
    let Some(&first) = buf.first() else {
        return Ok(Length::Incomplete);
    };
    let (prefix, mask): (usize, u32) = match first {
        0x00..=0x7F => (1, 0x7F),
        0x80..=0xBF => (2, 0x3FFF),
        0xC0..=0xDF => (3, 0x1F_FFFF),
        0xE0..=0xEF => (4, 0x0FFF_FFFF),
        0xF0 => (5, u32::MAX),
        b => return Err(CodecError::ControlByte(b)),
    };
    if buf.len() < prefix {
        return Ok(Length::Incomplete);
    }
    let len = if prefix == 5 {
        u32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]])
    } else {
        buf[..prefix]
            .iter()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
            & mask
    };
    Ok(Length::Complete {
        prefix,
        len: u64::from(len),
    })
}

/// Appends one encoded word.
pub fn encode_word(word: &[u8], out: &mut Vec<u8>) {
    encode_length(word.len(), out);
    out.extend_from_slice(word);
}

/// Encodes a whole sentence (words plus the terminating empty word).
pub fn encode_sentence<S: AsRef<[u8]>>(words: &[S]) -> Vec<u8> {
    let size: usize = words
        .iter()
        .map(|w| w.as_ref().len() + length_prefix_len(w.as_ref().len()))
        .sum();
    let mut out = Vec::with_capacity(size + 1);
    for w in words {
        encode_word(w.as_ref(), &mut out);
    }
    out.push(0);
    out
}

/// A decoded sentence: its words, without the terminating empty word.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Sentence(pub Vec<String>);

impl fmt::Debug for Sentence {
    // Words may carry passwords (`=password=`); keep them out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_list();
        for w in &self.0 {
            if let Some(rest) = w.strip_prefix('=')
                && let Some((key, _)) = rest.split_once('=')
                && is_secret_key(key)
            {
                l.entry(&format_args!("={key}=<redacted>"));
            } else {
                l.entry(w);
            }
        }
        l.finish()
    }
}

/// Attribute names whose values must never be logged.
pub fn is_secret_key(key: &str) -> bool {
    matches!(key, "password" | "response" | "secret")
}

/// Incremental, bounded sentence decoder.
///
/// Bytes are fed with [`Decoder::extend`]; [`Decoder::next_sentence`] yields complete
/// sentences. Memory use is bounded by `max_word_len` plus what the caller feeds: a word is
/// only buffered after its prefix passed the cap.
#[derive(Debug)]
pub struct Decoder {
    buf: Vec<u8>,
    pos: usize,
    words: Vec<String>,
    max_word_len: usize,
    max_words: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_WORD_LEN, DEFAULT_MAX_SENTENCE_WORDS)
    }
}

impl Decoder {
    /// A decoder with explicit caps.
    pub fn new(max_word_len: usize, max_words: usize) -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            words: Vec::new(),
            max_word_len,
            max_words,
        }
    }

    /// Appends received bytes.
    pub fn extend(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 64 * 1024 && self.pos * 2 > self.buf.len() {
            // Compact once the consumed prefix dominates, so a long stream does not grow the
            // buffer forever.
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes received but not yet consumed.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// How many more bytes the decoder needs before it can make progress, as a read-size
    /// hint; never more than the word cap.
    pub fn wanted(&self) -> usize {
        match decode_length(&self.buf[self.pos..]) {
            Ok(Length::Complete { prefix, len }) => {
                let need = prefix + usize::try_from(len).unwrap_or(usize::MAX);
                need.saturating_sub(self.buffered()).max(1)
            }
            _ => 1,
        }
    }

    /// Returns the next complete sentence, `Ok(None)` if more bytes are needed.
    pub fn next_sentence(&mut self) -> Result<Option<Sentence>, CodecError> {
        loop {
            let rest = &self.buf[self.pos..];
            let (prefix, len) = match decode_length(rest)? {
                Length::Incomplete => return Ok(None),
                Length::Complete { prefix, len } => (prefix, len),
            };
            let len_usize = usize::try_from(len).unwrap_or(usize::MAX);
            if len_usize > self.max_word_len {
                return Err(CodecError::WordTooLong {
                    len,
                    max: self.max_word_len,
                });
            }
            if rest.len() < prefix + len_usize {
                return Ok(None);
            }
            let word = &rest[prefix..prefix + len_usize];
            self.pos += prefix + len_usize;
            if len_usize == 0 {
                return Ok(Some(Sentence(std::mem::take(&mut self.words))));
            }
            if self.words.len() >= self.max_words {
                return Err(CodecError::TooManyWords {
                    max: self.max_words,
                });
            }
            // RouterOS does not promise UTF-8 (comments are often cp1252); keep what is valid.
            self.words.push(String::from_utf8_lossy(word).into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn enc_len(len: usize) -> Vec<u8> {
        let mut v = Vec::new();
        encode_length(len, &mut v);
        v
    }

    #[test]
    fn length_prefixes_match_the_documented_boundaries() {
        assert_eq!(enc_len(0), [0x00]);
        assert_eq!(enc_len(0x7F), [0x7F]);
        assert_eq!(enc_len(0x80), [0x80, 0x80]);
        assert_eq!(enc_len(0x3FFF), [0xBF, 0xFF]);
        assert_eq!(enc_len(0x4000), [0xC0, 0x40, 0x00]);
        assert_eq!(enc_len(0x1F_FFFF), [0xDF, 0xFF, 0xFF]);
        assert_eq!(enc_len(0x20_0000), [0xE0, 0x20, 0x00, 0x00]);
        assert_eq!(enc_len(0x0FFF_FFFF), [0xEF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(enc_len(0x1000_0000), [0xF0, 0x10, 0x00, 0x00, 0x00]);
        assert_eq!(enc_len(0xFFFF_FFFF), [0xF0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }

    #[test]
    fn reserved_control_bytes_are_rejected() {
        for b in 0xF8..=0xFFu8 {
            assert_eq!(decode_length(&[b]), Err(CodecError::ControlByte(b)));
        }
    }

    #[test]
    fn giant_length_prefix_is_refused_before_allocation() {
        let mut d = Decoder::new(1024, 16);
        d.extend(&[0xF0, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(
            d.next_sentence(),
            Err(CodecError::WordTooLong {
                len: 0xFFFF_FFFF,
                max: 1024
            })
        );
    }

    #[test]
    fn endless_sentence_is_refused() {
        let mut d = Decoder::new(1024, 3);
        d.extend(&encode_sentence(&["a", "b", "c", "d"]));
        assert_eq!(d.next_sentence(), Err(CodecError::TooManyWords { max: 3 }));
    }

    #[test]
    fn debug_redacts_password_words() {
        let s = Sentence(vec![
            "/login".into(),
            "=name=admin".into(),
            "=password=hunter2".into(),
        ]);
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
        assert!(dbg.contains("admin"));
    }

    proptest! {
        #[test]
        fn every_length_round_trips(len in prop_oneof![
            0usize..0x100, 0x3F00usize..0x4100, 0x1F_FF00usize..0x20_0100,
            0x0FFF_FF00usize..0x1000_0100, 0x1000_0000usize..=0xFFFF_FFFF])
        {
            let bytes = enc_len(len);
            prop_assert_eq!(bytes.len(), length_prefix_len(len));
            prop_assert_eq!(decode_length(&bytes), Ok(Length::Complete { prefix: bytes.len(), len: len as u64 }));
            // Every strict prefix of a prefix is incomplete, never an error or a wrong value.
            for cut in 0..bytes.len() {
                prop_assert_eq!(decode_length(&bytes[..cut]), Ok(Length::Incomplete));
            }
        }

        #[test]
        fn sentences_round_trip_through_any_chunking(
            sentences in proptest::collection::vec(
                proptest::collection::vec(".{1,200}|[a-z=]{1,5}|.{128,300}", 0..12), 1..6),
            chunk in 1usize..64)
        {
            let mut wire = Vec::new();
            for s in &sentences {
                wire.extend(encode_sentence(s));
            }
            let mut d = Decoder::default();
            let mut out = Vec::new();
            for c in wire.chunks(chunk) {
                d.extend(c);
                while let Some(s) = d.next_sentence().map_err(|e| TestCaseError::fail(e.to_string()))? {
                    out.push(s.0);
                }
            }
            prop_assert_eq!(out, sentences);
            prop_assert_eq!(d.buffered(), 0);
        }

        #[test]
        fn arbitrary_bytes_never_panic_nor_exceed_the_caps(bytes in proptest::collection::vec(any::<u8>(), 0..4096), chunk in 1usize..512) {
            let mut d = Decoder::new(256, 8);
            'outer: for c in bytes.chunks(chunk) {
                d.extend(c);
                loop {
                    match d.next_sentence() {
                        Ok(Some(s)) => {
                            prop_assert!(s.0.len() <= 8);
                            prop_assert!(s.0.iter().all(|w| w.len() <= 256 * 3));
                        }
                        Ok(None) => break,
                        Err(_) => break 'outer,
                    }
                }
                prop_assert!(d.wanted() <= 256 + 5);
            }
        }
    }
}
