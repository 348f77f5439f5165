//! The REST endpoints on the api origin.

use super::payload::{self, Page, error, not_found, validation_failed};
use super::state::{NewRelease, State};
use super::{Auth, Dispatch, Inner};
use crate::http::{Request, Response, percent_decode};
use serde_json::{Value, json};

/// A resolved request: the repository (as stored) and the path after it.
struct Route<'a> {
    owner: String,
    repo: String,
    tail: Vec<&'a str>,
}

pub(super) fn route(inner: &Inner, req: &Request, auth: Auth) -> Response {
    if auth == Auth::Invalid {
        return error(401, "Bad credentials");
    }
    let mut st = inner.state();
    let Some(route) = resolve(inner, &st, req.path()) else {
        return not_found();
    };
    let repo = st.repo(&route.owner, &route.repo).expect("resolved");
    // Private repositories do not exist for anyone without access.
    if repo.private && auth != Auth::Valid {
        return not_found();
    }
    if req.method != "GET" && req.method != "HEAD" && auth != Auth::Valid {
        return error(401, "Requires authentication");
    }
    let decoded: Vec<String> = route.tail.iter().map(|s| percent_decode(s)).collect();
    let tail: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let (o, r) = (route.owner.as_str(), route.repo.as_str());
    let authed = auth == Auth::Valid;
    match (req.method.as_str(), tail.as_slice()) {
        ("GET", []) => Response::json(200, &payload::repository(inner, repo)),
        ("GET", ["releases"]) => list_releases(inner, &st, o, r, req, authed),
        ("POST", ["releases"]) => create_release(inner, &mut st, o, r, req),
        ("GET", ["releases", "latest"]) => latest(inner, &st, o, r),
        ("GET", ["releases", "tags", tag]) => by_tag(inner, &st, o, r, tag),
        ("GET", ["releases", "assets", id]) => get_asset(inner, &st, o, r, id, req),
        ("DELETE", ["releases", "assets", id]) => delete_asset(&mut st, o, r, id),
        ("GET", ["releases", id]) => by_id(inner, &st, o, r, id, authed),
        ("GET", ["releases", id, "assets"]) => list_assets(inner, &st, o, r, id, req, authed),
        ("POST", ["actions", "workflows", wf, "dispatches"]) => dispatch(&mut st, o, r, wf, req),
        ("GET", ["actions", "workflows", wf, "runs"]) => {
            super::runs::list(inner, &st, o, r, wf, req)
        }
        _ => not_found(),
    }
}

/// Accepts `/repos/{o}/{r}/…` and `/repositories/{id}/…` (the form GitHub
/// uses in `Link` headers) under the configured prefix.
fn resolve<'a>(inner: &Inner, st: &State, path: &'a str) -> Option<Route<'a>> {
    let rest = path.strip_prefix(inner.opts.api_prefix.as_str())?;
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let (repo, tail) = match segs.as_slice() {
        ["repos", o, r, tail @ ..] => (st.repo(&percent_decode(o), &percent_decode(r))?, tail),
        ["repositories", id, tail @ ..] => (st.repo_by_id(id.parse().ok()?)?, tail),
        _ => return None,
    };
    Some(Route {
        owner: repo.owner.clone(),
        repo: repo.name.clone(),
        tail: tail.to_vec(),
    })
}

fn list_releases(
    inner: &Inner,
    st: &State,
    o: &str,
    r: &str,
    req: &Request,
    authed: bool,
) -> Response {
    let repo = st.repo(o, r).expect("resolved");
    // As on GitHub, drafts are listed only to callers with push access.
    let all = repo.newest_first(authed);
    let base = format!("{}/repositories/{}/releases", inner.api_base(), repo.id);
    let Page { range, link } = payload::paginate(all.len(), &req.query(), &base);
    let items: Vec<Value> = all[range]
        .iter()
        .map(|rel| payload::release(inner, repo, rel))
        .collect();
    with_link(Response::json(200, &Value::Array(items)), link)
}

fn with_link(resp: Response, link: Option<String>) -> Response {
    match link {
        Some(l) => resp.with_header("Link", l),
        None => resp,
    }
}

