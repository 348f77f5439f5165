//! Reading a downloaded result asset: `Record::from_asset`.
//!
//! Invariants: never panics, whatever the bytes; a record it accepts is the one
//! the asset's name and release promise; and a record we would upload
//! (`to_json`) is read back unchanged.

#![no_main]

use ami_test_resource::config::values::ReleaseTag;
use ami_test_resource::record::{AssetName, Record};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The name and release the listing promised: the seeds' own, so that the
    // accepting path is reachable as well as the refusing one.
    let expected = AssetName::parse("concourse.ami-0a11ce5c0ffee0001.SUCCESS.json").unwrap();
    let release = ReleaseTag::try_from("1.0.0".to_owned()).unwrap();

    if let Ok(r) = Record::from_asset(data, &expected, &release) {
        assert_eq!(r.asset_name(), expected);
        assert_eq!(r.release, release);
    }

    // Whatever the bytes hold, if they are a record, checking them against their
    // own name and release must succeed, and what we would upload reads back.
    if let Ok(r) = serde_json::from_slice::<Record>(data) {
        let own = r.asset_name();
        let mine = Record::from_asset(data, &own, &r.release)
            .expect("a record is refused under its own name and release");
        assert_eq!(mine, r);
        let json = r.to_json();
        let again = Record::from_asset(&json, &own, &r.release)
            .expect("a record's to_json() is refused when read back");
        assert_eq!(again, r, "to_json() does not round-trip");
        let _ = r.version();
        let _ = ami_test_resource::record::metadata(&r);
    }
});
