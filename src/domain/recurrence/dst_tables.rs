//! The DST specification by example: table tests over real zones, each expected instant
//! checked independently with Python's `zoneinfo` (fold=0/1 and round trips) before it
//! was written here. Each row previews a schedule from an instant and lists
//! `at local dst` per occurrence, plus the skipped local times.

use chrono::{DateTime, Utc};

use super::bounds::Bounds;
use super::cron::CronExpression;
use super::dst::{DstPolicy, GapPolicy, OverlapPolicy};
use super::occurrence::DstFlag;
use super::preview::preview;
use super::rule::Recurrence;
use super::task_schedule::TaskSchedule;
use super::zoned_cron::CronSchedule;
use crate::domain::time::{format_instant, parse_timezone};

const SKIP_ONCE: DstPolicy = DstPolicy {
    gap: GapPolicy::Skip,
    overlap: OverlapPolicy::Once,
};
const SHIFT_BOTH: DstPolicy = DstPolicy {
    gap: GapPolicy::Shift,
    overlap: OverlapPolicy::Both,
};

struct Row {
    zone: &'static str,
    cron: &'static str,
    dst: DstPolicy,
    from: &'static str,
    occurrences: &'static [&'static str],
    skipped: &'static [&'static str],
}

fn schedule(zone: &str, cron: &str, dst: DstPolicy) -> TaskSchedule {
    TaskSchedule {
        recurrence: Recurrence::Cron(CronSchedule::new(
            CronExpression::parse(cron).unwrap(),
            parse_timezone(zone).unwrap(),
            dst,
        )),
        bounds: Bounds::default(),
        coalesce: true,
        jitter: None,
    }
}

fn check(rows: &[Row]) {
    for row in rows {
        let from: DateTime<Utc> = row.from.parse().unwrap();
        let shown = preview(
            &schedule(row.zone, row.cron, row.dst),
            from,
            row.occurrences.len(),
            0,
        );
        let occurrences: Vec<String> = shown
            .occurrences
            .iter()
            .map(|o| {
                let dst = match o.dst {
                    None => "-",
                    Some(DstFlag::GapShifted) => "gap_shifted",
                    Some(DstFlag::OverlapFirst) => "overlap_first",
                    Some(DstFlag::OverlapSecond) => "overlap_second",
                };
                format!("{} {} {dst}", format_instant(&o.at), o.local_rfc3339())
            })
            .collect();
        let skipped: Vec<String> = shown
            .skipped
            .iter()
            .map(|s| s.local.format("%Y-%m-%dT%H:%M:%S").to_string())
            .collect();
        let context = format!(
            "{} {:?} in {} from {}",
            row.cron, row.dst, row.zone, row.from
        );
        assert_eq!(occurrences, row.occurrences, "occurrences of {context}");
        assert_eq!(skipped, row.skipped, "skipped of {context}");
    }
}

