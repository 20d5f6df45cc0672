//! What the delivery engine and the preview see: catch-up, bounds, misfires and the first
//! occurrence, for interval and cron schedules alike, by table.

use chrono::{DateTime, Utc};

use super::bounds::Bounds;
use super::catch_up::{after_finish, AfterFinish, MISFIRE_RECORD_LIMIT};
use super::cron::CronExpression;
use super::dst::DstPolicy;
use super::occurrence::MisfireReason;
use super::preview::{preview, PREVIEW_LIMIT};
use super::rule::Recurrence;
use super::task_schedule::TaskSchedule;
use super::zoned_cron::CronSchedule;
use crate::domain::duration::IsoDuration;
use crate::domain::schedule::next_occurrence;
use crate::domain::time::{format_instant, parse_timezone};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn cron(expression: &str, zone: &str, coalesce: bool, bounds: Bounds) -> TaskSchedule {
    TaskSchedule {
        recurrence: Recurrence::Cron(CronSchedule::new(
            CronExpression::parse(expression).unwrap(),
            parse_timezone(zone).unwrap(),
            DstPolicy::default(),
        )),
        bounds,
        coalesce,
        jitter: None,
    }
}

fn interval(secs: i64, coalesce: bool, bounds: Bounds) -> TaskSchedule {
    TaskSchedule {
        recurrence: Recurrence::Interval {
            every: IsoDuration::from_secs(secs),
            zone: chrono_tz::UTC,
        },
        bounds,
        coalesce,
        jitter: None,
    }
}

/// `next`, then each misfire as `instant reason`, then `truncated` when it was.
fn summary(outcome: &AfterFinish) -> Vec<String> {
    let next = outcome
        .next
        .map_or("end".to_owned(), |next| format_instant(&next.at));
    let mut lines = vec![format!("next {next}")];
    lines.extend(outcome.misfires.iter().map(|misfire| {
        let local = misfire
            .local
            .map(|local| format!(" {}", local.format("%Y-%m-%dT%H:%M:%S")))
            .unwrap_or_default();
        format!(
            "{} {}{local}",
            format_instant(&misfire.scheduled_at),
            misfire.reason.as_str()
        )
    }));
    if outcome.misfires_truncated {
        lines.push("truncated".to_owned());
    }
    lines
}

#[test]
fn intervals_without_a_backlog_keep_next_occurrence_results() {
    for coalesce in [true, false] {
        for (run_at, now) in [
            ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00.002Z"),
            ("2025-01-01T00:00:00Z", "2025-01-01T00:01:05Z"),
            ("2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z"),
            ("2025-01-01T00:00:00Z", "2025-01-01T00:16:40Z"),
        ] {
            let outcome = after_finish(
                &interval(10, coalesce, Bounds::default()),
                at(run_at),
                1,
                at(now),
            );
            let expected =
                next_occurrence(at(run_at), IsoDuration::from_secs(10), coalesce, at(now));
            assert_eq!(
                outcome.next.unwrap().at,
                expected,
                "{run_at} {now} coalesce={coalesce}"
            );
        }
    }
}

