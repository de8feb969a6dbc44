//! Phone numbers: one function turns what a user typed into the form every provider
//! wants, E.164 digits without `+` (`380636111112`), or says why it cannot.
//!
//! - Spaces (any Unicode white space), `-`, `(`, `)` and `.` are removed; what is left must be
//!   digits, optionally after one leading `+`.
//! - `+` or `00` starts an international number: the country calling code comes first.
//! - With a default country (the `default_country` option), the country's own international
//!   prefix (`810` in Belarus) also starts an international number, and so do digits that
//!   begin with its own calling code (`380…` with `UA`: the canonical form stays itself).
//!   Other digits are read as a national number of that country, with its trunk prefix (`0` in
//!   Ukraine, `8` or `0` in Belarus) removed: `063 611 11 12` → `380636111112`,
//!   `8 029 123 45 67` → `375291234567`, or as an international number when that is their
//!   only valid reading. Digits valid both ways (`50 820 32 87` with `UA` is also a number of
//!   St Pierre and Miquelon) are refused as ambiguous, never guessed.
//! - Without a default country, digits without a prefix are international; a leading `0` can
//!   only be a trunk prefix, so such a number is refused.
//! - The result must be a valid number per libphonenumber's metadata (the length and number
//!   ranges of its country); otherwise the refusal says why ("too short for Ukraine…", "not a
//!   valid number for Belarus…").
//!
//! The metadata is the `phonenumber` crate's copy of libphonenumber's. Its own parser takes
//! every pattern from one global regex cache behind a mutex (100 entries for the whole world),
//! about 6 µs a number; here each region's patterns are compiled once, at first use, into
//! lock-free `OnceLock`s. The database itself loads at the first validation (about 150 ms once
//! per process), never when the library is loaded.

use std::collections::HashSet;
use std::sync::OnceLock;

use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use regex::{Captures, Regex, RegexBuilder};

use crate::report::{RejectReason, Rejected};

/// The most digits a number may have after its `+`/`00`: E.164 allows 15 with the country
/// code; a national number with a two-digit trunk prefix stays below this too.
const MAX_DIGITS: usize = 17;

/// The fewest digits of an international number, country code included (some Austrian numbers
/// have 6; a test checks the metadata).
const MIN_INTERNATIONAL_DIGITS: usize = 6;

/// Why a number without a default country is refused when it starts with `0`.
const NATIONAL_WITHOUT_DEFAULT: &str = "national number without default_country: a leading 0 \
     is a trunk prefix; write the number with + and its country code, or set the \
     default_country option (e.g. UA)";

/// Normalises one number: E.164 digits without `+`, or the reason it is not a valid number.
/// `default_country` (ISO 3166-1 alpha-2, any case) is the country of national numbers.
#[cfg_attr(not(feature = "internals"), allow(dead_code))] // the tests' and benches' entry
pub fn normalize(raw: &str, default_country: Option<&str>) -> Result<String, String> {
    Normalizer::new(default_country)?.normalize(raw)
}

/// Normalises every recipient, keeping order: the valid, unique numbers to send to, and the
/// rejected ones (`invalid_number` with the reason, or `duplicate` for a later copy of a number
/// after normalisation; the first is kept).
pub fn normalize_all<S: AsRef<str>>(
    raw: &[S],
    default_country: Option<&str>,
) -> (Vec<String>, Vec<Rejected>) {
    let normalizer = Normalizer::new(default_country);
    let mut seen = HashSet::with_capacity(raw.len());
    let mut valid = Vec::with_capacity(raw.len());
    let mut rejected = Vec::new();
    for phone in raw {
        let phone = phone.as_ref();
        let result = match &normalizer {
            Ok(n) => n.normalize(phone),
            Err(why) => Err(why.clone()),
        };
        match result {
            Err(why) => rejected.push(Rejected::new(phone, RejectReason::InvalidNumber, why)),
            Ok(n) if seen.contains(&n) => rejected.push(Rejected::new(
                n,
                RejectReason::Duplicate,
                "the number appears earlier in the list",
            )),
            Ok(n) => {
                seen.insert(n.clone());
                valid.push(n);
            }
        }
    }
    (valid, rejected)
}

/// Whether `code` (any case) is a country libphonenumber has numbering metadata for, i.e. a
/// valid `default_country`. Answers from a static table: the metadata is not loaded.
pub fn is_known_country(code: &str) -> bool {
    country_name(code).is_some()
}