#[test]
fn new_york_2027_the_specification_by_example() {
    check(&[
        // Spring forward, 2027-03-14 02:00 EST → 03:00 EDT (07:00Z): 02:30 does not exist.
        Row {
            zone: "America/New_York",
            cron: "30 2 * * *",
            dst: SKIP_ONCE,
            from: "2027-03-13T00:00:00Z",
            occurrences: &[
                "2027-03-13T07:30:00Z 2027-03-13T02:30:00-05:00 -",
                "2027-03-15T06:30:00Z 2027-03-15T02:30:00-04:00 -",
            ],
            skipped: &["2027-03-14T02:30:00"],
        },
        Row {
            zone: "America/New_York",
            cron: "30 2 * * *",
            dst: DstPolicy {
                gap: GapPolicy::Shift,
                overlap: OverlapPolicy::Once,
            },
            from: "2027-03-13T00:00:00Z",
            occurrences: &[
                "2027-03-13T07:30:00Z 2027-03-13T02:30:00-05:00 -",
                "2027-03-14T07:00:00Z 2027-03-14T03:00:00-04:00 gap_shifted",
                "2027-03-15T06:30:00Z 2027-03-15T02:30:00-04:00 -",
            ],
            skipped: &[],
        },
        // Fall back, 2027-11-07 02:00 EDT → 01:00 EST (06:00Z): 01:30 occurs twice.
        Row {
            zone: "America/New_York",
            cron: "30 1 * * *",
            dst: SKIP_ONCE,
            from: "2027-11-06T00:00:00Z",
            occurrences: &[
                "2027-11-06T05:30:00Z 2027-11-06T01:30:00-04:00 -",
                "2027-11-07T05:30:00Z 2027-11-07T01:30:00-04:00 overlap_first",
                "2027-11-08T06:30:00Z 2027-11-08T01:30:00-05:00 -",
            ],
            skipped: &[],
        },
        Row {
            zone: "America/New_York",
            cron: "30 1 * * *",
            dst: SHIFT_BOTH,
            from: "2027-11-06T00:00:00Z",
            occurrences: &[
                "2027-11-06T05:30:00Z 2027-11-06T01:30:00-04:00 -",
                "2027-11-07T05:30:00Z 2027-11-07T01:30:00-04:00 overlap_first",
                "2027-11-07T06:30:00Z 2027-11-07T01:30:00-05:00 overlap_second",
                "2027-11-08T06:30:00Z 2027-11-08T01:30:00-05:00 -",
            ],
            skipped: &[],
        },
    ]);
}

#[test]
fn rhythms_keep_elapsed_time_through_gaps_and_overlaps_whatever_the_policy() {
    for dst in [SKIP_ONCE, SHIFT_BOTH] {
        check(&[
            Row {
                zone: "America/New_York",
                cron: "*/15 * * * *",
                dst,
                from: "2027-03-14T06:30:00Z",
                occurrences: &[
                    "2027-03-14T06:30:00Z 2027-03-14T01:30:00-05:00 -",
                    "2027-03-14T06:45:00Z 2027-03-14T01:45:00-05:00 -",
                    "2027-03-14T07:00:00Z 2027-03-14T03:00:00-04:00 -",
                    "2027-03-14T07:15:00Z 2027-03-14T03:15:00-04:00 -",
                ],
                skipped: &[],
            },
            Row {
                zone: "America/New_York",
                cron: "*/15 * * * *",
                dst,
                from: "2027-11-07T05:30:00Z",
                occurrences: &[
                    "2027-11-07T05:30:00Z 2027-11-07T01:30:00-04:00 overlap_first",
                    "2027-11-07T05:45:00Z 2027-11-07T01:45:00-04:00 overlap_first",
                    "2027-11-07T06:00:00Z 2027-11-07T01:00:00-05:00 overlap_second",
                    "2027-11-07T06:15:00Z 2027-11-07T01:15:00-05:00 overlap_second",
                    "2027-11-07T06:30:00Z 2027-11-07T01:30:00-05:00 overlap_second",
                    "2027-11-07T06:45:00Z 2027-11-07T01:45:00-05:00 overlap_second",
                    "2027-11-07T07:00:00Z 2027-11-07T02:00:00-05:00 -",
                ],
                skipped: &[],
            },
            // The fall-back night has both 01:00 EDT and 01:00 EST.
            Row {
                zone: "America/New_York",
                cron: "0 * * * *",
                dst,
                from: "2027-11-07T04:00:00Z",
                occurrences: &[
                    "2027-11-07T04:00:00Z 2027-11-07T00:00:00-04:00 -",
                    "2027-11-07T05:00:00Z 2027-11-07T01:00:00-04:00 overlap_first",
                    "2027-11-07T06:00:00Z 2027-11-07T01:00:00-05:00 overlap_second",
                    "2027-11-07T07:00:00Z 2027-11-07T02:00:00-05:00 -",
                ],
                skipped: &[],
            },
            Row {
                zone: "America/New_York",
                cron: "0 * * * *",
                dst,
                from: "2027-03-14T05:00:00Z",
                occurrences: &[
                    "2027-03-14T05:00:00Z 2027-03-14T00:00:00-05:00 -",
                    "2027-03-14T06:00:00Z 2027-03-14T01:00:00-05:00 -",
                    "2027-03-14T07:00:00Z 2027-03-14T03:00:00-04:00 -",
                ],
                skipped: &[],
            },
        ]);
    }
}

