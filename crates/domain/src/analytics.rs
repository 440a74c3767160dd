//! The review-cycle numbers of DESIGN.md ("The numbers"), as plain functions of a deliverable's
//! records: lead time, brief to approval, rounds, time in each stage, waiting time per person,
//! on time, stalled; and a campaign's sums over its deliverables. Every duration is given in
//! wall seconds and in business seconds (the calendar's working hours only). The caller reads
//! the records; nothing here touches the store or the clock (`now` is a parameter).
//!
//! Where DESIGN.md leaves a choice open, the rule taken is stated on the item:
//! - percentiles are nearest-rank (the ⌈p·n⌉-th smallest), so a median is always one of the
//!   values, never an average of two;
//! - `on_time` compares with the deliverable's own due time, else the due time of the run that
//!   approved it; with neither it is unknown;
//! - waiting time starts when a person was asked (a backup: when the backup was asked) and ends
//!   at their seat's decision (whoever filled it), else the run's end, else `now`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::calendar::Calendar;

/// A duration in wall seconds and in business seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Span {
    pub wall_secs: i64,
    pub business_secs: i64,
}

impl Span {
    /// From `from_ms` to `to_ms` (zero when `to_ms` is not after `from_ms`).
    pub fn between(cal: &Calendar, from_ms: i64, to_ms: i64) -> Span {
        if to_ms <= from_ms {
            return Span::default();
        }
        Span { wall_secs: (to_ms - from_ms) / 1000, business_secs: cal.business_ms(from_ms, to_ms) / 1000 }
    }

    fn add(&mut self, o: Span) {
        self.wall_secs += o.wall_secs;
        self.business_secs += o.business_secs;
    }
}

/// One seat of a stage run: who was asked, and when they (or their backup) decided.
#[derive(Clone, Debug)]
pub struct SeatFacts {
    /// The person's key (a user id or a guest's e-mail) and name.
    pub person: (String, String),
    pub asked_at: i64,
    pub decided_at: Option<i64>,
    /// The backup, once asked: key, name, when.
    pub backup: Option<(String, String, i64)>,
}

/// One stage run of a deliverable.
#[derive(Clone, Debug)]
pub struct RunFacts {
    pub stage: String,
    pub entered_at: i64,
    pub due_at: i64,
    pub exited_at: Option<i64>,
    pub outcome: Option<String>,
    pub seats: Vec<SeatFacts>,
    /// Checklist items still open (for a stall).
    pub open_items: Vec<String>,
}

/// What the numbers of one deliverable are computed from.
#[derive(Clone, Debug)]
pub struct DeliverableFacts {
    /// When v1 was created.
    pub first_upload_at: Option<i64>,
    /// Its final lock (none until approved).
    pub approved_at: Option<i64>,
    /// `submitted_at` of the brief revision in force at the first upload.
    pub brief_submitted_at: Option<i64>,
    /// Versions up to and including the approved one (all of them while not approved).
    pub versions: i64,
    /// The deliverable's own due time.
    pub due_at: Option<i64>,
    /// Its stage runs, in order.
    pub runs: Vec<RunFacts>,
}

/// A stall: the open run is past due, or has waited longer than half its duration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stall {
    pub stage: String,
    /// When the run was entered.
    pub since: i64,
    /// Past its due time (else: more than half its business duration gone).
    pub overdue: bool,
    /// Names of who it waits on.
    pub waiting_on: Vec<String>,
    pub open_items: Vec<String>,
}

/// Time a person kept a deliverable waiting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Waited {
    pub key: String,
    pub name: String,
    pub span: Span,
}

/// The numbers of one deliverable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeliverableNumbers {
    pub lead_time: Option<Span>,
    pub brief_to_approval: Option<Span>,
    pub rounds: i64,
    /// By stage name, in the order the stages were first entered.
    pub time_in_stage: Vec<(String, Span)>,
    /// By person, most waiting first.
    pub waiting_on: Vec<Waited>,
    pub on_time: Option<bool>,
    pub stalled: Option<Stall>,
}

