//! SMS length counting: GSM-7 (3GPP TS 23.038 default alphabet and extension table) or UCS-2.

use serde::{Deserialize, Serialize};

/// The encoding an SMS text needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SmsEncoding {
    /// The GSM 03.38 alphabet, 7 bits a character (160 in one SMS).
    Gsm7,
    /// UCS-2, 16 bits a character (70 in one SMS).
    Ucs2,
}

impl SmsEncoding {
    /// The name used in JSON: `gsm7` or `ucs2`.
    pub fn as_str(self) -> &'static str {
        match self {
            SmsEncoding::Gsm7 => "gsm7",
            SmsEncoding::Ucs2 => "ucs2",
        }
    }

    /// The characters (septets or UTF-16 units) one SMS carries alone: 160 or 70.
    pub const fn single_segment(self) -> usize {
        match self {
            SmsEncoding::Gsm7 => 160,
            SmsEncoding::Ucs2 => 70,
        }
    }

    /// The characters each part of a longer SMS carries (the rest is the part header): 153 or 67.
    pub const fn per_part(self) -> usize {
        match self {
            SmsEncoding::Gsm7 => 153,
            SmsEncoding::Ucs2 => 67,
        }
    }

    /// The name people know the encoding by: `GSM-7` or `UCS-2`.
    pub const fn label(self) -> &'static str {
        match self {
            SmsEncoding::Gsm7 => "GSM-7",
            SmsEncoding::Ucs2 => "UCS-2",
        }
    }
}

/// What `sms_info` says about a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsInfo {
    /// GSM-7 when every character is in the GSM alphabet, else UCS-2.
    pub encoding: SmsEncoding,
    /// GSM-7 septets (extension characters count two) or UTF-16 code units.
    pub characters: usize,
    /// How many SMS the text takes: 0 when empty, 1 up to 160/70 characters, else
    /// `characters / 153` (or `/ 67`) rounded up.
    pub segments: usize,
    /// The distinct characters that forced UCS-2, in order of appearance.
    pub non_gsm_characters: Vec<String>,
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1b}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

/// Septets a character takes in GSM-7: 1, 2 (extension table) or `None` (not in GSM-7).
fn gsm7_septets(c: char) -> Option<usize> {
    if c != '\u{1b}' && GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Counts a text as an SMS would carry it.
pub fn sms_info(text: &str) -> SmsInfo {
    let mut septets = 0;
    let mut non_gsm: Vec<String> = Vec::new();
    for c in text.chars() {
        match gsm7_septets(c) {
            Some(n) => septets += n,
            None => {
                let s = c.to_string();
                if !non_gsm.contains(&s) {
                    non_gsm.push(s);
                }
            }
        }
    }
    let (encoding, characters) = if non_gsm.is_empty() {
        (SmsEncoding::Gsm7, septets)
    } else {
        (SmsEncoding::Ucs2, text.encode_utf16().count())
    };
    SmsInfo {
        encoding,
        characters,
        segments: segments(characters, encoding),
        non_gsm_characters: non_gsm,
    }
}

fn segments(length: usize, encoding: SmsEncoding) -> usize {
    match length {
        0 => 0,
        n if n <= encoding.single_segment() => 1,
        n => n.div_ceil(encoding.per_part()),
    }
}

impl SmsInfo {
    /// Whether the text fits one SMS ([`SmsEncoding::single_segment`]).
    pub fn fits_one_segment(&self) -> bool {
        self.segments <= 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_gsm7_and_extension() {
        let info = sms_info("Hi {there}€");
        assert_eq!(info.encoding, SmsEncoding::Gsm7);
        assert_eq!(info.characters, 8 + 2 * 3);
        assert_eq!(info.segments, 1);
    }

    #[test]
    fn cyrillic_is_ucs2() {
        let info = sms_info("Привет");
        assert_eq!(info.encoding, SmsEncoding::Ucs2);
        assert_eq!(info.characters, 6);
        assert_eq!(info.non_gsm_characters, ["П", "р", "и", "в", "е", "т"]);
    }

    #[test]
    fn segment_boundaries() {
        assert_eq!(sms_info(&"a".repeat(160)).segments, 1);
        assert_eq!(sms_info(&"a".repeat(161)).segments, 2);
        assert_eq!(sms_info(&"a".repeat(306)).segments, 2);
        assert_eq!(sms_info(&"a".repeat(307)).segments, 3);
        assert_eq!(sms_info(&"я".repeat(70)).segments, 1);
        assert_eq!(sms_info(&"я".repeat(71)).segments, 2);
        assert_eq!(sms_info("").segments, 0);
    }

    #[test]
    fn emoji_count_two_utf16_units() {
        let info = sms_info("👍");
        assert_eq!(info.characters, 2);
    }
}