#[test]
fn europe_london() {
    // 2027-03-28 01:00 GMT → 02:00 BST (01:00Z); 2027-10-31 02:00 BST → 01:00 GMT (01:00Z).
    check(&[
        Row {
            zone: "Europe/London",
            cron: "30 1 * * *",
            dst: SKIP_ONCE,
            from: "2027-03-27T12:00:00Z",
            occurrences: &["2027-03-29T00:30:00Z 2027-03-29T01:30:00+01:00 -"],
            skipped: &["2027-03-28T01:30:00"],
        },
        Row {
            zone: "Europe/London",
            cron: "30 1 * * *",
            dst: SHIFT_BOTH,
            from: "2027-03-27T12:00:00Z",
            occurrences: &["2027-03-28T01:00:00Z 2027-03-28T02:00:00+01:00 gap_shifted"],
            skipped: &[],
        },
        Row {
            zone: "Europe/London",
            cron: "30 1 * * *",
            dst: SKIP_ONCE,
            from: "2027-10-30T12:00:00Z",
            occurrences: &[
                "2027-10-31T00:30:00Z 2027-10-31T01:30:00+01:00 overlap_first",
                "2027-11-01T01:30:00Z 2027-11-01T01:30:00+00:00 -",
            ],
            skipped: &[],
        },
        Row {
            zone: "Europe/London",
            cron: "30 1 * * *",
            dst: SHIFT_BOTH,
            from: "2027-10-30T12:00:00Z",
            occurrences: &[
                "2027-10-31T00:30:00Z 2027-10-31T01:30:00+01:00 overlap_first",
                "2027-10-31T01:30:00Z 2027-10-31T01:30:00+00:00 overlap_second",
            ],
            skipped: &[],
        },
    ]);
}

#[test]
fn australia_sydney_southern_hemisphere() {
    // Gap in October: 2027-10-03 02:00 AEST → 03:00 AEDT (2027-10-02T16:00Z).
    // Overlap in April: 2027-04-04 03:00 AEDT → 02:00 AEST (2027-04-03T16:00Z).
    check(&[
        Row {
            zone: "Australia/Sydney",
            cron: "30 2 * * *",
            dst: SKIP_ONCE,
            from: "2027-10-01T12:00:00Z",
            occurrences: &[
                "2027-10-01T16:30:00Z 2027-10-02T02:30:00+10:00 -",
                "2027-10-03T15:30:00Z 2027-10-04T02:30:00+11:00 -",
            ],
            skipped: &["2027-10-03T02:30:00"],
        },
        Row {
            zone: "Australia/Sydney",
            cron: "30 2 * * *",
            dst: SHIFT_BOTH,
            from: "2027-10-02T12:00:00Z",
            occurrences: &["2027-10-02T16:00:00Z 2027-10-03T03:00:00+11:00 gap_shifted"],
            skipped: &[],
        },
        Row {
            zone: "Australia/Sydney",
            cron: "30 2 * * *",
            dst: SKIP_ONCE,
            from: "2027-04-03T12:00:00Z",
            occurrences: &[
                "2027-04-03T15:30:00Z 2027-04-04T02:30:00+11:00 overlap_first",
                "2027-04-04T16:30:00Z 2027-04-05T02:30:00+10:00 -",
            ],
            skipped: &[],
        },
        Row {
            zone: "Australia/Sydney",
            cron: "30 2 * * *",
            dst: SHIFT_BOTH,
            from: "2027-04-03T12:00:00Z",
            occurrences: &[
                "2027-04-03T15:30:00Z 2027-04-04T02:30:00+11:00 overlap_first",
                "2027-04-03T16:30:00Z 2027-04-04T02:30:00+10:00 overlap_second",
            ],
            skipped: &[],
        },
    ]);
}

