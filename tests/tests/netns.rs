//! The local testnet on a real network: four validators and a full node, each in its own
//! network namespace with its own interface and address (`scripts/netns-testnet.sh`), never
//! loopback. It finalizes within a bound, keeps a validator behind a slow link in step, and
//! survives a partition: neither side finalizes alone (2 of 4 voters each), no two nodes ever
//! finalize different blocks at one height, and finality resumes once the network heals.
//!
//! Needs root (CI runs as root); elsewhere the test says it is skipped.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lux_primitives::H256;
use luxtensor_tests::{is_root, wait_for, TestNode, LOCAL_VALIDATORS};

const TIMEOUT: Duration = Duration::from_secs(120);

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/netns-testnet.sh")
}

fn net(args: &[&str]) {
    let status = std::process::Command::new(script()).args(args).status().expect("script runs");
    assert!(status.success(), "netns-testnet.sh {args:?} failed");
}

/// The namespaces, removed when dropped.
struct Network;

impl Network {
    fn up(hosts: u32) -> Self {
        net(&["up", &hosts.to_string()]);
        Self
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script()).arg("down").status();
    }
}

/// Bytes received and sent so far on a host's interface.
fn traffic(host: u32) -> (u64, u64) {
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &format!("lux-{host}"), "ip", "-s", "-j", "link", "show", "eth0"])
        .output()
        .expect("ip runs");
    let links: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let stats = &links[0]["stats64"];
    (stats["rx"]["bytes"].as_u64().unwrap_or(0), stats["tx"]["bytes"].as_u64().unwrap_or(0))
}

/// Every pair of nodes agrees on the finalized block at the lower of their two heights.
async fn finality_agrees(nodes: &[TestNode]) -> Vec<(u32, H256)> {
    let mut finalized = Vec::new();
    for node in nodes {
        finalized.push(node.finalized().await);
    }
    let lowest = finalized.iter().map(|(n, _)| *n).min().unwrap_or(0);
    let mut at_lowest = Vec::new();
    for node in nodes {
        at_lowest.push(node.block_hash(lowest).await);
    }
    assert!(
        at_lowest.windows(2).all(|w| w[0] == w[1]),
        "conflicting finalized blocks at #{lowest}: {at_lowest:?} (finalized: {finalized:?})"
    );
    finalized
}

#[tokio::test(flavor = "multi_thread")]
async fn a_testnet_on_real_interfaces_survives_a_partition_and_a_slow_link() {
    if !is_root() {
        eprintln!("SKIPPED: network namespaces need root");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let _network = Network::up(5);
    let mut nodes = Vec::new();
    let mut bootnode: Option<String> = None;
    for (i, name) in LOCAL_VALIDATORS.iter().map(|n| Some(*n)).chain([None]).enumerate() {
        let host = i as u32 + 1;
        let mut args: Vec<String> = vec![
            "--chain".into(),
            "local".into(),
            "--listen-addr".into(),
            format!("/ip4/10.77.0.{host}/tcp/30333"),
        ];
        match name {
            Some(name) => args.push(format!("--{name}")),
            None => args.extend(["--name".into(), "full-node".into()]),
        }
        if let Some(address) = &bootnode {
            args.extend(["--bootnodes".into(), address.clone()]);
        }
        let node =
            TestNode::start_in_netns(host, &dir.path().join(format!("host{host}")), &args).await;
        if bootnode.is_none() {
            bootnode = Some(node.p2p_address().await);
        }
        nodes.push(node);
    }
    for node in &nodes {
        wait_for("every node to see the four others", TIMEOUT, || async {
            (node.peers().await.len() >= 4).then_some(())
        })
        .await;
    }
    let start = nodes[0].finalized().await.0;
    for node in &nodes {
        wait_for("finality on every node", TIMEOUT, || async {
            (node.finalized().await.0 >= start + 3).then_some(())
        })
        .await;
    }

    // Finality keeps within a bound: sampled for 10 s at alice.
    let mut worst_lag = 0;
    let sampled = Instant::now();
    let (rx0, tx0) = traffic(4);
    while sampled.elapsed() < Duration::from_secs(10) {
        let best = nodes[0].best_number().await;
        let finalized = nodes[0].finalized().await.0;
        worst_lag = worst_lag.max(best.saturating_sub(finalized));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (rx1, tx1) = traffic(4);
    let seconds = sampled.elapsed().as_secs_f64();
    eprintln!(
        "finality lag on the netns testnet: at most {worst_lag} blocks (500 ms slots); a \
         validator receives {:.1} kB/s and sends {:.1} kB/s",
        (rx1 - rx0) as f64 / seconds / 1e3,
        (tx1 - tx0) as f64 / seconds / 1e3
    );
    assert!(worst_lag <= 4, "finality fell {worst_lag} blocks behind");

    // Dave behind a 2 Mbit/s link, both ways (twice what a validator exchanges here): he keeps
    // up.
    net(&["rate", "4", "2mbit"]);
    let target = nodes[0].finalized().await.0 + 8;
    wait_for("dave to finalize 8 more blocks behind a slow link", TIMEOUT, || async {
        (nodes[3].finalized().await.0 >= target).then_some(())
    })
    .await;
    let (alice_best, dave_best) = (nodes[0].best_number().await, nodes[3].best_number().await);
    eprintln!("slow link: alice at #{alice_best}, dave at #{dave_best}");
    assert!(alice_best.abs_diff(dave_best) <= 3, "dave fell behind: #{dave_best} vs #{alice_best}");
    net(&["rate", "4", "1gbit"]);

    // Partition: alice and bob against charlie, dave and the full node. Two voters of four on
    // each side: neither finalizes (it takes more than two thirds), both keep authoring.
    net(&["partition", "1", "2"]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = finality_agrees(&nodes).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after = finality_agrees(&nodes).await;
    for (i, (before, after)) in settled.iter().zip(&after).enumerate() {
        assert_eq!(before.0, after.0, "node {i} finalized during the partition");
    }
    let (alice_best, charlie_best) = (nodes[0].best_number().await, nodes[2].best_number().await);
    eprintln!(
        "partition: finality held at #{}; alice's side at #{alice_best}, charlie's at #{charlie_best}",
        after[0].0
    );

    // Healed: finality resumes past the partition, and every node agrees.
    net(&["heal"]);
    let healed = Instant::now();
    let target = after.iter().map(|(n, _)| *n).max().unwrap_or(0) + 3;
    for node in &nodes {
        wait_for("finality to resume after the partition", TIMEOUT, || async {
            (node.finalized().await.0 >= target).then_some(())
        })
        .await;
    }
    eprintln!("healed: finality past #{target} on every node {:?} after", healed.elapsed());
    finality_agrees(&nodes).await;
    for node in nodes.iter_mut() {
        node.stop();
    }
}
