//! The `luxtensor` command line as scripts call it.

use std::time::Duration;

use luxtensor_tests::{run_cli, NodeOptions, TestNode};

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

const DEV_PHRASE: &str = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

#[test]
fn key_inspect_gives_the_well_known_dev_keys() {
    let alice = run_cli(&["key", "inspect", "//Alice", "--scheme", "sr25519"]);
    assert!(alice.status.success(), "{}", stderr(&alice));
    assert!(stdout(&alice)
        .contains("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"));
    let account = run_cli(&["key", "inspect", &format!("{DEV_PHRASE}/m/44'/60'/0'/0/0")]);
    assert!(account.status.success(), "{}", stderr(&account));
    assert!(stdout(&account).contains("0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac"));
    let bad = run_cli(&["key", "inspect", "not a phrase at all", "--scheme", "ethereum"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("Error"), "{}", stderr(&bad));
}

#[test]
fn key_generate_gives_a_phrase_that_inspects_to_the_same_address() {
    let output = run_cli(&["key", "generate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let phrase_line = text.lines().find(|l| l.starts_with("Secret phrase:")).expect("phrase line");
    let phrase: Vec<&str> =
        phrase_line["Secret phrase:".len()..].split_whitespace().take(12).collect();
    let address =
        text.lines().find_map(|l| l.strip_prefix("Address:")).expect("address").trim().to_string();
    let inspect = run_cli(&["key", "inspect", &format!("{}/m/44'/60'/0'/0/0", phrase.join(" "))]);
    assert!(stdout(&inspect).contains(&address));
    let sr = run_cli(&["key", "generate", "--scheme", "sr25519", "--words", "24"]);
    assert!(sr.status.success());
    assert!(stdout(&sr).contains("SS58 Address:"));
}

#[test]
fn build_spec_prints_the_same_raw_spec_every_time() {
    for chain in ["dev", "local"] {
        let first = run_cli(&["build-spec", "--chain", chain, "--raw"]);
        assert!(first.status.success(), "{}", stderr(&first));
        let second = run_cli(&["build-spec", "--chain", chain, "--raw"]);
        assert!(
            stdout(&first).trim() == stdout(&second).trim(),
            "`build-spec --chain {chain} --raw` is not reproducible"
        );
    }
}

#[test]
fn bad_chain_specs_are_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = dir.path().to_str().expect("utf8");
    let missing = run_cli(&["--chain", "/nonexistent/spec.json", "--base-path", base]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("cannot read chain spec"), "{}", stderr(&missing));
    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{ not json").expect("write");
    let output = run_cli(&[
        "--chain",
        garbage.to_str().expect("utf8"),
        "--base-path",
        dir.path().to_str().expect("utf8"),
    ]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("invalid chain spec"), "{}", stderr(&output));
    let output =
        run_cli(&["--chain", "mainnet", "--base-path", dir.path().to_str().expect("utf8")]);
    assert!(stderr(&output).contains("cannot read chain spec"), "{}", stderr(&output));
}

#[tokio::test(flavor = "multi_thread")]
async fn node_starts_from_a_raw_spec_file_with_its_genesis() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The raw spec an operator writes with `build-spec` and hands to others.
    let output = run_cli(&["build-spec", "--chain", "dev", "--raw"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let spec = dir.path().join("dev.json");
    std::fs::write(&spec, &output.stdout).expect("write spec");
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(
        dir.path(),
        NodeOptions {
            args: vec!["--chain".into(), spec.to_str().expect("utf8").into()],
            ..Default::default()
        },
    )
    .await;
    let client = node.client().await;
    let raw: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&spec).expect("spec")).expect("json");
    assert_eq!(raw["id"], "luxtensor_dev");
    node.wait_for_block(2, Duration::from_secs(30)).await;
    let from_file = client.genesis_hash().await.expect("genesis");

    let other = tempfile::tempdir().expect("tempdir");
    let builtin = TestNode::dev(other.path(), NodeOptions::default()).await;
    assert_eq!(builtin.client().await.genesis_hash().await.expect("genesis"), from_file);
}

/// `--db-cache` and `--trie-cache-size` size the node's caches; with the state caches off
/// every read goes to the database, and the chain runs the same.
#[tokio::test(flavor = "multi_thread")]
async fn the_caches_are_sized_by_flags_and_may_be_turned_off() {
    let output = run_cli(&["--dev", "--db-cache", "lots"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--db-cache"), "{}", stderr(&output));

    let dir = tempfile::tempdir().expect("tempdir");
    let args = ["--db-cache", "1", "--trie-cache-size", "0"];
    let node = TestNode::dev(
        dir.path(),
        NodeOptions { args: args.iter().map(|a| a.to_string()).collect(), ..Default::default() },
    )
    .await;
    node.wait_for_block(3, Duration::from_secs(60)).await;
    let alice = lux_keys::dev_account("alice").expect("alice");
    let id = lux_primitives::AccountId20(alice.address());
    let balance = node.client().await.free_balance(&id).await.expect("balance");
    assert!(balance > 0, "alice's genesis balance, read without caches");
}

#[tokio::test(flavor = "multi_thread")]
async fn tx_transfer_and_account_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = TestNode::dev(dir.path(), NodeOptions::default()).await;
    let to = "0x7777777777777777777777777777777777777777";
    let ws = node.ws_url();
    let http = node.http_url();
    let output = tokio::task::spawn_blocking(move || {
        run_cli(&[
            "tx",
            "transfer",
            "--rpc-url",
            &ws,
            "--from",
            "alice",
            "--to",
            to,
            "--amount",
            "1.5",
        ])
    })
    .await
    .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("Extrinsic: 0x") && text.contains("Block:     0x"), "{text}");

    let balance = run_cli(&["account", "balance", to, "--rpc-url", &http]);
    assert!(stdout(&balance).contains("1.5 LUX"), "{}", stdout(&balance));
    let nonce = run_cli(&[
        "account",
        "nonce",
        "0xf24FF3a9CF04c71Dbc94D0b566f7A27B94566cac",
        "--rpc-url",
        &http,
    ]);
    assert_eq!(stdout(&nonce).trim(), "1");

    // A transfer that fails in the runtime: non-zero exit with the reason.
    let http2 = http.clone();
    let failing = tokio::task::spawn_blocking(move || {
        run_cli(&[
            "tx",
            "transfer",
            "--rpc-url",
            &http2,
            "--from",
            "bob",
            "--to",
            to,
            "--amount",
            "5000000",
            "--keep-alive",
        ])
    })
    .await
    .expect("runs");
    assert!(!failing.status.success());
    assert!(stderr(&failing).contains("Balances.InsufficientBalance"), "{}", stderr(&failing));
    // An invalid address or amount is refused before anything is sent.
    let bad = run_cli(&[
        "tx",
        "transfer",
        "--rpc-url",
        &http,
        "--from",
        "alice",
        "--to",
        "0x1234",
        "--amount",
        "1",
    ]);
    assert!(!bad.status.success());
    let bad = run_cli(&[
        "tx",
        "transfer",
        "--rpc-url",
        &http,
        "--from",
        "alice",
        "--to",
        to,
        "--amount",
        "1.x",
    ]);
    assert!(stderr(&bad).contains("invalid --amount"), "{}", stderr(&bad));
}

#[test]
fn purge_chain_removes_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let chain_dir = dir.path().join("chains/luxtensor_dev/db");
    std::fs::create_dir_all(&chain_dir).expect("mkdir");
    let output = run_cli(&[
        "purge-chain",
        "--base-path",
        dir.path().to_str().expect("utf8"),
        "--chain",
        "dev",
        "-y",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!chain_dir.exists());
}