/// Computes a deliverable's numbers at `now`.
pub fn deliverable(cal: &Calendar, f: &DeliverableFacts, now: i64) -> DeliverableNumbers {
    let lead_time = match (f.first_upload_at, f.approved_at) {
        (Some(a), Some(b)) => Some(Span::between(cal, a, b)),
        _ => None,
    };
    let brief_to_approval = match (f.brief_submitted_at, f.approved_at) {
        (Some(a), Some(b)) => Some(Span::between(cal, a, b)),
        _ => None,
    };
    let mut time_in_stage: Vec<(String, Span)> = Vec::new();
    let mut waiting: BTreeMap<String, Waited> = BTreeMap::new();
    for r in &f.runs {
        let span = Span::between(cal, r.entered_at, r.exited_at.unwrap_or(now));
        match time_in_stage.iter_mut().find(|(s, _)| *s == r.stage) {
            Some((_, t)) => t.add(span),
            None => time_in_stage.push((r.stage.clone(), span)),
        }
        let end = |seat: &SeatFacts| seat.decided_at.or(r.exited_at).unwrap_or(now);
        for s in &r.seats {
            let mut people = vec![(&s.person.0, &s.person.1, s.asked_at)];
            if let Some((k, n, at)) = &s.backup {
                people.push((k, n, *at));
            }
            for (key, name, asked) in people {
                let w = waiting.entry(key.clone()).or_insert_with(|| Waited {
                    key: key.clone(),
                    name: name.clone(),
                    span: Span::default(),
                });
                w.span.add(Span::between(cal, asked, end(s)));
            }
        }
    }
    let mut waiting_on: Vec<Waited> = waiting.into_values().collect();
    waiting_on.sort_by(|a, b| b.span.business_secs.cmp(&a.span.business_secs).then(a.key.cmp(&b.key)));
    let approving_due = f
        .approved_at
        .and_then(|at| f.runs.iter().rev().find(|r| r.exited_at.is_some_and(|e| e <= at)).map(|r| r.due_at));
    let on_time = match (f.approved_at, f.due_at.or(approving_due)) {
        (Some(a), Some(d)) => Some(a <= d),
        _ => None,
    };
    let stalled = f.runs.iter().rev().find(|r| r.exited_at.is_none()).and_then(|r| {
        let overdue = now > r.due_at;
        let duration = cal.business_ms(r.entered_at, r.due_at);
        let gone = cal.business_ms(r.entered_at, now);
        (overdue || gone * 2 > duration).then(|| Stall {
            stage: r.stage.clone(),
            since: r.entered_at,
            overdue,
            waiting_on: r
                .seats
                .iter()
                .filter(|s| s.decided_at.is_none())
                .flat_map(|s| std::iter::once(s.person.1.clone()).chain(s.backup.iter().map(|b| b.1.clone())))
                .collect(),
            open_items: r.open_items.clone(),
        })
    });
    DeliverableNumbers { lead_time, brief_to_approval, rounds: f.versions, time_in_stage, waiting_on, on_time, stalled }
}

/// The ⌈p·n⌉-th smallest of `values` (p in 0..=100); none for no values.
pub fn percentile(values: &[i64], p: u32) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    if v.is_empty() {
        return None;
    }
    let n = v.len();
    let rank = (usize::try_from(p).unwrap_or(100) * n).div_ceil(100).clamp(1, n);
    Some(v[rank - 1])
}

/// Time in each stage summed over deliverables, in the order the stages were first seen.
pub fn stage_totals<'a>(items: impl IntoIterator<Item = &'a DeliverableNumbers>) -> Vec<(String, Span)> {
    let mut out: Vec<(String, Span)> = Vec::new();
    for n in items {
        for (s, span) in &n.time_in_stage {
            match out.iter_mut().find(|(x, _)| x == s) {
                Some((_, t)) => t.add(*span),
                None => out.push((s.clone(), *span)),
            }
        }
    }
    out
}

/// Waiting time per person summed over deliverables, with how many deliverables each kept
/// waiting; by key.
pub fn waiting_totals<'a>(items: impl IntoIterator<Item = &'a DeliverableNumbers>) -> Vec<(Waited, usize)> {
    let mut people: BTreeMap<String, (Waited, usize)> = BTreeMap::new();
    for n in items {
        for w in &n.waiting_on {
            let e = people
                .entry(w.key.clone())
                .or_insert_with(|| (Waited { key: w.key.clone(), name: w.name.clone(), span: Span::default() }, 0));
            e.0.span.add(w.span);
            e.1 += 1;
        }
    }
    people.into_values().collect()
}