fn create_release(inner: &Inner, st: &mut State, o: &str, r: &str, req: &Request) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return error(400, "Problems parsing JSON");
    };
    let Some(tag) = body["tag_name"].as_str().filter(|t| !t.is_empty()) else {
        return validation_failed("Release", "missing_field", "tag_name", &inner.request_id());
    };
    let text = |k: &str| body[k].as_str().map(str::to_string);
    let new = NewRelease {
        tag: tag.to_string(),
        name: text("name"),
        body: text("body"),
        target: text("target_commitish"),
        draft: body["draft"].as_bool().unwrap_or(false),
        prerelease: body["prerelease"].as_bool().unwrap_or(false),
        commit_time: None,
    };
    let Ok(id) = st.add_release(o, r, new) else {
        return validation_failed("Release", "already_exists", "tag_name", &inner.request_id());
    };
    let repo = st.repo(o, r).expect("resolved");
    let json = payload::release(inner, repo, repo.release(id).expect("just added"));
    let location = json["url"].as_str().unwrap_or_default().to_string();
    Response::json(201, &json).with_header("Location", location)
}

fn latest(inner: &Inner, st: &State, o: &str, r: &str) -> Response {
    let repo = st.repo(o, r).expect("resolved");
    match repo
        .newest_first(false)
        .into_iter()
        .find(|rel| !rel.prerelease)
    {
        Some(rel) => Response::json(200, &payload::release(inner, repo, rel)),
        None => not_found(),
    }
}

/// Drafts have no tag yet, so GitHub does not find them by tag.
fn by_tag(inner: &Inner, st: &State, o: &str, r: &str, tag: &str) -> Response {
    let repo = st.repo(o, r).expect("resolved");
    match repo.release_by_tag(tag).filter(|rel| !rel.draft) {
        Some(rel) => Response::json(200, &payload::release(inner, repo, rel)),
        None => not_found(),
    }
}

fn by_id(inner: &Inner, st: &State, o: &str, r: &str, id: &str, authed: bool) -> Response {
    let repo = st.repo(o, r).expect("resolved");
    let rel = id.parse().ok().and_then(|id| repo.release(id));
    match rel.filter(|rel| authed || !rel.draft) {
        Some(rel) => Response::json(200, &payload::release(inner, repo, rel)),
        None => not_found(),
    }
}

fn list_assets(
    inner: &Inner,
    st: &State,
    o: &str,
    r: &str,
    id: &str,
    req: &Request,
    authed: bool,
) -> Response {
    let repo = st.repo(o, r).expect("resolved");
    let Some(rel) = id
        .parse()
        .ok()
        .and_then(|id| repo.release(id))
        .filter(|rel| authed || !rel.draft)
    else {
        return not_found();
    };
    let base = format!(
        "{}/repositories/{}/releases/{}/assets",
        inner.api_base(),
        repo.id,
        rel.id
    );
    let Page { range, link } = payload::paginate(rel.assets.len(), &req.query(), &base);
    let items: Vec<Value> = rel.assets[range]
        .iter()
        .map(|a| payload::asset(inner, repo, rel, a))
        .collect();
    with_link(Response::json(200, &Value::Array(items)), link)
}

/// JSON metadata, or with `Accept: application/octet-stream` a 302 to a
/// pre-signed URL on the storage origin, as GitHub does.
fn get_asset(inner: &Inner, st: &State, o: &str, r: &str, id: &str, req: &Request) -> Response {
    let found = id.parse().ok().and_then(|id| st.find_asset(id));
    let Some((repo, rel, asset)) = found.filter(|(repo, ..)| repo.owner == o && repo.name == r)
    else {
        return not_found();
    };
    let wants_bytes = req
        .header("Accept")
        .is_some_and(|a| a.contains("application/octet-stream"));
    if !wants_bytes {
        return Response::json(200, &payload::asset(inner, repo, rel, asset));
    }
    // An upload that never completed has nothing to download.
    if !asset.uploaded {
        return not_found();
    }
    Response::new(302).with_header("Location", inner.storage_url(repo.id, asset))
}

fn delete_asset(st: &mut State, o: &str, r: &str, id: &str) -> Response {
    match id.parse() {
        Ok(id) if st.delete_asset(o, r, id) => Response::new(204),
        _ => not_found(),
    }
}

fn dispatch(st: &mut State, o: &str, r: &str, workflow: &str, req: &Request) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return error(400, "Problems parsing JSON");
    };
    let Some(git_ref) = body["ref"].as_str() else {
        return error(422, "Invalid request.\n\n\"ref\" wasn't supplied.");
    };
    let inputs = match &body["inputs"] {
        Value::Null => json!({}),
        v @ Value::Object(_) => v.clone(),
        _ => {
            return error(
                422,
                "Invalid request.\n\nFor 'properties/inputs', it is not an object.",
            );
        }
    };
    let d = Dispatch {
        owner: o.to_string(),
        repo: r.to_string(),
        workflow: workflow.to_string(),
        git_ref: git_ref.to_string(),
        inputs,
    };
    st.start_run(&d, super::epoch_secs());
    st.dispatches.push(d);
    Response::new(204)
}
