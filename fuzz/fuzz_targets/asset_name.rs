//! The asset-name parser.
//!
//! Invariants: `AssetName::parse` never panics; when it returns `Some(n)`,
//! `n.render()` is exactly the input (so a listing is never misread). And the
//! other way round: any name built from valid parts parses back to itself.

#![no_main]

use ami_test_resource::ami::AmiId;
use ami_test_resource::config::values::TestName;
use ami_test_resource::record::AssetName;
use ami_test_resource::verdict::Outcome;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };

    // parse → render is the identity.
    if let Some(n) = AssetName::parse(input) {
        assert_eq!(
            n.render(),
            input,
            "parse({input:?}) = {n:?} does not render back"
        );
    }

    // render → parse is the identity, for parts given as `test_name\0ami_id\0RESULT`.
    let mut parts = input.splitn(3, '\0');
    if let (Some(t), Some(a), Some(r)) = (parts.next(), parts.next(), parts.next())
        && let Ok(test_name) = TestName::try_from(t.to_owned())
        && let Ok(ami_id) = a.parse::<AmiId>()
        && let Some(result) = Outcome::parse(r)
    {
        let n = AssetName {
            test_name,
            ami_id,
            result,
        };
        let rendered = n.render();
        assert_eq!(
            AssetName::parse(&rendered).as_ref(),
            Some(&n),
            "render() = {rendered:?} does not parse back"
        );
    }
});
