//! `check`: the results on the repository's releases, read from asset names only.

use anyhow::Result;

use super::NoParams;
use crate::config::Source;
use crate::config::values::ReleaseTag;
use crate::protocol::Request;
use crate::record::{Version, current_result};
use crate::releases::{Release, Releases};

/// The version a release currently carries for this source, if any: not a
/// draft, a result of our test name (the newest one), passing the `results`
/// filter.
pub fn version_of(source: &Source, release: &Release) -> Option<Version> {
    if release.draft {
        return None;
    }
    let (name, _) = current_result(&release.assets, &source.test_name)?;
    if !source.wants(name.result) {
        return None;
    }
    Some(Version {
        release: ReleaseTag::try_from(release.tag_name.clone()).ok()?,
        ami_id: name.ami_id,
        result: name.result,
    })
}

/// Versions oldest first: from the given version's release onward (its current
/// result, which is the given version unless it was replaced), or only the
/// latest when there is no given version or its release is gone.
///
/// "Newer" means created later, and the release `id` says that: GitHub assigns
/// ids in creation order, while its `created_at` is the tagged commit's date (a
/// release cut later on an older commit has an older `created_at`, and several
/// releases on one commit share one). GitHub lists releases by that commit date,
/// so paging stops at the page that holds the given release, and every release
/// fetched with a larger id is newer, wherever the listing put it.
pub async fn run(store: &impl Releases, req: &Request<NoParams>) -> Result<Vec<Version>> {
    let source = &req.source;
    let Some(given) = &req.version else {
        return latest(store, source).await;
    };
    let tag = given.release.as_str();
    let releases = store.list(&mut |r| r.tag_name == tag).await?;
    let Some(from) = releases.iter().find(|r| r.tag_name == tag) else {
        return latest(store, source).await;
    };
    let mut newer: Vec<&Release> = releases.iter().filter(|r| r.id >= from.id).collect();
    newer.sort_by_key(|r| r.id);
    let versions: Vec<Version> = newer
        .into_iter()
        .filter_map(|r| version_of(source, r))
        .collect();
    if versions.is_empty() {
        // The given result was replaced by one the filter excludes: say what is current.
        return latest(store, source).await;
    }
    Ok(versions)
}

async fn latest(store: &impl Releases, source: &Source) -> Result<Vec<Version>> {
    let releases = store.list(&mut |r| version_of(source, r).is_some()).await?;
    let newest = releases
        .iter()
        .filter(|r| version_of(source, r).is_some())
        .max_by_key(|r| r.id);
    Ok(newest
        .and_then(|r| version_of(source, r))
        .into_iter()
        .collect())
}
