//! `in` (the get step): fetch the version's record and write the files the
//! ami-builder pipeline reads, `results/<test_name>.test` among them.

use anyhow::{Context, Result, anyhow, bail};
use std::fs;
use std::path::Path;

use crate::config::InParams;
use crate::protocol::{Request, Response};
use crate::record::{AssetName, Record, Version};
use crate::releases::Releases;
use crate::verdict::Outcome;

pub async fn run(store: &impl Releases, req: &Request<InParams>, dest: &Path) -> Result<Response> {
    let version = req
        .version
        .as_ref()
        .ok_or_else(|| anyhow!("version is required for the get step"))?;
    let expected = AssetName {
        test_name: req.source.test_name.clone(),
        ami_id: version.ami_id.clone(),
        result: version.result,
    };
    let gone = |why: &str| {
        anyhow!(
            "version {} {} is no longer on release {}: {why}",
            version.ami_id,
            version.result,
            version.release
        )
    };
    let Some(release) = store.by_tag(&version.release).await? else {
        // A 404 is also what a private repository answers a missing or wrong token.
        store.check_access().await?;
        return Err(gone("the release does not exist"));
    };
    let asset = release
        .assets
        .iter()
        .find(|a| a.name == expected.render())
        .ok_or_else(|| gone("its result was replaced or removed"))?;
    if !asset.is_uploaded() {
        return Err(gone(
            "its upload never completed (GitHub lists it as unfinished)",
        ));
    }
    let bytes = store.download(asset).await?;
    let record = Record::from_asset(&bytes, &expected, &version.release)?;
    write_files(dest, &record, &bytes)?;
    let test = &record.test;
    if req.params.require_success() && test.result != Outcome::Success {
        bail!(
            "require_success: the result on release {} is {} for {} ({})",
            record.release,
            test.result,
            test.ami_id,
            test.reasons.join("; ")
        );
    }
    Ok(record.response())
}

/// `ami_id`, `result`, `release`, `results/<test>.test` ("<ami> <RESULT>\n", as
/// the validate-concourse-ami task reads it) and `record.json`.
fn write_files(dest: &Path, record: &Record, raw: &[u8]) -> Result<()> {
    let results = dest.join("results");
    fs::create_dir_all(&results).with_context(|| format!("creating {}", results.display()))?;
    let Version {
        release,
        ami_id,
        result,
    } = record.version();
    let files: [(std::path::PathBuf, Vec<u8>); 5] = [
        (dest.join("ami_id"), format!("{ami_id}\n").into_bytes()),
        (dest.join("result"), format!("{result}\n").into_bytes()),
        (dest.join("release"), format!("{release}\n").into_bytes()),
        (
            results.join(format!("{}.test", record.test_name)),
            format!("{ami_id} {result}\n").into_bytes(),
        ),
        (dest.join("record.json"), raw.to_vec()),
    ];
    for (path, content) in files {
        fs::write(&path, content).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
