//! An `annlab assess` output dropped on the page (the three files, or a zip of them): read,
//! checked with the reader `annlab compare --facts` uses (`annlab_export::facts::read_assess`),
//! and only then loaded, so a bad output changes nothing already loaded.

use std::sync::Arc;

use annlab_export::facts::{self, AssessFiles, Assessed};
use annlab_export::zip::{self, ZipMethod};
use annlab_formats::{Format, ParseOptions};
use leptos::prelude::Set;
use web_sys::File;

use crate::browser_io;
use crate::state::{AppState, AssessedSample};
use crate::worker_bridge::WorkerBridge;

/// A checked assess output: its facts and meta, the vectors' bytes and a title per row.
#[derive(Debug)]
pub struct Unpacked {
    pub assessed: Assessed,
    pub vectors: Vec<u8>,
    pub titles: Option<Vec<String>>,
}

/// Whether dropped files are (or hold) an assess output rather than one vector file.
pub fn is_assess_drop(names: &[String]) -> bool {
    names.len() > 1
        || names.iter().any(|n| {
            n.to_ascii_lowercase().ends_with(".zip")
                || matches!(facts::assess_file_role(n), Some("facts.json" | "meta.json"))
        })
}

/// The named files (a zip is opened: stored entries only) sorted into the assess roles, then
/// checked: facts.json parses, meta.json parses, facts DIM = the vectors' dim, one id per row.
pub fn unpack(files: Vec<(String, Vec<u8>)>) -> Result<Unpacked, String> {
    let mut named = Vec::new();
    for (name, bytes) in files {
        if name.to_ascii_lowercase().ends_with(".zip") {
            for entry in zip::read_zip(&bytes).map_err(|e| format!("{name}: {e}"))? {
                if facts::assess_file_role(&entry.name).is_none() {
                    continue;
                }
                if entry.method != ZipMethod::Stored {
                    return Err(format!(
                        "{name}: {} is compressed; zip the assess output without compression (zip -0) or drop its three files",
                        entry.name
                    ));
                }
                named.push((entry.name, entry.data));
            }
        } else {
            named.push((name, bytes));
        }
    }
    let mut take = |role: &str| {
        named
            .iter()
            .position(|(n, _)| facts::assess_file_role(n) == Some(role))
            .map(|i| named.swap_remove(i).1)
    };
    let (facts_json, meta_json, vectors) =
        (take("facts.json"), take("meta.json"), take("vectors.npy"));
    if meta_json.is_none() {
        return Err(facts::AssessError::Missing { file: "meta.json" }.to_string());
    }
    let vectors = vectors.ok_or_else(|| {
        facts::AssessError::Missing {
            file: "vectors.npy",
        }
        .to_string()
    })?;
    let parsed = annlab_formats::parse_vectors(Format::Npy, &vectors, &ParseOptions::default())
        .map_err(|e| format!("vectors.npy: {e}"))?;
    let assessed = facts::read_assess(&AssessFiles {
        facts_json: facts_json.as_deref(),
        meta_json: meta_json.as_deref(),
        vectors: Some((parsed.rows, parsed.dim)),
    })
    .map_err(|e| e.to_string())?;
    let titles = assessed.meta.as_ref().map(|m| m.ids.clone());
    Ok(Unpacked {
        assessed,
        vectors,
        titles,
    })
}

/// Reads the dropped files, checks them, prefills the forms and loads the vectors as the base.
pub fn load(state: AppState, bridge: WorkerBridge, files: Vec<File>) {
    leptos::task::spawn_local(async move {
        let mut named = Vec::with_capacity(files.len());
        for file in &files {
            match browser_io::read_file(file).await {
                Ok(buffer) => named.push((file.name(), js_sys::Uint8Array::new(&buffer).to_vec())),
                Err(e) => {
                    state.push_error(format!("Cannot load the assess output: {e}"));
                    return;
                }
            }
        }
        let unpacked = match unpack(named) {
            Ok(u) => u,
            Err(e) => {
                state.push_error(format!("Cannot load the assess output: {e}"));
                return;
            }
        };
        let facts = unpacked.assessed.facts;
        let base_name = format!(
            "{} (annlab assess) · vectors.npy",
            facts.production.index_name
        );
        state.forms.prefill_assessed(&facts);
        state.data.assessed.set(Some(Arc::new(AssessedSample {
            facts,
            base_name: base_name.clone(),
        })));
        let buffer = js_sys::Uint8Array::from(unpacked.vectors.as_slice()).buffer();
        bridge.load_base_bytes(base_name, buffer, unpacked.titles.map(Arc::new));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(rows: usize, dim: usize) -> Vec<u8> {
        let data: Vec<u8> = (0..rows * dim)
            .flat_map(|i| (i as f32 + 1.0).to_le_bytes())
            .collect();
        annlab_formats::write_npy("<f4", &[rows, dim], false, &data)
    }

    fn facts(dim: usize) -> Vec<u8> {
        format!(
            r#"{{"format":"annlab-assess","production":{{"index_name":"idx","dim":{dim}}},
               "baseline":{{"k":10,"runtime_param":"EF_RUNTIME","points":[{{"runtime":10,"recall_at_k":0.5}}]}}}}"#
        )
        .into_bytes()
    }

    fn meta(rows: usize) -> Vec<u8> {
        let ids: Vec<String> = (0..rows).map(|i| format!("\"doc:{i}\"")).collect();
        format!(r#"{{"ids":[{}]}}"#, ids.join(",")).into_bytes()
    }

    #[test]
    fn unpacks_three_files_and_a_stored_zip() {
        let three = vec![
            ("facts.json".to_string(), facts(4)),
            ("meta.json".to_string(), meta(3)),
            ("vectors.npy".to_string(), npy(3, 4)),
        ];
        assert!(is_assess_drop(&["a.npy".into(), "b".into()]));
        assert!(!is_assess_drop(&["vectors.npy".into()]));
        let u = unpack(three.clone()).unwrap();
        assert_eq!(u.titles.as_ref().map(Vec::len), Some(3));
        assert_eq!(u.assessed.facts.production.index_name, "idx");
        let entries: Vec<zip::ZipEntry<'_>> = three
            .iter()
            .map(|(n, d)| zip::ZipEntry {
                name: n,
                data: d,
                executable: false,
            })
            .collect();
        let zipped = zip::write_zip(&entries);
        let u = unpack(vec![("out.zip".into(), zipped)]).unwrap();
        assert_eq!(u.vectors, npy(3, 4));

        let mut wrong_dim = three.clone();
        wrong_dim[0].1 = facts(8);
        assert_eq!(
            unpack(wrong_dim).unwrap_err(),
            "facts.json says DIM 8, but vectors.npy holds 4-dimensional vectors"
        );
        let mut bad_facts = three.clone();
        bad_facts[0].1 = b"{oops".to_vec();
        assert!(unpack(bad_facts)
            .unwrap_err()
            .starts_with("facts.json is not JSON"));
        let missing: Vec<_> = three.iter().skip(1).cloned().collect();
        assert!(unpack(missing)
            .unwrap_err()
            .starts_with("facts.json is missing"));
        assert!(unpack(vec![("x.zip".into(), b"nope".to_vec())])
            .unwrap_err()
            .starts_with("x.zip: not a zip archive"));
    }
}