/// The English short name of a country code (any case) known to the metadata.
pub fn country_name(code: &str) -> Option<&'static str> {
    let code = code.to_ascii_uppercase();
    COUNTRY_NAMES
        .binary_search_by(|(id, _)| (*id).cmp(code.as_str()))
        .ok()
        .and_then(|i| COUNTRY_NAMES.get(i))
        .map(|(_, name)| *name)
}

/// The normalisation of one client: the default country resolved once against the metadata.
#[derive(Clone, Copy)]
pub struct Normalizer {
    index: &'static Index,
    default: Option<(&'static Code, &'static Region)>,
}

impl Normalizer {
    /// A normaliser for `default_country` (any case; `None` for none). An unknown country is an
    /// error (the configuration refuses it earlier). Loads the metadata on first use.
    pub fn new(default_country: Option<&str>) -> Result<Self, String> {
        let index = index();
        let default = match default_country {
            None => None,
            Some(code) => Some(index.region(code).ok_or_else(|| {
                "default_country is not a country known to libphonenumber's metadata".to_owned()
            })?),
        };
        Ok(Normalizer { index, default })
    }

    /// E.164 digits without `+`, or why `raw` is not a valid number.
    pub fn normalize(&self, raw: &str) -> Result<String, String> {
        let (international, digits) = clean(raw)?;
        if international {
            return self.international(&digits).map_err(Invalid::into_detail);
        }
        match self.default {
            None if digits.starts_with('0') => Err(NATIONAL_WITHOUT_DEFAULT.to_owned()),
            None => self.international(&digits).map_err(|e| match e {
                Invalid::UnknownCode(shown) => format!(
                    "not an international number ({shown} is no country calling code) and no \
                     default_country is set to read it as a national one"
                ),
                Invalid::TooShort(why) => why,
                Invalid::Detail(why) => format!(
                    "{why} (read as +{digits}: without default_country, digits without + or 00 \
                     are an international number)"
                ),
            }),
            Some((code, region)) => self.with_default(code, region, &digits),
        }
    }

    /// Digits without a prefix, with a default country:
    ///
    /// 1. the country's own international prefix (`810…` in Belarus) starts an international
    ///    number;
    /// 2. digits that begin with the country's own calling code and form a valid number are that
    ///    number (`380…` with `UA`), so the canonical form vibergate reports stays itself;
    /// 3. otherwise the national reading (trunk prefix removed) and the international reading are
    ///    both tried: one valid reading is the number; when both are valid the number is refused
    ///    as ambiguous rather than guessed, since a wrong guess is a message charged and
    ///    delivered to a stranger (`50 820 32 87` with `UA` is also a number of St Pierre and
    ///    Miquelon; `380636111112` with `IT` is also an Italian one).
    fn with_default(&self, code: &Code, region: &Region, digits: &str) -> Result<String, String> {
        let rules = region.rules();
        if let Some(rest) = rules.and_then(|r| r.strip_idd(digits)) {
            if let Ok(n) = self.international(rest) {
                return Ok(n);
            }
        }
        let own_code = code.value.to_string();
        let international = self.international(digits);
        if digits.starts_with(&own_code) {
            if let Ok(n) = &international {
                return Ok(n.clone());
            }
        }
        let (nsn, trunk) = match rules {
            Some(r) => r.national(digits, |n| code.is_valid(n)),
            None => (digits.to_owned(), false),
        };
        let context = if trunk {
            "without the trunk prefix"
        } else {
            "as a national number"
        };
        let national = match code.check(&nsn, Some(region), context) {
            Ok(()) => {
                let national = format!("{}{nsn}", code.value);
                return match &international {
                    // A trunk prefix says "national"; no country calling code starts with one
                    // that a national number of this country could.
                    Ok(other) if !trunk && *other != national => Err(format!(
                        "ambiguous: as a national number of {} it is +{national}, as an \
                         international number it is +{other}; write it with + and its country \
                         code, or with the trunk prefix",
                        region.place(code.value)
                    )),
                    _ => Ok(national),
                };
            }
            Err(why) => why,
        };
        if digits.starts_with('0') {
            return Err(national);
        }
        match international {
            Ok(n) => Ok(n),
            Err(Invalid::UnknownCode(_) | Invalid::TooShort(_)) => Err(national),
            Err(Invalid::Detail(why)) => {
                let longest = rules.and_then(|r| r.lengths.last()).copied().unwrap_or(0);
                if trunk || digits.len() <= longest {
                    Err(national)
                } else {
                    Err(why)
                }
            }
        }
    }

