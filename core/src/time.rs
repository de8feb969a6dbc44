//! The little calendar arithmetic the providers need (unix seconds ↔ civil time), without a
//! date crate.

use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// (year, month, day) of a day count since 1970-01-01.
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Civil date and time parts of a unix time shifted by `offset_minutes`.
fn parts(unix: i64, offset_minutes: i32) -> (i64, u32, u32, u32, u32, u32) {
    // `unix` may come from a user's schedule: saturate rather than overflow.
    let t = unix.saturating_add(i64::from(offset_minutes) * 60);
    let (y, mo, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    (
        y,
        mo,
        d,
        (s / 3600) as u32,
        (s / 60 % 60) as u32,
        (s % 60) as u32,
    )
}

/// `YYYY-MM-DDTHH:MM:SS` in local time at `offset_minutes` (SMS.by's `schedule_time`).
pub(crate) fn format_local_t(unix: i64, offset_minutes: i32) -> String {
    let (y, mo, d, h, mi, s) = parts(unix, offset_minutes);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")
}

/// `YYYY-MM-DD HH:MM` in local time at `offset_minutes` (SMS.by's `d_schedule`).
pub(crate) fn format_local_minutes(unix: i64, offset_minutes: i32) -> String {
    let (y, mo, d, h, mi, _) = parts(unix, offset_minutes);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}")
}

/// RFC 3339 in UTC: `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn format_rfc3339_utc(unix: i64) -> String {
    format!("{}Z", format_local_t(unix, 0))
}

/// Parses `YYYY-MM-DD HH:MM:SS[.frac]` or `DD-MM-YYYY HH:MM:SS` (Intel-Tele prints both) as a
/// time at `offset_minutes` and returns it in RFC 3339 with that offset, or `None`.
pub(crate) fn to_rfc3339(raw: &str, offset_minutes: i32) -> Option<String> {
    let raw = raw.trim();
    let (date, time) = raw.split_once([' ', 'T'])?;
    let nums: Vec<&str> = date.split('-').collect();
    if nums.len() != 3 {
        return None;
    }
    let (y, m, d) = if nums[0].len() == 4 {
        (nums[0], nums[1], nums[2])
    } else {
        (nums[2], nums[1], nums[0])
    };
    let (y, m, d): (i64, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let time = time.split('.').next()?;
    let t: Vec<u32> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || t.len() != 3
        || t[0] > 23
        || t[1] > 59
        || t[2] > 60
    {
        return None;
    }
    let offset = if offset_minutes == 0 {
        "Z".to_owned()
    } else {
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let a = offset_minutes.unsigned_abs();
        format!("{sign}{:02}:{:02}", a / 60, a % 60)
    };
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{offset}",
        t[0], t[1], t[2]
    ))
}

/// Unix seconds of a civil date and time written in a zone `offset_minutes` east of UTC, in
/// either form [`to_rfc3339`] reads; `None` for anything else, years outside 0–9999 included (so
/// that the arithmetic cannot overflow).
pub(crate) fn local_to_unix(raw: &str, offset_minutes: i32) -> Option<i64> {
    // `to_rfc3339` checks the parts and writes them in one fixed form.
    let normal = to_rfc3339(raw, 0)?;
    let (date, time) = normal.strip_suffix('Z')?.split_once('T')?;
    let date: Vec<i64> = date
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let time: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let (&[y, m, d], &[h, mi, s]) = (date.as_slice(), time.as_slice()) else {
        return None;
    };
    if !(0..=9999).contains(&y) {
        return None;
    }
    let days = days_from_civil(y, u32::try_from(m).ok()?, u32::try_from(d).ok()?);
    days.checked_mul(86_400)?
        .checked_add(h * 3600 + mi * 60 + s)?
        .checked_sub(i64::from(offset_minutes).checked_mul(60)?)
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`) into unix seconds.
pub(crate) fn parse_http_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let rest = s.split_once(", ").map(|(_, r)| r).unwrap_or(s);
    let mut it = rest.split_whitespace();
    let day: u32 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let hms: Vec<i64> = it
        .next()?
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    // Every field comes from a provider's header: refuse what no real date has, so that the
    // arithmetic below cannot overflow.
    let [h, m, sec] = hms[..] else { return None };
    if !(1..=31).contains(&day)
        || !(0..=9999).contains(&year)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&m)
        || !(0..=60).contains(&sec)
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 10_957, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn formats_local_time() {
        // 2024-10-30T19:56:00Z is 22:56 in Minsk.
        assert_eq!(format_local_t(1_730_318_160, 180), "2024-10-30T22:56:00");
        assert_eq!(format_local_minutes(1_730_318_160, 180), "2024-10-30 22:56");
        assert_eq!(format_rfc3339_utc(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn parses_dates() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            to_rfc3339("17-02-2013 12:08:29", 0).as_deref(),
            Some("2013-02-17T12:08:29Z")
        );
        assert_eq!(
            to_rfc3339("2024-10-16 22:52:42.497994", 180).as_deref(),
            Some("2024-10-16T22:52:42+03:00")
        );
        assert_eq!(to_rfc3339("garbage", 0), None);
        // 12:08:29 at UTC+3 is 09:08:29 UTC.
        assert_eq!(
            local_to_unix("17-02-2013 12:08:29", 180).map(format_rfc3339_utc),
            Some("2013-02-17T09:08:29Z".to_owned())
        );
        assert_eq!(
            local_to_unix("2017-01-23 12:34:56", -330).map(format_rfc3339_utc),
            Some("2017-01-23T18:04:56Z".to_owned())
        );
        for hostile in [
            "99999999999999999-01-01 00:00:00",
            "10000-01-01 00:00:00",
            "2017-01-23",
            "2017-01-23 12:34",
        ] {
            assert_eq!(local_to_unix(hostile, 0), None, "{hostile}");
        }
        for hostile in [
            "Sun, 06 Nov 1994 9999999999999999:00:00 GMT",
            "Sun, 06 Nov 99999999999999999 08:49:37 GMT",
            "Sun, 99999999 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov -9223372036854775808 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37:12 GMT",
            "Sun, 06 Nov 1994 -1:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(hostile), None, "{hostile}");
        }
        // A user's absurd schedule saturates instead of overflowing.
        assert!(format_local_t(i64::MAX, 840).starts_with("292277026596-"));
        assert!(!format_local_t(i64::MIN, -840).is_empty());
    }
}
