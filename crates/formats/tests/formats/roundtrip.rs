//! Positive tests: every format and dtype reads back what was written.

use annlab_formats::{
    detect, parse_named_vectors, parse_neighbors, parse_projector_metadata, parse_vectors,
    read_limited, write_fvecs, write_npy, Format, FormatError, ParseOptions,
};
use serde_json::Value;

const VALUES: [f32; 6] = [0.5, -1.25, 3.0, 0.0, 100.0, -7.5];

fn opts() -> ParseOptions {
    ParseOptions::default()
}

fn npy_vectors(descr: &str, shape: &[usize], fortran: bool, data: &[u8]) -> Vec<f32> {
    let bytes = write_npy(descr, shape, fortran, data);
    let file =
        parse_vectors(Format::Npy, &bytes, &opts()).unwrap_or_else(|e| panic!("{descr}: {e}"));
    assert_eq!(file.source.dtype, descr);
    assert_eq!(file.data.len(), file.rows * file.dim);
    file.data
}

#[test]
fn npy_every_float_dtype() {
    let le4: Vec<u8> = VALUES.iter().flat_map(|v| v.to_le_bytes()).collect();
    let be4: Vec<u8> = VALUES.iter().flat_map(|v| v.to_be_bytes()).collect();
    let le8: Vec<u8> = VALUES
        .iter()
        .flat_map(|v| f64::from(*v).to_le_bytes())
        .collect();
    let be8: Vec<u8> = VALUES
        .iter()
        .flat_map(|v| f64::from(*v).to_be_bytes())
        .collect();
    let le2: Vec<u8> = VALUES
        .iter()
        .flat_map(|v| half::f16::from_f32(*v).to_le_bytes())
        .collect();
    let be2: Vec<u8> = VALUES
        .iter()
        .flat_map(|v| half::f16::from_f32(*v).to_be_bytes())
        .collect();
    for (descr, data) in [
        ("<f4", &le4),
        (">f4", &be4),
        ("<f8", &le8),
        (">f8", &be8),
        ("<f2", &le2),
        (">f2", &be2),
    ] {
        assert_eq!(npy_vectors(descr, &[2, 3], false, data), VALUES, "{descr}");
    }
}

#[test]
fn npy_byte_dtypes_and_shapes() {
    assert_eq!(
        npy_vectors("|u1", &[2, 2], false, &[0, 1, 128, 255]),
        vec![0., 1., 128., 255.]
    );
    assert_eq!(
        npy_vectors("|i1", &[1, 3], false, &[0x80, 0xFF, 0x7F]),
        vec![-128., -1., 127.]
    );
    // 1-d = one vector.
    let bytes = write_npy("|u1", &[3], false, &[1, 2, 3]);
    let file = parse_vectors(Format::Npy, &bytes, &opts()).unwrap();
    assert_eq!((file.rows, file.dim), (1, 3));
    // Fortran order is transposed: column-major [[1,2,3],[4,5,6]].
    let col_major: Vec<u8> = [1f32, 4., 2., 5., 3., 6.]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    assert_eq!(
        npy_vectors("<f4", &[2, 3], true, &col_major),
        vec![1., 2., 3., 4., 5., 6.]
    );
}

#[test]
fn npy_version_2_and_3_headers() {
    let v1 = write_npy("<f4", &[1, 2], false, &[0, 0, 128, 63, 0, 0, 0, 64]);
    let header = &v1[10..v1.len() - 8];
    for version in [2u8, 3] {
        let mut bytes = b"\x93NUMPY".to_vec();
        bytes.extend_from_slice(&[version, 0]);
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&[0, 0, 128, 63, 0, 0, 0, 64]);
        let file = parse_vectors(Format::Npy, &bytes, &opts()).unwrap();
        assert_eq!(file.data, vec![1.0, 2.0], "version {version}");
    }
    // Double-quoted keys, no trailing comma, extra keys and a Python 2 long are accepted too.
    let text = b"{\"shape\": (1L, 1), \"fortran_order\": False, \"descr\": \"<f4\", 'x': None}\n";
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(text.len() as u16).to_le_bytes());
    bytes.extend_from_slice(text);
    bytes.extend_from_slice(&1.5f32.to_le_bytes());
    assert_eq!(
        parse_vectors(Format::Npy, &bytes, &opts()).unwrap().data,
        vec![1.5]
    );
}