    /// Digits after `+` or an international prefix: a country calling code, then the national
    /// significant number (a trunk prefix written after the code, as in `+44 (0)79…`, is
    /// dropped when that makes the number valid).
    fn international(&self, digits: &str) -> Result<String, Invalid> {
        if digits.starts_with('0') {
            return Err(Invalid::Detail(
                "no country calling code starts with 0 (is it a national number? write it with \
                 + and its country code, or set default_country)"
                    .to_owned(),
            ));
        }
        let n = digits.len();
        if n < MIN_INTERNATIONAL_DIGITS {
            return Err(Invalid::TooShort(format!(
                "too short: {n} digit{} (an international number has at least \
                 {MIN_INTERNATIONAL_DIGITS}, with its country code)",
                if n == 1 { "" } else { "s" }
            )));
        }
        let (code, nsn) = self.index.split_code(digits).ok_or_else(|| {
            let head: String = digits.chars().take(3).collect();
            Invalid::UnknownCode(format!("+{head}…"))
        })?;
        let context = format!("after +{}", code.value);
        match code.check(nsn, None, &context) {
            Ok(()) => Ok(format!("{}{nsn}", code.value)),
            Err(why) => {
                let stripped = code
                    .main()
                    .and_then(Region::rules)
                    .and_then(|r| r.strip_trunk(nsn))
                    .filter(|s| code.is_valid(s));
                match stripped {
                    Some(s) => Ok(format!("{}{s}", code.value)),
                    None => Err(Invalid::Detail(why)),
                }
            }
        }
    }
}

/// Why an international reading failed.
enum Invalid {
    /// No country calling code begins the digits (shown as `+123…`).
    UnknownCode(String),
    /// Too few digits for any country.
    TooShort(String),
    Detail(String),
}

impl Invalid {
    fn into_detail(self) -> String {
        match self {
            Invalid::UnknownCode(shown) => format!("{shown} is no country calling code"),
            Invalid::TooShort(why) | Invalid::Detail(why) => why,
        }
    }
}

/// Removes the separators and splits off `+`/`00`: `(international, digits)`, or why the text
/// is not a phone number. Keeps at most `MAX_DIGITS + 2` digits (the rest are only counted).
fn clean(raw: &str) -> Result<(bool, String), String> {
    let mut digits = String::with_capacity(16);
    let mut plus = false;
    let mut count: usize = 0;
    for c in raw.chars() {
        if c.is_whitespace() || matches!(c, '-' | '(' | ')' | '.') {
            continue;
        }
        if c.is_ascii_digit() {
            count = count.saturating_add(1);
            if digits.len() < MAX_DIGITS + 2 {
                digits.push(c);
            }
            continue;
        }
        if c == '+' && count == 0 && !plus {
            plus = true;
            continue;
        }
        return Err(if c == '+' {
            "has a + that is not at the start".to_owned()
        } else if c.is_alphabetic() {
            format!("contains letters ({c:?}); a phone number has only digits")
        } else {
            format!("contains {c:?}, which is not a digit, space, -, (, ) or .")
        });
    }
    if count == 0 {
        return Err(if plus {
            "has no digits after the +"
        } else {
            "is empty"
        }
        .to_owned());
    }
    let (international, prefix) = if plus {
        (true, 0)
    } else if digits.starts_with("00") {
        (true, 2)
    } else {
        (false, 0)
    };
    let count = count.saturating_sub(prefix);
    if count > MAX_DIGITS {
        return Err(format!(
            "too long: {count} digits (a phone number has at most 15 with its country code)"
        ));
    }
    let digits = digits.get(prefix..).unwrap_or_default().to_owned();
    if digits.is_empty() {
        return Err("has no digits after the international prefix 00".to_owned());
    }
    Ok((international, digits))
}

/// Every calling code of the metadata and its regions, built at the first validation.
struct Index {
    /// Calling code → position in `codes`.
    slots: Vec<Option<usize>>,
    codes: Vec<Code>,
}

/// Country calling codes have one to three digits.
const CODE_SLOTS: usize = 1000;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let database = &*DATABASE;
        let mut slots = vec![None; CODE_SLOTS];
        let mut codes = Vec::new();
        for value in 1..1000u16 {
            let Some(metas) = database.by_code(&value) else {
                continue;
            };
            if metas.is_empty() {
                continue;
            }
            if let Some(slot) = slots.get_mut(usize::from(value)) {
                *slot = Some(codes.len());
            }
            codes.push(Code {
                value,
                regions: metas.into_iter().map(Region::new).collect(),
            });
        }
        Index { slots, codes }
    })
}

impl Index {
    fn code(&self, value: u16) -> Option<&Code> {
        let slot = (*self.slots.get(usize::from(value))?)?;
        self.codes.get(slot)
    }