#[test]
fn catch_up_table() {
    let unbounded = Bounds::default();
    // (case, schedule, finished occurrence, runs finished, now, expected summary)
    type Case = (
        &'static str,
        TaskSchedule,
        &'static str,
        u64,
        &'static str,
        Vec<&'static str>,
    );
    let table: Vec<Case> = vec![
        (
            "interval, coalesced: one run stood for the missed slots",
            interval(10, true, unbounded),
            "2027-01-01T00:00:00Z",
            1,
            "2027-01-01T00:00:35Z",
            vec![
                "next 2027-01-01T00:00:40Z",
                "2027-01-01T00:00:10Z coalesced",
                "2027-01-01T00:00:20Z coalesced",
                "2027-01-01T00:00:30Z coalesced",
            ],
        ),
        (
            "interval, not coalesced, within the limit: run each in turn",
            interval(10, false, unbounded),
            "2027-01-01T00:00:00Z",
            1,
            "2027-01-01T00:00:35Z",
            vec!["next 2027-01-01T00:00:10Z"],
        ),
        (
            "cron, on time",
            cron("*/5 * * * *", "America/New_York", false, unbounded),
            "2027-01-01T00:00:00Z",
            1,
            "2027-01-01T00:00:01Z",
            vec!["next 2027-01-01T00:05:00Z"],
        ),
        (
            "cron, not coalesced, within the limit",
            cron("*/5 * * * *", "America/New_York", false, unbounded),
            "2027-01-01T00:00:00Z",
            1,
            "2027-01-01T00:22:00Z",
            vec!["next 2027-01-01T00:05:00Z"],
        ),
        (
            "cron, coalesced",
            cron("*/5 * * * *", "America/New_York", true, unbounded),
            "2027-01-01T00:00:00Z",
            1,
            "2027-01-01T00:22:00Z",
            vec![
                "next 2027-01-01T00:25:00Z",
                "2027-01-01T00:05:00Z coalesced",
                "2027-01-01T00:10:00Z coalesced",
                "2027-01-01T00:15:00Z coalesced",
                "2027-01-01T00:20:00Z coalesced",
            ],
        ),
        (
            "max_runs reached: the task ends, nothing is ledgered",
            cron(
                "*/5 * * * *",
                "UTC",
                true,
                Bounds {
                    end_at: None,
                    max_runs: Some(3),
                },
            ),
            "2027-01-01T00:00:00Z",
            3,
            "2027-01-01T00:22:00Z",
            vec!["next end"],
        ),
        (
            "max_runs not yet reached",
            cron(
                "*/5 * * * *",
                "UTC",
                true,
                Bounds {
                    end_at: None,
                    max_runs: Some(3),
                },
            ),
            "2027-01-01T00:00:00Z",
            2,
            "2027-01-01T00:01:00Z",
            vec!["next 2027-01-01T00:05:00Z"],
        ),
        (
            "end_at: nothing after it, and nothing after it is a misfire",
            cron(
                "*/5 * * * *",
                "UTC",
                true,
                Bounds {
                    end_at: Some(at("2027-01-01T00:12:00Z")),
                    max_runs: None,
                },
            ),
            "2027-01-01T00:00:00Z",
            1,
            "2027-01-01T00:22:00Z",
            vec![
                "next end",
                "2027-01-01T00:05:00Z coalesced",
                "2027-01-01T00:10:00Z coalesced",
            ],
        ),
        (
            "end_at is inclusive",
            interval(
                300,
                false,
                Bounds {
                    end_at: Some(at("2027-01-01T00:05:00Z")),
                    max_runs: None,
                },
            ),
            "2027-01-01T00:00:00Z",
            1,
            "2027-01-01T00:00:01Z",
            vec!["next 2027-01-01T00:05:00Z"],
        ),
        (
            "a skipped DST-gap time goes to the ledger as it is passed",
            cron("30 2 * * *", "America/New_York", false, unbounded),
            "2027-03-13T07:30:00Z",
            1,
            "2027-03-13T07:30:01Z",
            vec![
                "next 2027-03-15T06:30:00Z",
                "2027-03-14T07:00:00Z dst_gap 2027-03-14T02:30:00",
            ],
        ),
    ];
    for (case, schedule, finished, runs, now, expected) in table {
        let outcome = after_finish(&schedule, at(finished), runs, at(now));
        assert_eq!(summary(&outcome), expected, "{case}");
    }
}

#[test]
fn beyond_the_catch_up_limit_the_newest_hundred_run_and_the_rest_are_ledgered() {
    // 250 missed (every second for 250 s): slots 151..=250 run, 1..=150 are ledgered.
    for schedule in [
        interval(1, false, Bounds::default()),
        cron("* * * * * *", "Europe/London", false, Bounds::default()),
    ] {
        let outcome = after_finish(
            &schedule,
            at("2027-01-01T00:00:00Z"),
            1,
            at("2027-01-01T00:04:10.5Z"),
        );
        assert_eq!(
            format_instant(&outcome.next.unwrap().at),
            "2027-01-01T00:02:31Z"
        );
        assert_eq!(outcome.misfires.len(), 150);
        assert!(!outcome.misfires_truncated);
        assert!(outcome
            .misfires
            .iter()
            .all(|m| m.reason == MisfireReason::CatchupLimit));
        assert_eq!(
            format_instant(&outcome.misfires[0].scheduled_at),
            "2027-01-01T00:00:01Z"
        );
        assert_eq!(
            format_instant(&outcome.misfires[149].scheduled_at),
            "2027-01-01T00:02:30Z"
        );
        // The next finish is 100 behind at most: nothing more is dropped.
        let later = after_finish(
            &schedule,
            at("2027-01-01T00:02:31Z"),
            2,
            at("2027-01-01T00:04:10.6Z"),
        );
        assert_eq!(summary(&later), ["next 2027-01-01T00:02:32Z"]);
    }
}

#[test]
fn a_week_long_pause_of_an_every_second_cron_stays_cheap_and_bounded() {
    let finished = at("2027-01-01T00:00:00Z");
    let now = at("2027-01-08T00:00:00Z");
    let schedule = cron("* * * * * *", "America/New_York", true, Bounds::default());
    let outcome = after_finish(&schedule, finished, 1, now);
    assert_eq!(
        format_instant(&outcome.next.unwrap().at),
        "2027-01-08T00:00:01Z"
    );
    assert_eq!(outcome.misfires.len(), MISFIRE_RECORD_LIMIT);
    assert!(outcome.misfires_truncated);

    let schedule = cron("* * * * * *", "America/New_York", false, Bounds::default());
    let outcome = after_finish(&schedule, finished, 1, now);
    assert_eq!(
        format_instant(&outcome.next.unwrap().at),
        "2027-01-07T23:58:21Z"
    );
    assert_eq!(outcome.misfires.len(), MISFIRE_RECORD_LIMIT);
    assert!(outcome.misfires_truncated);
}

