//! Reading instants from clients: RFC 3339 with an offset, or a local date-time plus an
//! explicit IANA time zone. Writing them back: always UTC, `Z`, at most microseconds.

use chrono::{DateTime, LocalResult, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses an IANA time zone name such as `America/New_York`.
pub fn parse_timezone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>()
        .map_err(|_| format!("{name:?} is not a known IANA time zone name"))
}

/// Reads `raw` as an instant.
///
/// With an offset (`Z`, `+02:00`) the offset decides the instant. Without one, `timezone`
/// is required: naive times are never read in the server's own zone. A local time that
/// does not exist (skipped by a DST jump) is an error; one that exists twice (DST fold)
/// takes the earlier instant, as Python's `zoneinfo` does with `fold=0`.
pub fn parse_instant(raw: &str, timezone: Option<Tz>) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(truncate_to_micros(at.with_timezone(&Utc)));
    }
    let local = parse_local(raw).ok_or_else(|| {
        format!("{raw:?} is not an RFC 3339 date-time (e.g. 2025-03-14T10:00:00Z)")
    })?;
    let zone = timezone.ok_or_else(|| {
        format!("{raw:?} has no UTC offset; add one (e.g. Z or +02:00) or give a `timezone`")
    })?;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => {
            Ok(truncate_to_micros(at.with_timezone(&Utc)))
        }
        LocalResult::None => Err(format!(
            "{raw:?} does not exist in {zone} (skipped by a daylight-saving change)"
        )),
    }
}

fn parse_local(raw: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
}

/// PostgreSQL stores microseconds; dropping the rest up front keeps what we return equal
/// to what we store.
fn truncate_to_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = at.timestamp_subsec_nanos();
    at - chrono::TimeDelta::nanoseconds(i64::from(nanos % 1_000))
}

/// The one output form: UTC with `Z`, fractional seconds only when present (up to 6 digits).
pub fn format_instant(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ny() -> Option<Tz> {
        Some(parse_timezone("America/New_York").unwrap())
    }

    #[test]
    fn local_time_with_timezone_is_normalised_to_utc() {
        let at = parse_instant("2025-03-14T10:00:00", ny()).unwrap();
        assert_eq!(format_instant(&at), "2025-03-14T14:00:00Z");
    }

    #[test]
    fn offset_decides_when_present() {
        let at = parse_instant("2025-03-14T10:00:00+02:00", ny()).unwrap();
        assert_eq!(format_instant(&at), "2025-03-14T08:00:00Z");
    }

    #[test]
    fn naive_time_without_timezone_is_rejected() {
        let err = parse_instant("2025-03-14T10:00:00", None).unwrap_err();
        assert!(err.contains("timezone"), "{err}");
    }

    #[test]
    fn dst_gap_is_rejected_and_fold_takes_the_earlier_instant() {
        assert!(parse_instant("2025-03-09T02:30:00", ny()).is_err());
        let fold = parse_instant("2025-11-02T01:30:00", ny()).unwrap();
        assert_eq!(format_instant(&fold), "2025-11-02T05:30:00Z");
    }

    #[test]
    fn output_keeps_at_most_microseconds() {
        let at = parse_instant("2025-01-01T00:00:00.123456789Z", None).unwrap();
        assert_eq!(format_instant(&at), "2025-01-01T00:00:00.123456Z");
    }

    #[test]
    fn unknown_zone_and_garbage_are_rejected() {
        assert!(parse_timezone("Mars/Olympus").is_err());
        assert!(parse_instant("tomorrow", ny()).is_err());
    }
}