    /// The calling code that begins `digits` and the rest.
    fn split_code<'d>(&self, digits: &'d str) -> Option<(&Code, &'d str)> {
        (1..=3).find_map(|len| {
            let head = digits.get(..len)?;
            let rest = digits.get(len..)?;
            let code = self.code(head.parse().ok()?)?;
            Some((code, rest))
        })
    }

    /// A region by its ISO code (any case) and its calling code.
    fn region(&self, id: &str) -> Option<(&Code, &Region)> {
        let id = id.to_ascii_uppercase();
        if !is_known_country(&id) {
            return None;
        }
        self.codes.iter().find_map(|code| {
            let region = code.regions.iter().find(|r| r.meta.id() == id)?;
            Some((code, region))
        })
    }
}

/// One country calling code and the regions that share it, the main one first.
struct Code {
    value: u16,
    regions: Vec<Region>,
}

impl Code {
    fn main(&self) -> Option<&Region> {
        self.regions.first()
    }

    /// The region a national significant number belongs to, as libphonenumber decides it: the
    /// first whose leading digits begin the number, or (without leading digits) that it fits.
    fn region_of(&self, nsn: &str) -> Option<&Region> {
        if let [only] = self.regions.as_slice() {
            return Some(only);
        }
        self.regions.iter().find(|r| match r.leading_digits() {
            Some(leading) => leading.is_match(nsn),
            None => r.rules().is_some_and(|rules| rules.is_valid(nsn)),
        })
    }

    /// Whether `nsn` is a valid number of this calling code.
    fn is_valid(&self, nsn: &str) -> bool {
        self.region_of(nsn)
            .and_then(Region::rules)
            .is_some_and(|rules| rules.is_valid(nsn))
    }

    /// Whether `nsn` is a valid number of this calling code; else why not, about its region
    /// (or `preferred`, or the main one, when no region claims it).
    fn check(&self, nsn: &str, preferred: Option<&Region>, context: &str) -> Result<(), String> {
        let region = self.region_of(nsn);
        if region
            .and_then(Region::rules)
            .is_some_and(|rules| rules.is_valid(nsn))
        {
            return Ok(());
        }
        let about = region.or(preferred).or_else(|| self.main());
        Err(match about {
            Some(r) => r.why(self.value, nsn, context),
            None => format!("+{} has no numbering metadata", self.value),
        })
    }
}

/// One region of the metadata; its patterns compile at first use.
struct Region {
    meta: &'static Metadata,
    leading: OnceLock<Option<Regex>>,
    rules: OnceLock<Option<Rules>>,
}

impl Region {
    fn new(meta: &'static Metadata) -> Self {
        Region {
            meta,
            leading: OnceLock::new(),
            rules: OnceLock::new(),
        }
    }

    fn leading_digits(&self) -> Option<&Regex> {
        self.leading
            .get_or_init(|| {
                let source = self.meta.leading_digits()?.as_str();
                compile(&format!("^(?:{source})"))
            })
            .as_ref()
    }

    /// The compiled patterns; `None` only if the metadata did not compile (a test checks that
    /// every region does).
    fn rules(&self) -> Option<&Rules> {
        self.rules.get_or_init(|| Rules::new(self.meta)).as_ref()
    }

    /// The place's name for messages.
    fn place(&self, code: u16) -> String {
        match country_name(self.meta.id()) {
            Some(name) => name.to_owned(),
            None => format!("the non-geographic code +{code}"),
        }
    }

    /// Why `nsn` is not a valid number here.
    fn why(&self, code: u16, nsn: &str, context: &str) -> String {
        let place = self.place(code);
        let Some(rules) = self.rules() else {
            return format!("cannot be checked: the numbering metadata of {place} did not load");
        };
        let n = nsn.len();
        let lengths = &rules.lengths;
        let (Some(&min), Some(&max)) = (lengths.first(), lengths.last()) else {
            return format!("not a valid number for {place}");
        };
        let context = if context.is_empty() {
            String::new()
        } else {
            format!(" {context}")
        };
        let have = format!(
            "{n} digit{}{context}; numbers there have {}",
            if n == 1 { "" } else { "s" },
            describe_lengths(lengths)
        );
        if n < min {
            format!("too short for {place}: {have}")
        } else if n > max {
            format!("too long for {place}: {have}")
        } else if !lengths.contains(&n) {
            format!("wrong length for {place}: {have}")
        } else {
            format!("not a valid number for {place}: no number range there contains it")
        }
    }
}

