//! GitHub-shaped JSON payloads and headers: field names, URL templates and
//! error bodies follow api.github.com so clients parse the fake as the real
//! thing (octocrab-style models require most of these fields).

use super::Inner;
use super::state::{Asset, Release, Repo};
use crate::http::{Response, percent_encode};
use serde_json::{Value, json};

const DOCS: &str = "https://docs.github.com/rest";

/// Fake clock: minute `m` after 2026-01-01T00:00:00Z, formatted like GitHub.
pub fn timestamp(minutes: u64) -> String {
    const JAN_1_2026: i64 = 20_454; // days since 1970-01-01
    let days = JAN_1_2026 + (minutes / 1440) as i64;
    let (y, mo, d) = civil_from_days(days);
    let (h, mi) = ((minutes % 1440) / 60, minutes % 60);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:00Z")
}

/// Real time (epoch seconds) in GitHub's form, `2026-12-02T14:16:47Z`.
pub fn timestamp_secs(secs: u64) -> String {
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// An HTTP `Date` header value (IMF-fixdate), `Wed, 02 Dec 2026 14:16:47 GMT`.
pub fn http_date(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let (y, mo, d) = civil_from_days(days as i64);
    let s = secs % 86_400;
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(mo - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The one user every release and asset is attributed to.
pub fn user(inner: &Inner) -> Value {
    let (api, web) = (inner.api_base(), inner.web_base());
    let u = format!("{api}/users/ci-bot");
    json!({
        "login": "ci-bot", "id": 4242, "node_id": "MDQ6VXNlcjQyNDI=",
        "avatar_url": "https://avatars.githubusercontent.com/u/4242?v=4", "gravatar_id": "",
        "url": u, "html_url": format!("{web}/ci-bot"),
        "followers_url": format!("{u}/followers"), "following_url": format!("{u}/following{{/other_user}}"),
        "gists_url": format!("{u}/gists{{/gist_id}}"), "starred_url": format!("{u}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{u}/subscriptions"), "organizations_url": format!("{u}/orgs"),
        "repos_url": format!("{u}/repos"), "events_url": format!("{u}/events{{/privacy}}"),
        "received_events_url": format!("{u}/received_events"),
        "type": "User", "user_view_type": "public", "site_admin": false
    })
}

pub fn release(inner: &Inner, repo: &Repo, rel: &Release) -> Value {
    let api = format!("{}/repos/{}/{}", inner.api_base(), repo.owner, repo.name);
    let web = format!("{}/{}/{}", inner.web_base(), repo.owner, repo.name);
    let uploads = format!(
        "{}/repos/{}/{}",
        inner.uploads_base(),
        repo.owner,
        repo.name
    );
    let tag = percent_encode(&rel.tag);
    let created = timestamp(rel.created);
    // Drafts have no published time and no archives yet.
    let (published, tarball, zipball) = if rel.draft {
        (Value::Null, Value::Null, Value::Null)
    } else {
        (
            json!(created),
            json!(format!("{api}/tarball/{tag}")),
            json!(format!("{api}/zipball/{tag}")),
        )
    };
    let assets: Vec<Value> = rel
        .assets
        .iter()
        .map(|a| asset(inner, repo, rel, a))
        .collect();
    json!({
        "url": format!("{api}/releases/{}", rel.id),
        "assets_url": format!("{api}/releases/{}/assets", rel.id),
        "upload_url": format!("{uploads}/releases/{}/assets{{?name,label}}", rel.id),
        "html_url": format!("{web}/releases/tag/{tag}"),
        "id": rel.id,
        "author": user(inner),
        "node_id": format!("RE_kwDOFake{}", rel.id),
        "tag_name": rel.tag,
        "target_commitish": rel.target,
        "name": rel.name,
        "draft": rel.draft,
        "immutable": false,
        "prerelease": rel.prerelease,
        "created_at": created,
        "updated_at": created,
        "published_at": published,
        "assets": assets,
        "tarball_url": tarball,
        "zipball_url": zipball,
        "body": rel.body,
    })
}

pub fn asset(inner: &Inner, repo: &Repo, rel: &Release, a: &Asset) -> Value {
    let web = format!("{}/{}/{}", inner.web_base(), repo.owner, repo.name);
    let created = timestamp(a.created);
    json!({
        "url": format!("{}/repos/{}/{}/releases/assets/{}", inner.api_base(), repo.owner, repo.name, a.id),
        "id": a.id,
        "node_id": format!("RA_kwDOFake{}", a.id),
        "name": a.name,
        "label": a.label,
        "uploader": user(inner),
        "content_type": a.content_type,
        "state": asset_state(a),
        "size": a.content.len(),
        "digest": Value::Null,
        "download_count": a.downloads,
        "created_at": created,
        "updated_at": created,
        "browser_download_url": format!(
            "{web}/releases/download/{}/{}", percent_encode(&rel.tag), percent_encode(&a.name)
        ),
    })
}

pub fn asset_state(a: &Asset) -> &'static str {
    if a.uploaded { "uploaded" } else { "starter" }
}

/// `GET /repos/{o}/{r}`: the fields clients read.
pub fn repository(inner: &Inner, repo: &Repo) -> Value {
    let api = format!("{}/repos/{}/{}", inner.api_base(), repo.owner, repo.name);
    json!({
        "id": repo.id,
        "node_id": format!("R_kgDOFake{}", repo.id),
        "name": repo.name,
        "full_name": format!("{}/{}", repo.owner, repo.name),
        "private": repo.private,
        "visibility": if repo.private { "private" } else { "public" },
        "owner": user(inner),
        "html_url": format!("{}/{}/{}", inner.web_base(), repo.owner, repo.name),
        "url": api,
        "releases_url": format!("{api}/releases{{/id}}"),
        "default_branch": "master",
        "archived": false,
        "disabled": false,
    })
}

/// GitHub's error body: `{"message","documentation_url","status"}`.
pub fn error(status: u16, message: &str) -> Response {
    Response::json(
        status,
        &json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}),
    )
}