#[test]
fn australia_lord_howe_thirty_minute_shift() {
    // Gap: 2027-10-03 02:00 → 02:30 (+10:30 → +11, at 2027-10-02T15:30Z).
    // Overlap: 2027-04-04 02:00 → 01:30 (+11 → +10:30, at 2027-04-03T15:00Z).
    check(&[
        Row {
            zone: "Australia/Lord_Howe",
            cron: "15 2 * * *",
            dst: SKIP_ONCE,
            from: "2027-10-02T12:00:00Z",
            occurrences: &["2027-10-03T15:15:00Z 2027-10-04T02:15:00+11:00 -"],
            skipped: &["2027-10-03T02:15:00"],
        },
        Row {
            zone: "Australia/Lord_Howe",
            cron: "15 2 * * *",
            dst: SHIFT_BOTH,
            from: "2027-10-02T12:00:00Z",
            occurrences: &["2027-10-02T15:30:00Z 2027-10-03T02:30:00+11:00 gap_shifted"],
            skipped: &[],
        },
        Row {
            zone: "Australia/Lord_Howe",
            cron: "45 1 * * *",
            dst: SHIFT_BOTH,
            from: "2027-04-03T12:00:00Z",
            occurrences: &[
                "2027-04-03T14:45:00Z 2027-04-04T01:45:00+11:00 overlap_first",
                "2027-04-03T15:15:00Z 2027-04-04T01:45:00+10:30 overlap_second",
                "2027-04-04T15:15:00Z 2027-04-05T01:45:00+10:30 -",
            ],
            skipped: &[],
        },
        // 01:15 is before the repeated half hour: it happens once.
        Row {
            zone: "Australia/Lord_Howe",
            cron: "15 1 * * *",
            dst: SHIFT_BOTH,
            from: "2027-04-03T12:00:00Z",
            occurrences: &["2027-04-03T14:15:00Z 2027-04-04T01:15:00+11:00 -"],
            skipped: &[],
        },
    ]);
}

#[test]
fn asia_kathmandu_quarter_hour_offset_without_dst() {
    check(&[Row {
        zone: "Asia/Kathmandu",
        cron: "0 9 * * *",
        dst: SHIFT_BOTH,
        from: "2027-03-13T00:00:00Z",
        occurrences: &[
            "2027-03-13T03:15:00Z 2027-03-13T09:00:00+05:45 -",
            "2027-03-14T03:15:00Z 2027-03-14T09:00:00+05:45 -",
            "2027-03-15T03:15:00Z 2027-03-15T09:00:00+05:45 -",
        ],
        skipped: &[],
    }]);
}