/// "9 digits", "9 or 10 digits", "5–10 digits", "6 or 8–13 digits", "7, 9 or 11 digits": runs
/// of three or more lengths become ranges.
fn describe_lengths(lengths: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = lengths;
    while let [first, ..] = rest {
        let run = rest
            .iter()
            .zip(*first..)
            .take_while(|(n, expected)| **n == *expected)
            .count()
            .max(1);
        let (taken, tail) = rest.split_at(run.min(rest.len()));
        match taken {
            [a, .., b] if taken.len() >= 3 => parts.push(format!("{a}–{b}")),
            _ => parts.extend(taken.iter().map(usize::to_string)),
        }
        rest = tail;
    }
    let text = match parts.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
    };
    format!("{text} digits")
}

/// A region's patterns, compiled.
struct Rules {
    /// The general pattern every number of the region matches.
    general: Regex,
    /// The number types libphonenumber counts as valid (mobile first, as most are), each with
    /// the lengths it allows (empty: any).
    types: Vec<(Regex, Vec<usize>)>,
    /// Every length a full national number can have, ascending.
    lengths: Vec<usize>,
    /// `nationalPrefixForParsing` (or the plain trunk prefix), anchored at the start.
    trunk: Option<Regex>,
    /// `nationalPrefixTransformRule`, in `regex`'s `${n}` syntax.
    transform: Option<String>,
    /// The international prefix dialled from this region, anchored at the start.
    idd: Option<Regex>,
}

impl Rules {
    fn new(meta: &Metadata) -> Option<Rules> {
        let d = meta.descriptors();
        let general = whole(d.general())?;
        let mut types = Vec::new();
        let mut lengths: Vec<usize> = lengths_of(d.general());
        for desc in [
            d.mobile(),
            d.fixed_line(),
            d.toll_free(),
            d.premium_rate(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
        ]
        .into_iter()
        .flatten()
        {
            let own = lengths_of(desc);
            lengths.extend(&own);
            types.push((whole(desc)?, own));
        }
        lengths.sort_unstable();
        lengths.dedup();
        let trunk = match (meta.national_prefix_for_parsing(), meta.national_prefix()) {
            (Some(re), _) => Some(compile(&format!("^(?:{})", re.as_str()))?),
            (None, Some(prefix)) if !prefix.is_empty() => {
                Some(compile(&format!("^{}", regex::escape(prefix)))?)
            }
            _ => None,
        };
        let idd = match meta.international_prefix() {
            Some(re) => Some(compile(&format!("^(?:{})", re.as_str()))?),
            None => None,
        };
        Some(Rules {
            general,
            types,
            lengths,
            trunk,
            transform: meta.national_prefix_transform_rule().map(braced_groups),
            idd,
        })
    }

    /// libphonenumber's validity: the general pattern and one number type, lengths included.
    fn is_valid(&self, nsn: &str) -> bool {
        let n = nsn.len();
        self.general.is_match(nsn)
            && self.types.iter().any(|(re, lengths)| {
                (lengths.is_empty() || lengths.contains(&n)) && re.is_match(nsn)
            })
    }

    /// The digits after this region's international prefix (not followed by 0), if they start
    /// with it.
    fn strip_idd<'d>(&self, digits: &'d str) -> Option<&'d str> {
        let end = self.idd.as_ref()?.find(digits)?.end();
        let rest = digits.get(end..)?;
        (!rest.is_empty() && !rest.starts_with('0')).then_some(rest)
    }

    /// The number without its trunk prefix (transformed where the metadata says so), if it
    /// starts with one.
    fn strip_trunk(&self, digits: &str) -> Option<String> {
        let caps = self.trunk.as_ref()?.captures(digits)?;
        let end = caps.get(0)?.end();
        let rest = digits.get(end..)?;
        Some(match &self.transform {
            Some(rule) if last_group(&caps).is_some() => {
                let mut out = String::new();
                caps.expand(rule, &mut out);
                out.push_str(rest);
                out
            }
            _ => rest.to_owned(),
        })
    }

    /// A national number as its significant number: the digits as typed when `fits` them (a
    /// number that begins like a trunk prefix, such as a Belarusian 8 00…, stays whole),
    /// else without the trunk prefix. The flag says whether a prefix was removed.
    fn national(&self, digits: &str, fits: impl Fn(&str) -> bool) -> (String, bool) {
        if !fits(digits) {
            if let Some(stripped) = self.strip_trunk(digits) {
                return (stripped, true);
            }
        }
        (digits.to_owned(), false)
    }
}

/// The last capture group, if the pattern has groups and it took part in the match.
fn last_group<'c>(caps: &'c Captures<'_>) -> Option<regex::Match<'c>> {
    let last = caps.len().checked_sub(1).filter(|&n| n > 0)?;
    caps.get(last)
}

