//! Property tests for phone normalisation and SMS length counting.

use proptest::prelude::*;
use vibergate_core::{phone, sms_info, SmsEncoding};

fn decorate(digits: &str, seps: &[u8], prefix: u8) -> String {
    let mut out = match prefix % 3 {
        0 => String::new(),
        1 => "+".to_owned(),
        _ => "00".to_owned(),
    };
    for (i, c) in digits.chars().enumerate() {
        out.push(c);
        match seps.get(i).copied().unwrap_or(0) % 7 {
            1 => out.push(' '),
            2 => out.push('-'),
            3 => out.push('('),
            4 => out.push(')'),
            5 => out.push('.'),
            _ => {}
        }
    }
    out
}

proptest! {
    #[test]
    fn decorated_numbers_normalise_to_their_digits(d in "[1-9][0-9]{6,14}", seps in proptest::collection::vec(any::<u8>(), 15), prefix in any::<u8>()) {
        prop_assert_eq!(phone::normalize(&decorate(&d, &seps, prefix)), Some(d));
    }

    #[test]
    fn normalised_output_is_always_7_to_15_digits(raw in "\\PC{0,30}") {
        if let Some(n) = phone::normalize(&raw) {
            prop_assert!((7..=15).contains(&n.len()));
            prop_assert!(n.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn lengths_outside_7_to_15_are_refused(d in "[1-9][0-9]{0,5}|[1-9][0-9]{15,24}") {
        prop_assert_eq!(phone::normalize(&d), None);
    }

    #[test]
    fn duplicates_keep_the_first(list in proptest::collection::vec("[1-9][0-9]{9}", 1..20)) {
        let (valid, rejected) = phone::normalize_all(&list);
        let mut seen = std::collections::HashSet::new();
        prop_assert!(valid.iter().all(|n| seen.insert(n.clone())));
        prop_assert_eq!(valid.len() + rejected.len(), list.len());
    }

    #[test]
    fn gsm7_counts_septets(text in "[A-Za-z0-9 @£$!?.,:;]{0,400}", ext in "[\\^{}\\[\\]~|€]{0,20}") {
        let s = format!("{text}{ext}");
        let info = sms_info(&s);
        prop_assert_eq!(info.encoding, SmsEncoding::Gsm7);
        prop_assert_eq!(info.characters, text.chars().count() + 2 * ext.chars().count());
        let expected = match info.characters { 0 => 0, n if n <= 160 => 1, n => n.div_ceil(153) };
        prop_assert_eq!(info.segments, expected);
    }

    #[test]
    fn any_non_gsm_character_forces_ucs2(text in "[a-z ]{0,100}", odd in "[а-яё中文😀]{1,5}") {
        let s = format!("{text}{odd}");
        let info = sms_info(&s);
        prop_assert_eq!(info.encoding, SmsEncoding::Ucs2);
        prop_assert_eq!(info.characters, s.encode_utf16().count());
        prop_assert!(!info.non_gsm_characters.is_empty());
        let expected = match info.characters { 0 => 0, n if n <= 70 => 1, n => n.div_ceil(67) };
        prop_assert_eq!(info.segments, expected);
    }
}
