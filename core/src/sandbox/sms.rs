//! The sandbox's own count of an SMS text's parts, read from the providers' documents rather
//! than borrowed from the client (an emulator that shares the client's counting could never
//! catch the client counting wrong).
//!
//! DecisionTelecom's `text_sms`: "<= 70 chars for UCS-2 (16-bit) and <= 160 chars for Latin".
//! Intel-Tele's `sms_message`: "A long message will be split into multiple sms". "Latin" is the
//! GSM 03.38 default alphabet (3GPP TS 23.038), whose extension-table characters take two
//! septets; anything outside it sends the whole text as UCS-2, counted in UTF-16 units. A text
//! longer than one part is split into parts that each give up room to the concatenation header:
//! 153 septets or 67 units.

/// One part's room: GSM-7 septets, UCS-2 units.
const GSM7_SINGLE: usize = 160;
const GSM7_PART: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PART: usize = 67;

/// Septets `c` takes in the GSM 03.38 default alphabet (2 for the extension table), or `None`
/// when the text must go as UCS-2.
fn septets(c: char) -> Option<usize> {
    match c {
        'A'..='Z' | 'a'..='z' | '0'..='9' => Some(1),
        ' ' | '!' | '"' | '#' | '$' | '%' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-'
        | '.' | '/' | ':' | ';' | '<' | '=' | '>' | '?' | '@' | '_' | '\n' | '\r' => Some(1),
        '£' | '¥' | '¤' | '§' | '¡' | '¿' | 'à' | 'ä' | 'Ä' | 'å' | 'Å' | 'æ' | 'Æ' | 'Ç' | 'è'
        | 'é' | 'É' | 'ì' | 'ñ' | 'Ñ' | 'ò' | 'ö' | 'Ö' | 'ø' | 'Ø' | 'ß' | 'ù' | 'ü' | 'Ü' => {
            Some(1)
        }
        'Δ' | 'Φ' | 'Γ' | 'Λ' | 'Ω' | 'Π' | 'Ψ' | 'Σ' | 'Θ' | 'Ξ' => Some(1),
        // The extension table: an escape septet, then the character.
        '\u{c}' | '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' | '€' => Some(2),
        _ => None,
    }
}

/// How many SMS parts `text` takes (0 for an empty text).
pub(super) fn parts(text: &str) -> usize {
    let gsm7: Option<usize> = text.chars().map(septets).sum();
    let (length, single, part) = match gsm7 {
        Some(septets) => (septets, GSM7_SINGLE, GSM7_PART),
        None => (text.encode_utf16().count(), UCS2_SINGLE, UCS2_PART),
    };
    match length {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// decisiontelecom-viber-sms.md, `text_sms`: "<= 70 chars for UCS-2 (16-bit) and <= 160
    /// chars for Latin".
    #[test]
    fn one_part_is_what_the_document_says() {
        assert_eq!(parts(&"a".repeat(160)), 1);
        assert_eq!(parts(&"a".repeat(161)), 2);
        assert_eq!(parts(&"я".repeat(70)), 1);
        assert_eq!(parts(&"я".repeat(71)), 2);
        // One UCS-2 character makes the whole text UCS-2.
        assert_eq!(parts(&format!("{}я", "a".repeat(69))), 1);
        assert_eq!(parts(&format!("{}я", "a".repeat(70))), 2);
        assert_eq!(parts(""), 0);
    }

    #[test]
    fn long_texts_and_the_extension_table() {
        assert_eq!(parts(&"a".repeat(306)), 2);
        assert_eq!(parts(&"a".repeat(307)), 3);
        assert_eq!(parts(&"я".repeat(134)), 2);
        assert_eq!(parts(&"я".repeat(135)), 3);
        // Extension characters take two septets.
        assert_eq!(parts(&"€".repeat(80)), 1);
        assert_eq!(parts(&format!("{}€", "a".repeat(159))), 2);
        // A character outside the BMP takes two UTF-16 units.
        assert_eq!(parts(&"👍".repeat(35)), 1);
        assert_eq!(parts(&"👍".repeat(36)), 2);
        // inteltele.txt's example message, `Test+123` decoded, answered "message consists of 1
        // part".
        assert_eq!(parts("Test 123"), 1);
    }

    /// The default alphabet has 128 positions; one of them is the escape to the extension table.
    #[test]
    fn the_default_alphabet_has_127_characters_and_the_extension_table_10() {
        let all = (0..=0x2FFFu32).filter_map(char::from_u32);
        let one = all.clone().filter(|c| septets(*c) == Some(1)).count();
        let two = all.filter(|c| septets(*c) == Some(2)).count();
        assert_eq!((one, two), (127, 10));
    }

    /// The emulator reads the documents on its own; the client must come to the same count
    /// (otherwise the sandbox would refuse fallbacks the client lets through, or the reverse).
    #[test]
    fn agrees_with_the_client_on_every_character() {
        for c in (0..=0x2FFFu32).filter_map(char::from_u32).chain(['👍']) {
            let client = crate::sms::sms_info(&c.to_string());
            let client = match client.encoding {
                crate::sms::SmsEncoding::Gsm7 => Some(client.characters),
                crate::sms::SmsEncoding::Ucs2 => None,
            };
            assert_eq!(septets(c), client, "{c:?}");
        }
        for text in [
            "a".repeat(459),
            "я".repeat(201),
            "€".repeat(77),
            "Test 123".into(),
        ] {
            assert_eq!(parts(&text), crate::sms::sms_info(&text).segments, "{text}");
        }
    }
}