#[test]
fn npy_ground_truth_dtypes() {
    let ids = [3u32, 1, 4, 1, 5, 9];
    let cases: [(&str, Vec<u8>); 5] = [
        (
            "<i4",
            ids.iter().flat_map(|v| (*v as i32).to_le_bytes()).collect(),
        ),
        (
            "<i8",
            ids.iter()
                .flat_map(|v| i64::from(*v).to_le_bytes())
                .collect(),
        ),
        ("<u4", ids.iter().flat_map(|v| v.to_le_bytes()).collect()),
        (
            "<u8",
            ids.iter()
                .flat_map(|v| u64::from(*v).to_le_bytes())
                .collect(),
        ),
        (
            ">i4",
            ids.iter().flat_map(|v| (*v as i32).to_be_bytes()).collect(),
        ),
    ];
    for (descr, data) in cases {
        let bytes = write_npy(descr, &[2, 3], false, &data);
        let gt = parse_neighbors(Format::Npy, &bytes, &opts())
            .unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!((gt.rows, gt.k), (2, 3), "{descr}");
        assert_eq!(gt.ids, vec![vec![3, 1, 4], vec![1, 5, 9]], "{descr}");
    }
    let json = parse_neighbors(Format::Json, b"[[1]]", &opts());
    assert!(matches!(
        json,
        Err(FormatError::NotGroundTruthFormat { format: "json" })
    ));
}

#[test]
fn texmex_round_trip() {
    let bytes = write_fvecs(3, &VALUES);
    let file = parse_vectors(Format::Fvecs, &bytes, &opts()).unwrap();
    assert_eq!(
        (file.rows, file.dim, file.data.as_slice()),
        (2, 3, &VALUES[..])
    );
    assert_eq!(file.row(1), Some(&VALUES[3..]));
    assert_eq!(file.row(2), None);

    let bvecs = [3, 0, 0, 0, 1, 2, 3, 3, 0, 0, 0, 250, 251, 252];
    let file = parse_vectors(Format::Bvecs, &bvecs, &opts()).unwrap();
    assert_eq!(file.data, vec![1., 2., 3., 250., 251., 252.]);
    assert_eq!(file.source.dtype, "|u1");

    let ivecs: Vec<u8> = [2i32, 10, 20, 2, 30, 40]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let gt = parse_neighbors(Format::Ivecs, &ivecs, &opts()).unwrap();
    assert_eq!(gt.ids, vec![vec![10, 20], vec![30, 40]]);
}

#[test]
fn json_forms() {
    let file = parse_vectors(Format::Json, b" [[1, 2], [3.5, -4e-1]] ", &opts()).unwrap();
    assert_eq!(file.data, vec![1., 2., 3.5, -0.4]);

    let text = br#"[
        {"_id": "doc:1", "values": [0.6, 0.8], "text": "hello", "tags": ["a", "b"]},
        {"_id": "doc:2", "values": [1, 0], "text": "world", "tags": []}
    ]"#;
    let file = parse_vectors(Format::Json, text, &opts()).unwrap();
    assert_eq!(file.ids, Some(vec!["doc:1".to_owned(), "doc:2".to_owned()]));
    assert_eq!(
        file.texts,
        Some(vec!["hello".to_owned(), "world".to_owned()])
    );
    let meta = file.metadata.unwrap();
    assert_eq!(meta[0]["tags"], serde_json::json!(["a", "b"]));

    // Named fields override auto-detection.
    let text = br#"[{"name": "x", "emb_a": [1], "emb_b": [2, 3], "label": "L"}]"#;
    let options = ParseOptions {
        vector_field: Some("emb_b".into()),
        id_field: Some("name".into()),
        text_field: Some("label".into()),
        ..opts()
    };
    let file = parse_vectors(Format::Json, text, &options).unwrap();
    assert_eq!(file.data, vec![2., 3.]);
    assert_eq!(file.ids, Some(vec!["x".to_owned()]));
    assert_eq!(file.texts, Some(vec!["L".to_owned()]));
    assert_eq!(file.metadata.unwrap()[0]["emb_a"], serde_json::json!([1]));
}