#[test]
fn sao_paulo_follows_the_data_before_and_after_abolishing_dst_in_2019() {
    check(&[
        // 2018-11-04 00:00 → 01:00 (-03 → -02, at 03:00Z): midnight-thirty did not exist.
        Row {
            zone: "America/Sao_Paulo",
            cron: "30 0 * * *",
            dst: SKIP_ONCE,
            from: "2018-11-03T00:00:00Z",
            occurrences: &[
                "2018-11-03T03:30:00Z 2018-11-03T00:30:00-03:00 -",
                "2018-11-05T02:30:00Z 2018-11-05T00:30:00-02:00 -",
            ],
            skipped: &["2018-11-04T00:30:00"],
        },
        Row {
            zone: "America/Sao_Paulo",
            cron: "30 0 * * *",
            dst: SHIFT_BOTH,
            from: "2018-11-03T12:00:00Z",
            occurrences: &["2018-11-04T03:00:00Z 2018-11-04T01:00:00-02:00 gap_shifted"],
            skipped: &[],
        },
        // The last fall-back, 2019-02-17 00:00 → 2019-02-16 23:00 (at 02:00Z).
        Row {
            zone: "America/Sao_Paulo",
            cron: "30 23 * * *",
            dst: SHIFT_BOTH,
            from: "2019-02-16T12:00:00Z",
            occurrences: &[
                "2019-02-17T01:30:00Z 2019-02-16T23:30:00-02:00 overlap_first",
                "2019-02-17T02:30:00Z 2019-02-16T23:30:00-03:00 overlap_second",
                "2019-02-18T02:30:00Z 2019-02-17T23:30:00-03:00 -",
            ],
            skipped: &[],
        },
        // Since then, the same days of the year are plain.
        Row {
            zone: "America/Sao_Paulo",
            cron: "30 0 * * *",
            dst: SKIP_ONCE,
            from: "2027-11-06T00:00:00Z",
            occurrences: &[
                "2027-11-06T03:30:00Z 2027-11-06T00:30:00-03:00 -",
                "2027-11-07T03:30:00Z 2027-11-07T00:30:00-03:00 -",
                "2027-11-08T03:30:00Z 2027-11-08T00:30:00-03:00 -",
            ],
            skipped: &[],
        },
    ]);
}

#[test]
fn utc_is_the_default_reading_and_has_no_dst() {
    check(&[Row {
        zone: "UTC",
        cron: "30 2 * * *",
        dst: SKIP_ONCE,
        from: "2027-03-14T00:00:00Z",
        occurrences: &["2027-03-14T02:30:00Z 2027-03-14T02:30:00+00:00 -"],
        skipped: &[],
    }]);
}

#[test]
fn shifted_times_of_one_gap_run_once() {
    // 02:00, 02:15, 02:30 and 02:45 all fall in the gap: one run at 03:00 EDT.
    check(&[Row {
        zone: "America/New_York",
        cron: "*/15 2 * * *",
        dst: SHIFT_BOTH,
        from: "2027-03-14T00:00:00Z",
        occurrences: &[
            "2027-03-14T07:00:00Z 2027-03-14T03:00:00-04:00 gap_shifted",
            "2027-03-15T06:00:00Z 2027-03-15T02:00:00-04:00 -",
        ],
        skipped: &[],
    }]);
}

#[test]
fn next_after_any_instant_agrees_with_the_walk() {
    // Starting anywhere inside an overlap (both passes) gives the walk's next occurrence.
    let rhythm = schedule("America/New_York", "*/15 * * * *", SKIP_ONCE);
    let Recurrence::Cron(cron) = &rhythm.recurrence else {
        unreachable!()
    };
    for (after, expected) in [
        ("2027-11-07T05:50:00Z", "2027-11-07T06:00:00Z"),
        ("2027-11-07T05:59:59.999999Z", "2027-11-07T06:00:00Z"),
        ("2027-11-07T06:00:00Z", "2027-11-07T06:15:00Z"),
        ("2027-11-07T06:10:00Z", "2027-11-07T06:15:00Z"),
        ("2027-11-07T06:59:00Z", "2027-11-07T07:00:00Z"),
        ("2027-03-14T06:59:59Z", "2027-03-14T07:00:00Z"),
    ] {
        let after: DateTime<Utc> = after.parse().unwrap();
        let next = cron.next_after(after).unwrap().occurrence.at;
        assert_eq!(format_instant(&next), expected, "after {after}");
    }
    // A wall-clock `once` schedule asked from the second pass waits for the next day.
    let once = schedule("America/New_York", "30 1 * * *", SKIP_ONCE);
    let Recurrence::Cron(cron) = &once.recurrence else {
        unreachable!()
    };
    let next = cron
        .next_after("2027-11-07T06:10:00Z".parse().unwrap())
        .unwrap();
    assert_eq!(format_instant(&next.occurrence.at), "2027-11-08T06:30:00Z");
}
