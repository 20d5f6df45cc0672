//! ISO 8601 durations (`PT10S`, `PT0.5S`, `PT1H30M`, `P1D`) with microsecond precision.
//!
//! Only fixed-length units are accepted: weeks, days (24 h), hours, minutes and seconds.
//! Years and months have no fixed length, so they are rejected rather than guessed.

use std::fmt;

const US_PER_SECOND: i64 = 1_000_000;
const US_PER_MINUTE: i64 = 60 * US_PER_SECOND;
const US_PER_HOUR: i64 = 60 * US_PER_MINUTE;
const US_PER_DAY: i64 = 24 * US_PER_HOUR;

/// A non-negative span of time in microseconds, read from and written as ISO 8601.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct IsoDuration {
    micros: i64,
}

impl IsoDuration {
    /// Longest duration accepted anywhere (100 years): far beyond any sensible interval,
    /// and small enough that `run_at + k * interval` arithmetic cannot overflow.
    pub const MAX: IsoDuration = IsoDuration {
        micros: 36_500 * US_PER_DAY,
    };

    pub const fn from_micros(micros: i64) -> Self {
        Self { micros }
    }

    pub const fn from_secs(secs: i64) -> Self {
        Self {
            micros: secs * US_PER_SECOND,
        }
    }

    pub const fn as_micros(self) -> i64 {
        self.micros
    }

    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_micros(self.micros.max(0) as u64)
    }

    pub fn as_chrono(self) -> chrono::TimeDelta {
        chrono::TimeDelta::microseconds(self.micros)
    }

    /// Parses an ISO 8601 duration; the message on failure is fit for a 422.
    pub fn parse(raw: &str) -> Result<Self, String> {
        parse_micros(raw).map(Self::from_micros).map_err(|why| {
            format!("{why} (expected an ISO 8601 duration such as PT10S, PT0.5S, PT1H30M or P1D)")
        })
    }
}

fn parse_micros(raw: &str) -> Result<i64, String> {
    let rest = raw
        .strip_prefix('P')
        .ok_or_else(|| format!("{raw:?} does not start with 'P'"))?;
    if rest.is_empty() || rest == "T" {
        return Err(format!("{raw:?} has no components"));
    }
    let (date_part, time_part) = match rest.split_once('T') {
        Some((_, "")) => return Err(format!("{raw:?} ends with 'T' but has no time components")),
        Some((date, time)) => (date, Some(time)),
        None => (rest, None),
    };
    let mut total: i128 = 0;
    // Only the very last component may have a fraction, so a date part followed by a
    // time part has none that may.
    total += components(
        date_part,
        &[('W', 7 * US_PER_DAY), ('D', US_PER_DAY)],
        time_part.is_some(),
        raw,
    )?;
    if let Some(time) = time_part {
        total += components(
            time,
            &[
                ('H', US_PER_HOUR),
                ('M', US_PER_MINUTE),
                ('S', US_PER_SECOND),
            ],
            false,
            raw,
        )?;
    }
    if total > i128::from(IsoDuration::MAX.micros) {
        return Err(format!("{raw:?} is longer than the maximum of 100 years"));
    }
    Ok(total as i64)
}

/// Sums `<number><unit>` components that must appear in the order of `units`;
/// `more_follow` says whether components of another part come after these.
fn components(
    mut text: &str,
    units: &[(char, i64)],
    more_follow: bool,
    raw: &str,
) -> Result<i128, String> {
    let mut total: i128 = 0;
    let mut next_unit = 0;
    while !text.is_empty() {
        let end = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .ok_or_else(|| format!("{raw:?} has a number without a unit"))?;
        let (number, after) = text.split_at(end);
        let unit = after.chars().next().unwrap_or_default();
        let position = units[next_unit..]
            .iter()
            .position(|(u, _)| *u == unit)
            .ok_or_else(|| match unit {
                'Y' => format!("{raw:?} uses years, which have no fixed length"),
                'M' if units[0].0 == 'W' => {
                    format!("{raw:?} uses months, which have no fixed length")
                }
                _ => format!("{raw:?} has an unexpected or misplaced unit {unit:?}"),
            })?;
        let (_, unit_micros) = units[next_unit + position];
        next_unit += position + 1;
        let is_last = after.len() == unit.len_utf8() && !more_follow;
        total += scaled(number, unit_micros, unit == 'S' || is_last, raw)?;
        text = &after[unit.len_utf8()..];
    }
    Ok(total)
}