#[test]
fn csv_and_tsv_forms() {
    let text = b"\xEF\xBB\xBFkey,Title,x,y,note\r\nk1,\"A, the first\",1,2,hi\r\nk2,B,3,4,\"multi\nline\"\r\n";
    let file = parse_vectors(Format::Csv, text, &opts()).unwrap();
    assert_eq!((file.rows, file.dim), (2, 2));
    assert_eq!(file.data, vec![1., 2., 3., 4.]);
    assert_eq!(file.ids, Some(vec!["k1".to_owned(), "k2".to_owned()]));
    assert_eq!(
        file.texts,
        Some(vec!["A, the first".to_owned(), "B".to_owned()])
    );
    assert_eq!(
        file.metadata.unwrap()[1]["note"],
        Value::String("multi\nline".into())
    );

    // Forced header on an all-numeric first row.
    let options = ParseOptions {
        header: Some(true),
        ..opts()
    };
    let file = parse_vectors(Format::Csv, b"1,2\n3,4\n", &options).unwrap();
    assert_eq!(file.rows, 1);

    // Embedding Projector: vectors TSV + metadata TSV.
    let vectors = b"0.1\t0.2\t0.3\n0.4\t0.5\t0.6\n";
    let file = parse_named_vectors("vectors.tsv", vectors, &opts()).unwrap();
    assert_eq!((file.rows, file.dim), (2, 3));
    let meta = parse_projector_metadata(b"Title\tGenre\nA\tdrama\nB\tcomedy\n", file.rows).unwrap();
    assert_eq!(meta[1]["Genre"], Value::String("comedy".into()));
    let labels = parse_projector_metadata(b"A\n\n", 2).unwrap();
    assert_eq!(labels[1]["label"], Value::String(String::new()));
}

#[test]
fn detection() {
    assert_eq!(detect("x.NPY", b""), Format::Npy);
    assert_eq!(detect("anything", b"\x93NUMPY\x01\x00"), Format::Npy);
    assert_eq!(detect("base.fvecs", b""), Format::Fvecs);
    assert_eq!(detect("base.bvecs", b""), Format::Bvecs);
    assert_eq!(detect("gt.ivecs", b""), Format::Ivecs);
    assert_eq!(detect("a.json", b""), Format::Json);
    assert_eq!(detect("a.csv", b""), Format::Csv);
    assert_eq!(detect("a.tsv", b""), Format::Tsv);
    assert_eq!(detect("a.txt", b"  [[1]]"), Format::Json);
    assert_eq!(detect("a.txt", b"1\t2\n"), Format::Tsv);
    assert_eq!(detect("a.txt", b"1,2\n"), Format::Csv);
    assert_eq!(detect("blob", b"\x00\x01\x02\xff"), Format::Unknown);
    let err = parse_named_vectors("blob", b"\x00\x01", &opts()).unwrap_err();
    assert!(matches!(err, FormatError::UnknownFormat { ref name } if name == "blob"));
}

#[test]
fn size_limits() {
    let bytes = write_fvecs(3, &VALUES);
    let small = ParseOptions::with_limits(10, 1000);
    assert!(matches!(
        parse_vectors(Format::Fvecs, &bytes, &small),
        Err(FormatError::TooLarge {
            bytes: 32,
            limit: 10
        })
    ));
    let few = ParseOptions::with_limits(1000, 5);
    for (format, data) in [
        (Format::Fvecs, bytes.clone()),
        (Format::Json, b"[[1,2,3],[4,5,6]]".to_vec()),
        (Format::Csv, b"1,2,3\n4,5,6\n".to_vec()),
    ] {
        let err = parse_vectors(format, &data, &few).unwrap_err();
        assert!(
            matches!(err, FormatError::TooManyValues { limit: 5, .. }),
            "{format}: {err}"
        );
    }
    assert_eq!(read_limited(&b"abc"[..], 3).unwrap(), b"abc");
    assert!(matches!(
        read_limited(&b"abcd"[..], 3),
        Err(FormatError::TooLarge { limit: 3, .. })
    ));
}
