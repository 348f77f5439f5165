//! The uploads origin (asset uploads) and the storage origin (pre-signed
//! downloads), each a separate server as on github.com.

use super::payload::{self, error, not_found, validation_failed};
use super::state::{AddError, NewAsset};
use super::{Auth, Inner};
use crate::http::{Request, Response, percent_decode};

/// `POST {prefix}/repos/{o}/{r}/releases/{id}/assets?name=N&label=L`.
pub(super) fn upload(inner: &Inner, req: &Request, auth: Auth) -> Response {
    accept_upload(inner, req, auth, true)
}

/// An upload cut off mid-way: GitHub keeps the asset in `starter` state.
pub(super) fn upload_interrupted(inner: &Inner, req: &Request, auth: Auth) {
    let _ = accept_upload(inner, req, auth, false);
}

fn accept_upload(inner: &Inner, req: &Request, auth: Auth, complete: bool) -> Response {
    match auth {
        Auth::Invalid => return error(401, "Bad credentials"),
        // Uploads always need a token, even to public repositories.
        Auth::Anonymous => return error(401, "Requires authentication"),
        Auth::Valid => {}
    }
    let Some(rest) = req.path().strip_prefix(inner.opts.uploads_prefix.as_str()) else {
        return not_found();
    };
    let segs: Vec<String> = rest
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let (o, r, id) = match (req.method.as_str(), segs.as_slice()) {
        ("POST", ["repos", o, r, "releases", id, "assets"]) => (*o, *r, *id),
        _ => return not_found(),
    };
    let Some(name) = req.query_param("name").filter(|n| !n.is_empty()) else {
        return validation_failed("ReleaseAsset", "missing_field", "name", &inner.request_id());
    };
    let content_type = req
        .header("Content-Type")
        .unwrap_or("application/octet-stream")
        .to_string();
    let new = NewAsset {
        name: &name,
        label: req.query_param("label"),
        content_type: &content_type,
        content: &req.body,
        uploaded: complete,
    };
    let mut st = inner.state();
    let Some(repo) = st.repo(o, r) else {
        return not_found();
    };
    let (owner, name_of_repo) = (repo.owner.clone(), repo.name.clone());
    let release = id.parse().unwrap_or(0);
    match st.add_asset(&owner, &name_of_repo, release, new) {
        Ok(asset) => {
            let repo = st.repo(&owner, &name_of_repo).expect("exists");
            let rel = repo.release(release).expect("exists");
            let a = rel
                .assets
                .iter()
                .find(|a| a.id == asset)
                .expect("just added");
            Response::json(201, &payload::asset(inner, repo, rel, a))
        }
        Err(AddError::NoRelease) => not_found(),
        Err(AddError::Duplicate) => validation_failed(
            "ReleaseAsset",
            "already_exists",
            "name",
            &inner.request_id(),
        ),
    }
}

/// `GET /github-production-release-asset/{repo_id}/{asset_id}?X-Amz-…`:
/// the asset's bytes. Like S3 with a pre-signed URL, it refuses a request
/// that also carries `Authorization`, which proves a client does not send
/// its GitHub token to another origin.
pub(super) fn download(inner: &Inner, req: &Request) -> Response {
    if req.header("Authorization").is_some() {
        return s3_error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, \
             Signature query string parameter or the Authorization header should be specified",
        );
    }
    let segs: Vec<&str> = req.path().split('/').filter(|s| !s.is_empty()).collect();
    let asset_id = match (req.method.as_str(), segs.as_slice()) {
        ("GET", ["github-production-release-asset", _repo, id]) => id.parse::<u64>().ok(),
        _ => None,
    };
    let Some(asset_id) = asset_id else {
        return s3_error(404, "NoSuchKey", "The specified key does not exist.");
    };
    if req.query_param("X-Amz-Signature") != Some(inner.signature(asset_id)) {
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match.",
        );
    }
    let mut st = inner.state();
    let Some(asset) = st.find_asset_mut(asset_id) else {
        return s3_error(404, "NoSuchKey", "The specified key does not exist.");
    };
    asset.downloads += 1;
    Response::new(200)
        .with_header("Content-Type", "application/octet-stream")
        .with_header(
            "Content-Disposition",
            format!("attachment; filename={}", asset.name),
        )
        .with_body(asset.content.clone())
}

fn s3_error(status: u16, code: &str, message: &str) -> Response {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message>\
         <RequestId>FAKE0000</RequestId></Error>"
    );
    Response::new(status)
        .with_header("Content-Type", "application/xml")
        .with_body(xml)
}