pub fn not_found() -> Response {
    error(404, "Not Found")
}

/// 422 "Validation Failed" with one `errors` entry, as GitHub reports
/// duplicates (`already_exists`) and missing fields (`missing_field`).
pub fn validation_failed(resource: &str, code: &str, field: &str, request_id: &str) -> Response {
    Response::json(
        422,
        &json!({
            "message": "Validation Failed",
            "request_id": request_id,
            "documentation_url": DOCS,
            "errors": [{"resource": resource, "code": code, "field": field}],
            "status": "422",
        }),
    )
}

/// The message GitHub uses for a status when a fault asks for it.
pub fn status_message(status: u16) -> &'static str {
    match status {
        500 => "Server Error",
        401 => "Bad credentials",
        403 => "Forbidden",
        404 => "Not Found",
        422 => "Validation Failed",
        _ => crate::http::reason(status),
    }
}

/// One page of `len` items: the index range to show and the `Link` header.
/// `base` is the absolute URL without query; `query` the request's own
/// parameters, kept (per_page included) with `page` replaced, as GitHub does.
pub struct Page {
    pub range: std::ops::Range<usize>,
    pub link: Option<String>,
}

pub fn paginate(len: usize, query: &[(String, String)], base: &str) -> Page {
    let get = |k: &str| {
        query
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let per_page = get("per_page").filter(|&n| n > 0).unwrap_or(30).min(100);
    let page = get("page").filter(|&n| n > 0).unwrap_or(1);
    let last = len.div_ceil(per_page).max(1);
    let start = ((page - 1) * per_page).min(len);
    let range = start..(start + per_page).min(len);
    let url = |p: usize| {
        let mut q: Vec<(String, String)> = query.to_vec();
        match q.iter_mut().find(|(k, _)| k == "page") {
            Some(kv) => kv.1 = p.to_string(),
            None => q.push(("page".into(), p.to_string())),
        }
        let q: Vec<String> = q
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        format!("<{base}?{}>", q.join("&"))
    };
    // GitHub's order: prev, next, last, first; absent ones are omitted.
    let mut parts = Vec::new();
    if page > 1 {
        parts.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    if page < last {
        parts.push(format!("{}; rel=\"next\"", url(page + 1)));
        parts.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        parts.push(format!("{}; rel=\"first\"", url(1)));
    }
    Page {
        range,
        link: (!parts.is_empty()).then(|| parts.join(", ")),
    }
}
