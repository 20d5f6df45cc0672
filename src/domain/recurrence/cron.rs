//! Cron expressions: parsing, and which LOCAL date-times (a calendar without time zones)
//! they match. Time zones and DST are `zoned_cron`'s business, not this module's.
//!
//! Syntax (API.md, "Schedules"): 5 fields (minute hour day-of-month month day-of-week) or 6
//! with seconds first; the nicknames `@yearly @annually @monthly @weekly @daily @midnight
//! @hourly`; `L`, `W` and `#`; day-of-month and day-of-week combine with OR (when both are
//! restricted, a day matching either runs). Matching is croner's (OCPS syntax), used on
//! `NaiveDateTime`, where every local time exists exactly once; this module adds the checks
//! croner leaves open (field count, year field, `@midnight`, `+`, expressions that never
//! match) and one classification croner does not make our way: whether the expression
//! names clock hours (see `CronExpression::is_wall_clock`).

use std::fmt;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime};
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;

/// A parsed cron expression; parse once, evaluate many times (croner keeps each field as
/// a bit set, so matching is a few bit tests).
#[derive(Debug, Clone)]
pub struct CronExpression {
    /// What the client wrote, trimmed: what the API echoes back.
    source: String,
    /// Shared: croner's pattern is a few hundred bytes, and schedules are cloned freely.
    cron: Arc<Cron>,
    wall_clock: bool,
}

impl PartialEq for CronExpression {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl Eq for CronExpression {}

const NICKNAMES: [(&str, &str); 7] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

impl CronExpression {
    /// Parses `raw`; the message on failure is fit for a 422 on field `cron`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let source = raw.trim();
        if source.is_empty() {
            return Err("the cron expression is empty".to_owned());
        }
        let fields = if source.starts_with('@') {
            NICKNAMES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(source))
                .map(|(_, fields)| *fields)
                .ok_or_else(|| {
                    format!(
                        "{source:?} is not a known nickname (use @yearly, @annually, @monthly, \
                         @weekly, @daily, @midnight or @hourly)"
                    )
                })?
        } else {
            source
        };
        let parts: Vec<&str> = fields.split_whitespace().collect();
        if !(5..=6).contains(&parts.len()) {
            return Err(format!(
                "{source:?} has {} fields; expected 5 (minute hour day-of-month month \
                 day-of-week) or 6 (second minute hour day-of-month month day-of-week)",
                parts.len()
            ));
        }
        let day_of_week = parts[parts.len() - 1];
        if day_of_week.starts_with('+') {
            return Err(format!(
                "{source:?}: '+' (day-of-month AND day-of-week) is not supported; the two \
                 fields combine with OR"
            ));
        }
        // Vixie cron's rule, as API.md words it: an hour field that names hours (values,
        // lists, ranges) is a wall-clock schedule; `*` or a step makes it a rhythm.
        let hour = parts[parts.len() - 4];
        let wall_clock = !hour.contains('*') && !hour.contains('/');
        let cron = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .dom_and_dow(false)
            .build()
            .parse(fields)
            .map_err(|error| format!("{source:?} is not a valid cron expression: {error}"))?;
        let expression = CronExpression {
            source: source.to_owned(),
            cron: Arc::new(cron),
            wall_clock,
        };
        // `0 0 30 2 *` parses but never runs; say so now rather than never deliver.
        let epoch = NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|date| date.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        if expression.next_local_after(epoch).is_none() {
            return Err(format!("{source:?} never matches a real date"));
        }
        Ok(expression)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the expression names clock hours (`30 2 * * *`, `0 9,17 * * 1-5`), so the
    /// DST policy applies to it; `false` for a rhythm (`*/15 * * * *`, `0 */2 * * *`),
    /// which runs in elapsed time through both passes of an overlap.
    pub fn is_wall_clock(&self) -> bool {
        self.wall_clock
    }

    /// The first local date-time strictly after `local` that the expression matches
    /// (whole seconds); `None` when there is none before croner's horizon (year 5000).
    pub fn next_local_after(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        self.cron.find_next_occurrence(&local, false).ok()
    }

    /// The first matching local date-time at or after `local`.
    pub fn next_local_at_or_after(&self, local: NaiveDateTime) -> Option<NaiveDateTime> {
        self.cron.find_next_occurrence(&local, true).ok()
    }
}