#[test]
fn the_first_occurrence_is_at_or_after_start() {
    let table = [
        (
            "*/5 * * * *",
            "2027-01-01T00:05:00Z",
            "2027-01-01T00:05:00Z",
        ),
        (
            "*/5 * * * *",
            "2027-01-01T00:05:00.000001Z",
            "2027-01-01T00:10:00Z",
        ),
        (
            "*/5 * * * *",
            "2027-01-01T00:04:59.999999Z",
            "2027-01-01T00:05:00Z",
        ),
        ("0 0 13 * 5", "2027-01-09T00:00:00Z", "2027-01-13T00:00:00Z"),
    ];
    for (expression, start, expected) in table {
        let schedule = cron(expression, "UTC", true, Bounds::default());
        let first = schedule.recurrence.first_at_or_after(at(start)).unwrap();
        assert_eq!(
            format_instant(&first.occurrence.at),
            expected,
            "{expression} from {start}"
        );
    }
    let every = interval(10, true, Bounds::default());
    let first = every
        .recurrence
        .first_at_or_after(at("2027-01-01T00:00:00.5Z"))
        .unwrap();
    assert_eq!(
        format_instant(&first.occurrence.at),
        "2027-01-01T00:00:00.500Z"
    );
}

#[test]
fn preview_respects_count_end_at_and_max_runs() {
    let from = at("2027-01-01T00:00:00Z");
    let list = |schedule: &TaskSchedule, count: usize, runs: u64| -> Vec<String> {
        preview(schedule, from, count, runs)
            .occurrences
            .iter()
            .map(|o| format!("{} {}", format_instant(&o.at), o.local_rfc3339()))
            .collect()
    };
    let every_minute = cron("* * * * *", "Asia/Kathmandu", true, Bounds::default());
    assert_eq!(
        list(&every_minute, 2, 0),
        [
            "2027-01-01T00:00:00Z 2027-01-01T05:45:00+05:45",
            "2027-01-01T00:01:00Z 2027-01-01T05:46:00+05:45"
        ]
    );
    assert_eq!(list(&every_minute, 5_000, 0).len(), PREVIEW_LIMIT);
    let bounded = cron(
        "* * * * *",
        "UTC",
        true,
        Bounds {
            end_at: Some(at("2027-01-01T00:10:00Z")),
            max_runs: Some(5),
        },
    );
    assert_eq!(list(&bounded, 100, 3).len(), 2);
    assert_eq!(list(&bounded, 100, 0).len(), 5);
    let until_end = cron(
        "*/4 * * * *",
        "UTC",
        true,
        Bounds {
            end_at: Some(at("2027-01-01T00:10:00Z")),
            max_runs: None,
        },
    );
    assert_eq!(
        list(&until_end, 100, 0),
        [
            "2027-01-01T00:00:00Z 2027-01-01T00:00:00+00:00",
            "2027-01-01T00:04:00Z 2027-01-01T00:04:00+00:00",
            "2027-01-01T00:08:00Z 2027-01-01T00:08:00+00:00",
        ]
    );
    let every_ninety = interval(90, true, Bounds::default());
    assert_eq!(
        list(&every_ninety, 3, 0),
        [
            "2027-01-01T00:00:00Z 2027-01-01T00:00:00+00:00",
            "2027-01-01T00:01:30Z 2027-01-01T00:01:30+00:00",
            "2027-01-01T00:03:00Z 2027-01-01T00:03:00+00:00",
        ]
    );
}

#[test]
fn an_every_second_cron_fires_at_whole_seconds() {
    let schedule = cron("* * * * * *", "UTC", false, Bounds::default());
    let shown = preview(&schedule, at("2027-01-01T00:00:00.25Z"), 3, 0);
    let instants: Vec<String> = shown
        .occurrences
        .iter()
        .map(|o| format_instant(&o.at))
        .collect();
    assert_eq!(
        instants,
        [
            "2027-01-01T00:00:01Z",
            "2027-01-01T00:00:02Z",
            "2027-01-01T00:00:03Z"
        ]
    );
    // Finishing late within a second never skips the next whole second.
    let outcome = after_finish(
        &schedule,
        at("2027-01-01T00:00:01Z"),
        1,
        at("2027-01-01T00:00:01.7Z"),
    );
    assert_eq!(summary(&outcome), ["next 2027-01-01T00:00:02Z"]);
}