/// `number` (digits, optionally with a fraction) times `unit_micros`, rounded to microseconds.
fn scaled(
    number: &str,
    unit_micros: i64,
    fraction_allowed: bool,
    raw: &str,
) -> Result<i128, String> {
    let number = number.replace(',', ".");
    let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{raw:?} has a malformed number"));
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit())
        || (number.contains('.') && fraction.is_empty())
    {
        return Err(format!("{raw:?} has a malformed number"));
    }
    if !fraction.is_empty() && !fraction_allowed {
        return Err(format!(
            "{raw:?}: only the smallest unit may have a fraction"
        ));
    }
    // Anything with more than 15 integer digits is beyond the 100-year cap in every unit.
    if whole.len() > 15 {
        return Err(format!("{raw:?} is longer than the maximum of 100 years"));
    }
    let whole: i128 = whole
        .parse()
        .map_err(|_| format!("{raw:?} has a malformed number"))?;
    let mut micros = whole * i128::from(unit_micros);
    if !fraction.is_empty() {
        // Scale the fraction by the unit exactly, using at most 18 digits of it.
        let digits = &fraction[..fraction.len().min(18)];
        let numerator: i128 = digits.parse().unwrap_or(0);
        let denominator = 10i128.pow(digits.len() as u32);
        micros += (numerator * i128::from(unit_micros) + denominator / 2) / denominator;
    }
    Ok(micros)
}

impl fmt::Display for IsoDuration {
    /// Normalised form: `P[nD][T[nH][nM][n[.ffffff]S]]`, `PT0S` for zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.micros;
        if rest == 0 {
            return f.write_str("PT0S");
        }
        let days = rest / US_PER_DAY;
        rest %= US_PER_DAY;
        let hours = rest / US_PER_HOUR;
        rest %= US_PER_HOUR;
        let minutes = rest / US_PER_MINUTE;
        rest %= US_PER_MINUTE;
        let seconds = rest / US_PER_SECOND;
        let micros = rest % US_PER_SECOND;
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours + minutes + seconds + micros > 0 {
            f.write_str("T")?;
        }
        if hours > 0 {
            write!(f, "{hours}H")?;
        }
        if minutes > 0 {
            write!(f, "{minutes}M")?;
        }
        if micros > 0 {
            let fraction = format!("{micros:06}");
            write!(f, "{seconds}.{}S", fraction.trim_end_matches('0'))?;
        } else if seconds > 0 {
            write!(f, "{seconds}S")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(raw: &str) -> i64 {
        IsoDuration::parse(raw).unwrap().as_micros()
    }

    #[test]
    fn parses_documented_examples() {
        assert_eq!(micros("PT10S"), 10_000_000);
        assert_eq!(micros("PT0.5S"), 500_000);
        assert_eq!(micros("PT1H30M"), 5_400_000_000);
        assert_eq!(micros("P1D"), US_PER_DAY);
        assert_eq!(micros("P1W"), 7 * US_PER_DAY);
        assert_eq!(micros("P1DT1S"), US_PER_DAY + US_PER_SECOND);
        assert_eq!(micros("PT0,25S"), 250_000);
        assert_eq!(micros("PT1.5M"), 90_000_000);
        assert_eq!(micros("PT0.000001S"), 1);
    }

    #[test]
    fn normalises_output() {
        let show = |raw: &str| IsoDuration::parse(raw).unwrap().to_string();
        assert_eq!(show("PT90S"), "PT1M30S");
        assert_eq!(show("PT0.5S"), "PT0.5S");
        assert_eq!(show("PT24H"), "P1D");
        assert_eq!(show("P1DT0.1S"), "P1DT0.1S");
        assert_eq!(show("PT0S"), "PT0S");
        assert_eq!(show("PT3600S"), "PT1H");
    }

    #[test]
    fn rejects_malformed_and_ambiguous_input() {
        for bad in [
            "", "P", "PT", "10S", "PT10", "P1Y", "P1M", "PT1S1M", "PT.5S", "PT5.S", "PT-1S",
            "P1.5DT1H", "PT1HX", "P1DT", "pt10s", "PT1e3S",
        ] {
            assert!(IsoDuration::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn rejects_absurdly_large_values_without_overflow() {
        assert!(IsoDuration::parse("PT99999999999999999999999999S").is_err());
        assert!(IsoDuration::parse("P36501D").is_err());
        assert!(IsoDuration::parse("P36500D").is_ok());
        assert!(IsoDuration::parse("P9999999999999W").is_err());
    }
}