impl fmt::Display for CronExpression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    /// The next `n` local matches after `from`.
    fn matches(expression: &str, from: &str, n: usize) -> Vec<String> {
        let expression = CronExpression::parse(expression).unwrap();
        let mut at = local(from);
        (0..n)
            .map(|_| {
                at = expression.next_local_after(at).unwrap();
                at.format("%Y-%m-%dT%H:%M:%S %a").to_string()
            })
            .collect()
    }

    #[test]
    fn special_characters_and_or_semantics() {
        // Calendar checked with Python's `calendar`: 2027-01-01 is a Friday.
        let table: &[(&str, &str, &[&str])] = &[
            // L: the last day of each month, February included.
            (
                "0 9 L * *",
                "2027-01-01T00:00:00",
                &[
                    "2027-01-31T09:00:00 Sun",
                    "2027-02-28T09:00:00 Sun",
                    "2027-03-31T09:00:00 Wed",
                ],
            ),
            // W: the weekday nearest the 15th, never leaving the month.
            // 2027-05-15 is a Saturday → Friday 14th; 2027-08-15 a Sunday → Monday 16th.
            (
                "0 9 15W 5,8,9 *",
                "2027-01-01T00:00:00",
                &[
                    "2027-05-14T09:00:00 Fri",
                    "2027-08-16T09:00:00 Mon",
                    "2027-09-15T09:00:00 Wed",
                ],
            ),
            // #: the second Monday of each month.
            (
                "0 9 * * 1#2",
                "2027-01-01T00:00:00",
                &[
                    "2027-01-11T09:00:00 Mon",
                    "2027-02-08T09:00:00 Mon",
                    "2027-03-08T09:00:00 Mon",
                ],
            ),
            // Last Friday of the month.
            (
                "0 9 * * 5L",
                "2027-01-01T00:00:00",
                &["2027-01-29T09:00:00 Fri", "2027-02-26T09:00:00 Fri"],
            ),
            // DOM/DOW OR: the 13th, and every Friday.
            (
                "0 0 13 * 5",
                "2027-01-01T00:00:00",
                &[
                    "2027-01-08T00:00:00 Fri",
                    "2027-01-13T00:00:00 Wed",
                    "2027-01-15T00:00:00 Fri",
                    "2027-01-22T00:00:00 Fri",
                    "2027-01-29T00:00:00 Fri",
                    "2027-02-05T00:00:00 Fri",
                    "2027-02-12T00:00:00 Fri",
                    "2027-02-13T00:00:00 Sat",
                ],
            ),
            // Names and 7 for Sunday.
            (
                "0 12 * JAN SUN",
                "2027-01-01T00:00:00",
                &["2027-01-03T12:00:00 Sun"],
            ),
            (
                "0 12 * * 7",
                "2027-01-01T00:00:00",
                &["2027-01-03T12:00:00 Sun"],
            ),
            // Six fields, seconds first: every second, whole seconds.
            (
                "* * * * * *",
                "2027-01-01T00:00:00",
                &[
                    "2027-01-01T00:00:01 Fri",
                    "2027-01-01T00:00:02 Fri",
                    "2027-01-01T00:00:03 Fri",
                ],
            ),
            (
                "*/20 * * * * *",
                "2027-01-01T00:00:50",
                &["2027-01-01T00:01:00 Fri", "2027-01-01T00:01:20 Fri"],
            ),
        ];
        for (expression, from, expected) in table {
            assert_eq!(
                &matches(expression, from, expected.len()),
                expected,
                "{expression}"
            );
        }
    }

    #[test]
    fn nicknames() {
        let table: &[(&str, &[&str])] = &[
            (
                "@yearly",
                &["2028-01-01T00:00:00 Sat", "2029-01-01T00:00:00 Mon"],
            ),
            ("@annually", &["2028-01-01T00:00:00 Sat"]),
            (
                "@monthly",
                &["2027-02-01T00:00:00 Mon", "2027-03-01T00:00:00 Mon"],
            ),
            (
                "@weekly",
                &["2027-01-03T00:00:00 Sun", "2027-01-10T00:00:00 Sun"],
            ),
            (
                "@daily",
                &["2027-01-02T00:00:00 Sat", "2027-01-03T00:00:00 Sun"],
            ),
            ("@midnight", &["2027-01-02T00:00:00 Sat"]),
            (
                "@HOURLY",
                &["2027-01-01T01:00:00 Fri", "2027-01-01T02:00:00 Fri"],
            ),
        ];
        for (expression, expected) in table {
            assert_eq!(
                &matches(expression, "2027-01-01T00:00:00", expected.len()),
                expected,
                "{expression}"
            );
        }
        assert!(!CronExpression::parse("@hourly").unwrap().is_wall_clock());
        assert!(CronExpression::parse("@daily").unwrap().is_wall_clock());
    }

    #[test]
    fn wall_clock_means_the_hour_field_names_hours() {
        for (expression, wall_clock) in [
            ("30 2 * * *", true),
            ("0 9,17 * * 1-5", true),
            ("0 1-3 * * *", true),
            ("*/15 2 * * *", true),
            ("0 30 2 * * *", true),
            ("*/15 * * * *", false),
            ("0 * * * *", false),
            ("0 */2 * * *", false),
            ("0 1-5/2 * * *", false),
            ("* * * * * *", false),
        ] {
            assert_eq!(
                CronExpression::parse(expression).unwrap().is_wall_clock(),
                wall_clock,
                "{expression}"
            );
        }
    }

    #[test]
    fn invalid_expressions_are_refused_with_a_message() {
        let table: &[(&str, &str)] = &[
            ("", "empty"),
            ("   ", "empty"),
            ("* * * *", "has 4 fields"),
            ("0 0 1 1 * 2027 *", "has 7 fields"),
            ("0 0 1 1 * 2027", "not a valid cron expression"),
            ("60 * * * *", "not a valid cron expression"),
            ("0 24 * * *", "not a valid cron expression"),
            ("0 0 32 * *", "not a valid cron expression"),
            ("0 0 0 * *", "not a valid cron expression"),
            ("0 0 * 13 *", "not a valid cron expression"),
            ("0 0 * * 8", "not a valid cron expression"),
            ("0 0 * * 1#6", "not a valid cron expression"),
            ("hello world how are you", "not a valid cron expression"),
            ("*/0 * * * *", "not a valid cron expression"),
            ("@reboot", "not a known nickname"),
            ("@every 5m", "not a known nickname"),
            ("0 0 1 * +1", "combine with OR"),
            ("0 0 30 2 *", "never matches"),
        ];
        for (raw, expected) in table {
            match CronExpression::parse(raw) {
                Ok(_) => panic!("{raw:?} accepted"),
                Err(message) => assert!(message.contains(expected), "{raw:?}: {message}"),
            }
        }
    }
}
