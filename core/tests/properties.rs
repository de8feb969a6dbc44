//! Property tests for phone normalisation and SMS length counting.

use proptest::prelude::*;
use vibergate_core::internals::phone;
use vibergate_core::{sms_info, SmsEncoding};

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

/// Valid numbers per libphonenumber: Ukrainian and Belarusian mobiles, British mobiles.
const VALID: &str = "380(50|63|66|67|68|73|93|95|96|97|98|99)[0-9]{7}|375(29[1-9]|33[0-9]|44[0-9])[0-9]{6}|4479[4-9][0-9]{7}";

proptest! {
    #[test]
    fn decorated_numbers_normalise_to_their_digits(d in VALID, seps in proptest::collection::vec(any::<u8>(), 15), prefix in any::<u8>()) {
        prop_assert_eq!(phone::normalize(&decorate(&d, &seps, prefix), None), Ok(d));
    }

    #[test]
    fn national_numbers_take_the_default_country(n in "(50|63|67|68|93|95|96|97|98|99)[0-9]{7}", seps in proptest::collection::vec(any::<u8>(), 15)) {
        let national = decorate(&format!("0{n}"), &seps, 0);
        prop_assert_eq!(phone::normalize(&national, Some("UA")), Ok(format!("380{n}")));
        prop_assert!(phone::normalize(&national, None).is_err());
    }

    #[test]
    fn output_is_canonical_digits_and_stable(raw in "\\PC{0,30}", country in prop::sample::select(vec![None, Some("UA"), Some("BY"), Some("US")])) {
        if let Ok(n) = phone::normalize(&raw, country) {
            prop_assert!((3..=15).contains(&n.len()), "{}", n);
            prop_assert!(n.bytes().all(|b| b.is_ascii_digit()));
            // With a +, the canonical form reads the same whatever the default country.
            let plus = format!("+{n}");
            for c in [None, Some("UA"), Some("BY")] {
                prop_assert_eq!(phone::normalize(&plus, c), Ok(n.clone()));
            }
        }
    }

    #[test]
    fn too_few_or_too_many_digits_are_refused(d in "[0-9]{0,3}|[1-9][0-9]{17,40}", country in prop::sample::select(vec![None, Some("UA"), Some("BY")])) {
        let plus = format!("+{d}");
        prop_assert!(phone::normalize(&d, country).is_err());
        prop_assert!(phone::normalize(&plus, country).is_err());
    }

    #[test]
    fn duplicates_keep_the_first(list in proptest::collection::vec(VALID, 1..20)) {
        let (valid, rejected) = phone::normalize_all(&list, None);
        let mut seen = std::collections::HashSet::new();
        prop_assert!(valid.iter().all(|n| seen.insert(n.clone())));
        prop_assert!(rejected.iter().all(|r| r.reason.to_string() == "duplicate"));
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