/// A campaign's deliverable, as the campaign's sums see it.
#[derive(Clone, Debug)]
pub struct CampaignItem {
    /// The stage it is in now (none: delivered).
    pub stage: Option<String>,
    pub overdue: bool,
    pub numbers: DeliverableNumbers,
    pub comments: i64,
    pub anchored_comments: i64,
}

/// A campaign's sums over its deliverables.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CampaignNumbers {
    pub deliverables: usize,
    /// How many are in each stage now, in the order first seen.
    pub by_stage: Vec<(String, usize)>,
    pub approved: usize,
    pub overdue: usize,
    /// Of the approved ones.
    pub lead_time_median: Option<Span>,
    pub lead_time_p90: Option<Span>,
    pub rounds_median: Option<i64>,
    pub rounds_p90: Option<i64>,
    /// The stage with the largest share of elapsed (business) time, and that share.
    pub bottleneck_stage: Option<(String, f64)>,
    /// The person with the most (business) waiting time.
    pub bottleneck_reviewer: Option<Waited>,
    pub comments_per_round: Option<f64>,
    /// Share of comments anchored to a frame, range, page or point.
    pub anchored_share: Option<f64>,
}

fn spans_at(values: &[Span], p: u32) -> Option<Span> {
    let wall: Vec<i64> = values.iter().map(|s| s.wall_secs).collect();
    let business: Vec<i64> = values.iter().map(|s| s.business_secs).collect();
    Some(Span { wall_secs: percentile(&wall, p)?, business_secs: percentile(&business, p)? })
}

