//! Writes the test bundles (three snapshot configurations plus one with hostile names) and
//! their zips into a directory, for tests/python/run.sh:
//! `cargo run -p annlab-export --example render_snapshots -- OUT_DIR`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::fs;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: render_snapshots OUT_DIR")?,
    );
    let mut configs = common::configurations();
    configs.push(("hostile-names", common::hostile()));
    for (name, input) in configs {
        let bundle = annlab_export::build_bundle(&input)?;
        let dir = out.join(name);
        fs::create_dir_all(&dir)?;
        for f in &bundle.files {
            fs::write(dir.join(&f.name), &f.contents)?;
        }
        fs::write(
            out.join(format!("{name}.zip")),
            annlab_export::bundle_zip(&bundle),
        )?;
        println!("{}", dir.display());
    }
    Ok(())
}