/// `$1` → `${1}`, so that a digit after the group number is never read as part of it.
fn braced_groups(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len().saturating_add(4));
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push_str("${");
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                out.push(d);
            }
            out.push('}');
        } else {
            out.push(c);
        }
    }
    out
}

fn lengths_of(desc: &Descriptor) -> Vec<usize> {
    desc.possible_length()
        .iter()
        .map(|&n| usize::from(n))
        .collect()
}

/// A descriptor's pattern matching a whole number.
fn whole(desc: &Descriptor) -> Option<Regex> {
    compile(&format!("^(?:{})$", desc.national_number().as_str()))
}

/// The metadata's patterns are written with white space for readability, and only ever see
/// ASCII digits here: no Unicode classes, which keeps the automata small.
fn compile(pattern: &str) -> Option<Regex> {
    RegexBuilder::new(pattern)
        .ignore_whitespace(true)
        .unicode(false)
        .build()
        .ok()
}

/// Every region of libphonenumber's metadata and its English short name (ISO 3166-1, with the
/// usual short forms), sorted by code. A test checks it against the metadata.
const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("AC", "Ascension Island"),
    ("AD", "Andorra"),
    ("AE", "United Arab Emirates"),
    ("AF", "Afghanistan"),
    ("AG", "Antigua and Barbuda"),
    ("AI", "Anguilla"),
    ("AL", "Albania"),
    ("AM", "Armenia"),
    ("AO", "Angola"),
    ("AR", "Argentina"),
    ("AS", "American Samoa"),
    ("AT", "Austria"),
    ("AU", "Australia"),
    ("AW", "Aruba"),
    ("AX", "Åland Islands"),
    ("AZ", "Azerbaijan"),
    ("BA", "Bosnia and Herzegovina"),
    ("BB", "Barbados"),
    ("BD", "Bangladesh"),
    ("BE", "Belgium"),
    ("BF", "Burkina Faso"),
    ("BG", "Bulgaria"),
    ("BH", "Bahrain"),
    ("BI", "Burundi"),
    ("BJ", "Benin"),
    ("BL", "Saint Barthélemy"),
    ("BM", "Bermuda"),
    ("BN", "Brunei Darussalam"),
    ("BO", "Bolivia"),
    ("BQ", "Caribbean Netherlands"),
    ("BR", "Brazil"),
    ("BS", "Bahamas"),
    ("BT", "Bhutan"),
    ("BW", "Botswana"),
    ("BY", "Belarus"),
    ("BZ", "Belize"),
    ("CA", "Canada"),
    ("CC", "Cocos (Keeling) Islands"),
    ("CD", "DR Congo"),
    ("CF", "Central African Republic"),
    ("CG", "Congo"),
    ("CH", "Switzerland"),
    ("CI", "Côte d'Ivoire"),
    ("CK", "Cook Islands"),
    ("CL", "Chile"),
    ("CM", "Cameroon"),
    ("CN", "China"),
    ("CO", "Colombia"),
    ("CR", "Costa Rica"),
    ("CU", "Cuba"),
    ("CV", "Cabo Verde"),
    ("CW", "Curaçao"),
    ("CX", "Christmas Island"),
    ("CY", "Cyprus"),
    ("CZ", "Czechia"),
    ("DE", "Germany"),
    ("DJ", "Djibouti"),
    ("DK", "Denmark"),
    ("DM", "Dominica"),
    ("DO", "Dominican Republic"),
    ("DZ", "Algeria"),
    ("EC", "Ecuador"),
    ("EE", "Estonia"),
    ("EG", "Egypt"),
    ("EH", "Western Sahara"),
    ("ER", "Eritrea"),
    ("ES", "Spain"),
    ("ET", "Ethiopia"),
    ("FI", "Finland"),
    ("FJ", "Fiji"),
    ("FK", "Falkland Islands"),
    ("FM", "Micronesia"),
    ("FO", "Faroe Islands"),
    ("FR", "France"),
    ("GA", "Gabon"),
    ("GB", "United Kingdom"),
    ("GD", "Grenada"),
    ("GE", "Georgia"),
    ("GF", "French Guiana"),
    ("GG", "Guernsey"),
    ("GH", "Ghana"),
    ("GI", "Gibraltar"),
    ("GL", "Greenland"),
    ("GM", "Gambia"),
    ("GN", "Guinea"),
    ("GP", "Guadeloupe"),
    ("GQ", "Equatorial Guinea"),
    ("GR", "Greece"),
    ("GT", "Guatemala"),
    ("GU", "Guam"),
    ("GW", "Guinea-Bissau"),
    ("GY", "Guyana"),
    ("HK", "Hong Kong"),
    ("HN", "Honduras"),
    ("HR", "Croatia"),
    ("HT", "Haiti"),
    ("HU", "Hungary"),
    ("ID", "Indonesia"),
    ("IE", "Ireland"),
    ("IL", "Israel"),
    ("IM", "Isle of Man"),
    ("IN", "India"),
    ("IO", "British Indian Ocean Territory"),
    ("IQ", "Iraq"),
    ("IR", "Iran"),
    ("IS", "Iceland"),
    ("IT", "Italy"),
    ("JE", "Jersey"),
    ("JM", "Jamaica"),
    ("JO", "Jordan"),
    ("JP", "Japan"),
    ("KE", "Kenya"),
    ("KG", "Kyrgyzstan"),
    ("KH", "Cambodia"),
    ("KI", "Kiribati"),
    ("KM", "Comoros"),
    ("KN", "Saint Kitts and Nevis"),
    ("KP", "North Korea"),
    ("KR", "South Korea"),
    ("KW", "Kuwait"),
    ("KY", "Cayman Islands"),
    ("KZ", "Kazakhstan"),
    ("LA", "Laos"),
    ("LB", "Lebanon"),
    ("LC", "Saint Lucia"),
    ("LI", "Liechtenstein"),
    ("LK", "Sri Lanka"),
    ("LR", "Liberia"),
    ("LS", "Lesotho"),
    ("LT", "Lithuania"),
    ("LU", "Luxembourg"),
    ("LV", "Latvia"),
    ("LY", "Libya"),
    ("MA", "Morocco"),
    ("MC", "Monaco"),
    ("MD", "Moldova"),
    ("ME", "Montenegro"),
    ("MF", "Saint Martin"),
    ("MG", "Madagascar"),
    ("MH", "Marshall Islands"),
    ("MK", "North Macedonia"),
    ("ML", "Mali"),
    ("MM", "Myanmar"),
    ("MN", "Mongolia"),
    ("MO", "Macao"),
    ("MP", "Northern Mariana Islands"),
    ("MQ", "Martinique"),
    ("MR", "Mauritania"),
    ("MS", "Montserrat"),
    ("MT", "Malta"),
    ("MU", "Mauritius"),
    ("MV", "Maldives"),
    ("MW", "Malawi"),
    ("MX", "Mexico"),
    ("MY", "Malaysia"),
    ("MZ", "Mozambique"),
    ("NA", "Namibia"),
    ("NC", "New Caledonia"),
    ("NE", "Niger"),
    ("NF", "Norfolk Island"),
    ("NG", "Nigeria"),
    ("NI", "Nicaragua"),
    ("NL", "Netherlands"),
    ("NO", "Norway"),
    ("NP", "Nepal"),
    ("NR", "Nauru"),
    ("NU", "Niue"),
    ("NZ", "New Zealand"),
    ("OM", "Oman"),
    ("PA", "Panama"),
    ("PE", "Peru"),
    ("PF", "French Polynesia"),
    ("PG", "Papua New Guinea"),
    ("PH", "Philippines"),
    ("PK", "Pakistan"),
    ("PL", "Poland"),
    ("PM", "Saint Pierre and Miquelon"),
    ("PR", "Puerto Rico"),
    ("PS", "Palestine"),
    ("PT", "Portugal"),
    ("PW", "Palau"),
    ("PY", "Paraguay"),
    ("QA", "Qatar"),
    ("RE", "Réunion"),
    ("RO", "Romania"),
    ("RS", "Serbia"),
    ("RU", "Russia"),
    ("RW", "Rwanda"),
    ("SA", "Saudi Arabia"),
    ("SB", "Solomon Islands"),
    ("SC", "Seychelles"),
    ("SD", "Sudan"),
    ("SE", "Sweden"),
    ("SG", "Singapore"),
    ("SH", "Saint Helena"),
    ("SI", "Slovenia"),
    ("SJ", "Svalbard and Jan Mayen"),
    ("SK", "Slovakia"),
    ("SL", "Sierra Leone"),
    ("SM", "San Marino"),
    ("SN", "Senegal"),
    ("SO", "Somalia"),
    ("SR", "Suriname"),
    ("SS", "South Sudan"),
    ("ST", "Sao Tome and Principe"),
    ("SV", "El Salvador"),
    ("SX", "Sint Maarten"),
    ("SY", "Syria"),
    ("SZ", "Eswatini"),
    ("TA", "Tristan da Cunha"),
    ("TC", "Turks and Caicos Islands"),
    ("TD", "Chad"),
    ("TG", "Togo"),
    ("TH", "Thailand"),
    ("TJ", "Tajikistan"),
    ("TK", "Tokelau"),
    ("TL", "Timor-Leste"),
    ("TM", "Turkmenistan"),
    ("TN", "Tunisia"),
    ("TO", "Tonga"),
    ("TR", "Türkiye"),
    ("TT", "Trinidad and Tobago"),
    ("TV", "Tuvalu"),
    ("TW", "Taiwan"),
    ("TZ", "Tanzania"),
    ("UA", "Ukraine"),
    ("UG", "Uganda"),
    ("US", "United States"),
    ("UY", "Uruguay"),
    ("UZ", "Uzbekistan"),
    ("VA", "Vatican City"),
    ("VC", "Saint Vincent and the Grenadines"),
    ("VE", "Venezuela"),
    ("VG", "British Virgin Islands"),
    ("VI", "U.S. Virgin Islands"),
    ("VN", "Vietnam"),
    ("VU", "Vanuatu"),
    ("WF", "Wallis and Futuna"),
    ("WS", "Samoa"),
    ("XK", "Kosovo"),
    ("YE", "Yemen"),
    ("YT", "Mayotte"),
    ("ZA", "South Africa"),
    ("ZM", "Zambia"),
    ("ZW", "Zimbabwe"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_table_is_the_metadata_s_regions() {
        let mut ids: Vec<String> = index()
            .codes
            .iter()
            .flat_map(|c| c.regions.iter().map(|r| r.meta.id().to_owned()))
            .filter(|id| id != "001")
            .collect();
        ids.sort();
        ids.dedup();
        let table: Vec<String> = COUNTRY_NAMES
            .iter()
            .map(|(id, _)| (*id).to_owned())
            .collect();
        assert_eq!(ids, table);
    }

    #[test]
    fn every_region_compiles() {
        for code in &index().codes {
            for region in &code.regions {
                assert!(
                    region.rules().is_some(),
                    "{} +{}",
                    region.meta.id(),
                    code.value
                );
                if region.meta.leading_digits().is_some() {
                    assert!(region.leading_digits().is_some(), "{}", region.meta.id());
                }
            }
        }
    }

    #[test]
    fn no_international_number_is_shorter_than_the_minimum() {
        for code in &index().codes {
            let code_digits = code.value.to_string().len();
            for region in &code.regions {
                let Some(rules) = region.rules() else {
                    continue;
                };
                if let Some(&min) = rules.lengths.first() {
                    assert!(
                        code_digits + min >= MIN_INTERNATIONAL_DIGITS,
                        "{} +{}",
                        region.meta.id(),
                        code.value
                    );
                }
            }
        }
    }

    #[test]
    fn lengths_read_well() {
        assert_eq!(describe_lengths(&[9]), "9 digits");
        assert_eq!(describe_lengths(&[9, 10]), "9 or 10 digits");
        assert_eq!(describe_lengths(&[5, 6, 7, 8]), "5–8 digits");
        assert_eq!(describe_lengths(&[7, 9, 10]), "7, 9 or 10 digits");
        assert_eq!(describe_lengths(&[6, 8, 9, 10, 11]), "6 or 8–11 digits");
        assert_eq!(describe_lengths(&[4, 5, 6, 9]), "4–6 or 9 digits");
    }

    #[test]
    fn transform_rules_keep_their_digits() {
        assert_eq!(braced_groups("9$1"), "9${1}");
        assert_eq!(braced_groups("0549$1"), "0549${1}");
        assert_eq!(braced_groups("$2"), "${2}");
    }

    /// The verdicts agree with the `phonenumber` crate's own parser on numbers with `+`.
    #[test]
    fn agrees_with_the_crate_on_international_numbers() {
        let samples = [
            "+380636111112",
            "+380501234567",
            "+38063611111",
            "+3806361111123",
            "+375291234567",
            "+375171234567",
            "+37529123456",
            "+79161234567",
            "+77012345678",
            "+447911123456",
            "+12025550123",
            "+16135550123",
            "+972512345678",
            "+4915123456789",
            "+48601234567",
            "+33612345678",
            "+380120000000",
            "+375000000000",
            "+8613812345678",
            "+998901234567",
        ];
        for s in samples {
            let ours = normalize(s, None).is_ok();
            let theirs = phonenumber::parse(None, s).is_ok_and(|n| phonenumber::is_valid(&n));
            assert_eq!(ours, theirs, "{s}");
        }
    }
}