/// Adds up a campaign.
pub fn campaign(items: &[CampaignItem]) -> CampaignNumbers {
    let mut by_stage: Vec<(String, usize)> = Vec::new();
    for s in items.iter().filter_map(|i| i.stage.clone()) {
        match by_stage.iter_mut().find(|(n, _)| *n == s) {
            Some((_, c)) => *c += 1,
            None => by_stage.push((s, 1)),
        }
    }
    let approved: Vec<&CampaignItem> = items.iter().filter(|i| i.numbers.lead_time.is_some()).collect();
    let leads: Vec<Span> = approved.iter().filter_map(|i| i.numbers.lead_time).collect();
    let rounds: Vec<i64> = approved.iter().map(|i| i.numbers.rounds).collect();
    let stage_time = stage_totals(items.iter().map(|i| &i.numbers));
    let total: i64 = stage_time.iter().map(|(_, t)| t.business_secs).sum();
    let bottleneck_stage = stage_time
        .iter()
        .fold(None::<&(String, Span)>, |best, s| {
            if best.is_none_or(|b| s.1.business_secs > b.1.business_secs) { Some(s) } else { best }
        })
        .filter(|_| total > 0)
        .map(|(s, t)| (s.clone(), t.business_secs as f64 / total as f64));
    let bottleneck_reviewer = waiting_totals(items.iter().map(|i| &i.numbers))
        .into_iter()
        .map(|(w, _)| w)
        .fold(None::<Waited>, |best, w| match best {
            Some(b) if b.span.business_secs >= w.span.business_secs => Some(b),
            _ => Some(w),
        })
        .filter(|w| w.span.business_secs > 0);
    let comments: i64 = items.iter().map(|i| i.comments).sum();
    let anchored: i64 = items.iter().map(|i| i.anchored_comments).sum();
    let all_rounds: i64 = items.iter().map(|i| i.numbers.rounds).sum();
    CampaignNumbers {
        deliverables: items.len(),
        by_stage,
        approved: approved.len(),
        overdue: items.iter().filter(|i| i.overdue).count(),
        lead_time_median: spans_at(&leads, 50),
        lead_time_p90: spans_at(&leads, 90),
        rounds_median: percentile(&rounds, 50),
        rounds_p90: percentile(&rounds, 90),
        bottleneck_stage,
        bottleneck_reviewer,
        comments_per_round: (all_rounds > 0).then(|| comments as f64 / all_rounds as f64),
        anchored_share: (comments > 0).then(|| anchored as f64 / comments as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london() -> Calendar {
        Calendar::standard(jiff::tz::db().get("Europe/London").unwrap())
    }

    /// Milliseconds of `2026-12-07T10:00` (UTC, which London keeps in December).
    fn at(t: &str) -> i64 {
        format!("{t}:00Z").parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    fn seat(key: &str, asked: &str, decided: Option<&str>) -> SeatFacts {
        SeatFacts { person: (key.into(), key.into()), asked_at: at(asked), decided_at: decided.map(at), backup: None }
    }

    const H: i64 = 3600;

    #[test]
    fn a_deliverable_approved_after_two_rounds_by_hand() {
        let cal = london();
        // Mon 09:00 v1; review Mon 09:00 → Tue 12:00 (changes); v2 Wed 10:00; review Wed 10:00 →
        // Thu 11:00 (approved and locked); the brief was submitted the Friday before at 16:00.
        let f = DeliverableFacts {
            first_upload_at: Some(at("2026-12-07T09:00")),
            approved_at: Some(at("2026-12-10T11:00")),
            brief_submitted_at: Some(at("2026-12-04T16:00")),
            versions: 2,
            due_at: None,
            runs: vec![
                RunFacts {
                    stage: "Review".into(),
                    entered_at: at("2026-12-07T09:00"),
                    due_at: at("2026-12-08T17:00"),
                    exited_at: Some(at("2026-12-08T12:00")),
                    outcome: Some("changes_requested".into()),
                    seats: vec![seat("rita", "2026-12-07T09:00", Some("2026-12-08T12:00"))],
                    open_items: vec![],
                },
                RunFacts {
                    stage: "Edit".into(),
                    entered_at: at("2026-12-08T12:00"),
                    due_at: at("2026-12-09T17:00"),
                    exited_at: Some(at("2026-12-09T10:00")),
                    outcome: Some("passed".into()),
                    seats: vec![],
                    open_items: vec![],
                },
                RunFacts {
                    stage: "Review".into(),
                    entered_at: at("2026-12-09T10:00"),
                    due_at: at("2026-12-10T17:00"),
                    exited_at: Some(at("2026-12-10T11:00")),
                    outcome: Some("passed".into()),
                    seats: vec![seat("rita", "2026-12-09T10:00", Some("2026-12-10T11:00"))],
                    open_items: vec![],
                },
            ],
        };
        let n = deliverable(&cal, &f, at("2026-12-11T09:00"));
        // Mon 09:00 → Thu 11:00: 74 h wall; business Mon 8 + Tue 8 + Wed 8 + Thu 2 = 26 h.
        assert_eq!(n.lead_time, Some(Span { wall_secs: 74 * H, business_secs: 26 * H }));
        // Fri 16:00 → Thu 11:00: 139 h wall; business Fri 1 + 26 = 27 h.
        assert_eq!(n.brief_to_approval, Some(Span { wall_secs: 139 * H, business_secs: 27 * H }));
        assert_eq!(n.rounds, 2);
        // Review: Mon 09:00 → Tue 12:00 (27 h wall, 11 h business) + Wed 10:00 → Thu 11:00 (25 h, 9 h).
        // Edit: Tue 12:00 → Wed 10:00 (22 h wall, 6 h business).
        assert_eq!(
            n.time_in_stage,
            vec![
                ("Review".into(), Span { wall_secs: 52 * H, business_secs: 20 * H }),
                ("Edit".into(), Span { wall_secs: 22 * H, business_secs: 6 * H }),
            ]
        );
        assert_eq!(
            n.waiting_on,
            vec![Waited {
                key: "rita".into(),
                name: "rita".into(),
                span: Span { wall_secs: 52 * H, business_secs: 20 * H }
            }]
        );
        // No own due: the approving run's, Thu 17:00.
        assert_eq!(n.on_time, Some(true));
        assert_eq!(n.stalled, None);
    }

    #[test]
    fn an_open_run_stalls_when_past_due_or_half_its_time_gone_and_names_who_it_waits_on() {
        let cal = london();
        let run = |now: &str| {
            let f = DeliverableFacts {
                first_upload_at: Some(at("2026-12-07T09:00")),
                approved_at: None,
                brief_submitted_at: None,
                versions: 1,
                due_at: Some(at("2026-12-11T17:00")),
                runs: vec![RunFacts {
                    stage: "Legal".into(),
                    entered_at: at("2026-12-07T09:00"),
                    // Two business days: 16 business hours.
                    due_at: at("2026-12-08T17:00"),
                    exited_at: None,
                    outcome: None,
                    seats: vec![
                        seat("lara", "2026-12-07T09:00", None),
                        SeatFacts {
                            person: ("cara".into(), "cara".into()),
                            asked_at: at("2026-12-07T09:00"),
                            decided_at: None,
                            backup: Some(("bea".into(), "bea".into(), at("2026-12-08T13:00"))),
                        },
                        seat("sam", "2026-12-07T09:00", Some("2026-12-07T12:00")),
                    ],
                    open_items: vec!["Claims checked".into()],
                }],
            };
            deliverable(&cal, &f, at(now))
        };
        // Monday 16:00: 7 of 16 business hours gone, not stalled.
        assert_eq!(run("2026-12-07T16:00").stalled, None);
        // Tuesday 10:00: 9 of 16 gone: stalled, not yet overdue.
        let s = run("2026-12-08T10:00").stalled.unwrap();
        assert_eq!(
            (s.overdue, s.waiting_on.clone()),
            (false, vec!["lara".to_owned(), "cara".to_owned(), "bea".to_owned()])
        );
        assert_eq!(
            (s.stage.as_str(), s.since, s.open_items),
            ("Legal", at("2026-12-07T09:00"), vec!["Claims checked".to_owned()])
        );
        // Wednesday: overdue. Waiting: lara and cara since Mon 09:00, bea since Tue 13:00, sam 3 h.
        let n = run("2026-12-09T09:00");
        assert!(n.stalled.unwrap().overdue);
        let waited: Vec<(&str, i64)> =
            n.waiting_on.iter().map(|w| (w.key.as_str(), w.span.business_secs / H)).collect();
        assert_eq!(waited, vec![("cara", 16), ("lara", 16), ("bea", 4), ("sam", 3)]);
        assert_eq!(n.on_time, None, "not approved yet");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        assert_eq!(percentile(&[], 50), None);
        assert_eq!(percentile(&[7], 90), Some(7));
        assert_eq!(percentile(&[4, 1, 3, 2], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90), Some(9));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90), Some(10));
    }

    #[test]
    fn a_campaign_adds_up_its_deliverables() {
        let n =
            |lead: Option<i64>, rounds: i64, stages: Vec<(&str, i64)>, waits: Vec<(&str, i64)>| DeliverableNumbers {
                lead_time: lead.map(|h| Span { wall_secs: h * H, business_secs: h * H }),
                brief_to_approval: None,
                rounds,
                time_in_stage: stages
                    .into_iter()
                    .map(|(s, h)| (s.into(), Span { wall_secs: h * H, business_secs: h * H }))
                    .collect(),
                waiting_on: waits
                    .into_iter()
                    .map(|(k, h)| Waited {
                        key: k.into(),
                        name: k.into(),
                        span: Span { wall_secs: h * H, business_secs: h * H },
                    })
                    .collect(),
                on_time: None,
                stalled: None,
            };
        let items = vec![
            CampaignItem {
                stage: None,
                overdue: false,
                numbers: n(Some(10), 1, vec![("Review", 4), ("Legal", 6)], vec![("rita", 4), ("lara", 6)]),
                comments: 3,
                anchored_comments: 3,
            },
            CampaignItem {
                stage: None,
                overdue: false,
                numbers: n(Some(30), 3, vec![("Review", 20), ("Legal", 10)], vec![("rita", 20), ("lara", 10)]),
                comments: 6,
                anchored_comments: 3,
            },
            CampaignItem {
                stage: Some("Legal".into()),
                overdue: true,
                numbers: n(None, 2, vec![("Review", 6), ("Legal", 14)], vec![("rita", 6), ("lara", 14)]),
                comments: 3,
                anchored_comments: 0,
            },
        ];
        let c = campaign(&items);
        assert_eq!((c.deliverables, c.approved, c.overdue), (3, 2, 1));
        assert_eq!(c.by_stage, vec![("Legal".to_owned(), 1)]);
        assert_eq!(c.lead_time_median.map(|s| s.wall_secs / H), Some(10));
        assert_eq!(c.lead_time_p90.map(|s| s.wall_secs / H), Some(30));
        assert_eq!((c.rounds_median, c.rounds_p90), (Some(1), Some(3)));
        // Review 30 h, Legal 30 h of 60: the first with the largest share wins a tie.
        assert_eq!(c.bottleneck_stage, Some(("Review".to_owned(), 0.5)));
        // rita 30 h, lara 30 h: a tie keeps the first by key (lara).
        assert_eq!(c.bottleneck_reviewer.map(|w| w.key), Some("lara".to_owned()));
        assert_eq!(c.comments_per_round, Some(2.0));
        assert_eq!(c.anchored_share, Some(0.5));
    }
}
