//! `mapinspect dump --diff A.json B.json` as a user runs it: no root, no BPF, two files of
//! `dump --json`'s shape; exit 0 when they hold the same, 1 when they differ, 2 on trouble.
use std::{path::PathBuf, process::Command};

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mapinspect-dump-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn diff(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mapinspect"))
        .args(["dump", "--diff"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn two_dumps_diff_like_diff() {
    let dir = scratch();
    let a = dir.join("a.json");
    let b = dir.join("b.json");
    let bad = dir.join("bad.json");
    std::fs::write(
        &a,
        r#"[{"name":"EXECS","type":"hash","id":7,"entries":[
            {"key":1,"value":{"count":2}},{"key":2,"value":{"count":5}}]},
           {"name":"EVENTS","type":"percpu_array","id":8,"entries":[
            {"key":0,"values":[1,1],"sum":2}]}]"#,
    )
    .unwrap();
    std::fs::write(
        &b,
        r#"[{"name":"EXECS","type":"hash","id":7,"entries":[
            {"key":1,"value":{"count":3}},{"key":9,"value":{"count":1}}]},
           {"name":"EVENTS","type":"percpu_array","id":8,"entries":[
            {"key":0,"values":[1,1],"sum":2}]}]"#,
    )
    .unwrap();
    std::fs::write(&bad, "not json").unwrap();
    let (a, b, bad) = (
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        bad.to_str().unwrap(),
    );

    let (code, out, err) = diff(&[a, a]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("EXECS (id 7)  same"), "{out}");

    let (code, out, err) = diff(&[a, b]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.is_empty(), "a difference is not an error: {err}");
    assert!(out.contains("EXECS (id 7)  +1 -1 ~1"), "{out}");
    assert!(
        out.contains(r#"  ~ 1 => {"count":2} -> {"count":3}"#),
        "{out}"
    );
    assert!(out.contains(r#"  + 9 => {"count":1}"#), "{out}");
    assert!(out.contains(r#"  - 2 => {"count":5}"#), "{out}");
    assert!(out.contains("EVENTS (id 8)  same"), "{out}");

    let (code, out, _) = diff(&[a, b, "--json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["same"], false);
    assert_eq!(json["maps"][0]["removed"][0]["key"], 2);

    let (code, out, err) = diff(&[a, bad]);
    assert_eq!(code, 2, "{out}");
    assert!(err.contains("is not JSON from `dump --json`"), "{err}");
    let (code, _, err) = diff(&[a, "/nonexistent/x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/x.json"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
