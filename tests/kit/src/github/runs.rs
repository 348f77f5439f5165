//! `GET /repos/{o}/{r}/actions/workflows/{id}/runs`: the runs that dispatches
//! started, newest first, filtered by `event`, `branch` and `created` as
//! GitHub does — what a client reads to learn whether a dispatch whose answer
//! was lost did start a run.

use super::Inner;
use super::payload::{error, timestamp_secs, user};
use super::state::{State, WorkflowRun};
use crate::http::{Request, Response};
use serde_json::{Value, json};

pub(super) fn list(
    inner: &Inner,
    st: &State,
    o: &str,
    r: &str,
    wf: &str,
    req: &Request,
) -> Response {
    let created = match req.query_param("created").map(|c| Created::parse(&c)) {
        None => Created::Any,
        Some(Some(c)) => c,
        Some(None) => return error(422, "Invalid value for `created`"),
    };
    let event = req.query_param("event");
    let branch = req.query_param("branch");
    let per_page: usize = req
        .query_param("per_page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let mut runs: Vec<&WorkflowRun> = st
        .runs
        .iter()
        .filter(|run| run.owner == o && run.repo == r && run.workflow == wf)
        .filter(|_| event.as_deref().is_none_or(|e| e == "workflow_dispatch"))
        .filter(|run| branch.as_deref().is_none_or(|b| b == run.head_branch))
        .filter(|run| created.admits(run.created))
        .collect();
    let total = runs.len();
    runs.reverse();
    runs.truncate(per_page);
    let items: Vec<Value> = runs.iter().map(|run| payload(inner, run)).collect();
    Response::json(200, &json!({"total_count": total, "workflow_runs": items}))
}

fn payload(inner: &Inner, run: &WorkflowRun) -> Value {
    let api = format!("{}/repos/{}/{}", inner.api_base(), run.owner, run.repo);
    let web = format!("{}/{}/{}", inner.web_base(), run.owner, run.repo);
    let at = timestamp_secs(run.created);
    json!({
        "id": run.id,
        "name": "AMI build and test",
        "node_id": format!("WFR_kwLOFake{}", run.id),
        "head_branch": run.head_branch,
        "head_sha": "0000000000000000000000000000000000000000",
        "path": format!(".github/workflows/{}", run.workflow),
        "run_number": run.id % 1000,
        "event": "workflow_dispatch",
        "status": "queued",
        "conclusion": Value::Null,
        "url": format!("{api}/actions/runs/{}", run.id),
        "html_url": format!("{web}/actions/runs/{}", run.id),
        "created_at": at,
        "updated_at": at,
        "run_started_at": at,
        "actor": user(inner),
    })
}

/// GitHub's `created` qualifier: `>=T`, `>T`, `<=T`, `<T` or `A..B`, where a
/// time is `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`.
enum Created {
    Any,
    Range(u64, u64),
}

impl Created {
    fn parse(s: &str) -> Option<Created> {
        let (lo, hi) = if let Some(t) = s.strip_prefix(">=") {
            (parse_time(t)?, u64::MAX)
        } else if let Some(t) = s.strip_prefix('>') {
            (parse_time(t)? + 1, u64::MAX)
        } else if let Some(t) = s.strip_prefix("<=") {
            (0, parse_time(t)?)
        } else if let Some(t) = s.strip_prefix('<') {
            (0, parse_time(t)?.checked_sub(1)?)
        } else {
            let (a, b) = s.split_once("..")?;
            (parse_time(a)?, parse_time(b)?)
        };
        Some(Created::Range(lo, hi))
    }

    fn admits(&self, t: u64) -> bool {
        match self {
            Created::Any => true,
            Created::Range(lo, hi) => (*lo..=*hi).contains(&t),
        }
    }
}

/// Epoch seconds of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn parse_time(s: &str) -> Option<u64> {
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let secs = match s.len() {
        10 => 0,
        20 if s.ends_with('Z') => num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?,
        _ => return None,
    };
    u64::try_from(days_from_civil(y, m, d) * 86_400 + secs).ok()
}

/// Howard Hinnant's civil-to-days algorithm (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_qualifiers() {
        let t = parse_time("2026-12-02T14:16:47Z").unwrap();
        assert_eq!(timestamp_secs(t), "2026-12-02T14:16:47Z");
        assert_eq!(parse_time("1970-01-02"), Some(86_400));
        let c = Created::parse(">=2026-12-02T14:16:47Z").unwrap();
        assert!(c.admits(t) && !c.admits(t - 1));
        let c = Created::parse(">2026-12-02T14:16:47Z").unwrap();
        assert!(!c.admits(t) && c.admits(t + 1));
        assert!(Created::parse("2026-12-01..2026-12-03").unwrap().admits(t));
        assert!(Created::parse("yesterday").is_none());
    }
}
