//! The local testnet on a real network: four validators and a full node, each in its own
//! network namespace with its own interface and address (`scripts/netns-testnet.sh`), never
//! loopback. It finalizes within a bound, on a clean network and on one with 200 ms round
//! trips and 2% loss, keeps a validator behind a slow link in step, and survives a
//! partition: neither side finalizes alone (2 of 4 voters each), no two nodes ever finalize
//! different blocks at one height, and finality resumes once the network heals.
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

/// How long a TCP connection from `host` to `address` takes to open (one round trip).
fn connect_time(host: u32, address: &str) -> Duration {
    let (ip, port) = address.split_once(':').expect("ip:port");
    let script = format!(
        "import socket, time\nt = time.monotonic()\nsocket.create_connection(('{ip}', {port}), 10).close()\nprint(time.monotonic() - t)"
    );
    let out = std::process::Command::new("ip")
        .args(["netns", "exec", &format!("lux-{host}"), "python3", "-c", &script])
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "connect failed: {}", String::from_utf8_lossy(&out.stderr));
    let seconds: f64 =
        String::from_utf8_lossy(&out.stdout).trim().parse().expect("python prints seconds");
    Duration::from_secs_f64(seconds)
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

/// How far finality trails the best block at one node, sampled four times a second.
struct Lag {
    /// The most blocks between best and finalized seen.
    worst: u32,
    /// Blocks finalized over the period.
    finalized: u32,
}

async fn finality_lag(node: &TestNode, period: Duration) -> Lag {
    let first = node.finalized().await.0;
    let mut worst = 0;
    let sampled = Instant::now();
    while sampled.elapsed() < period {
        let best = node.best_number().await;
        let finalized = node.finalized().await.0;
        worst = worst.max(best.saturating_sub(finalized));
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Lag { worst, finalized: node.finalized().await.0 - first }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_testnet_on_real_interfaces_survives_latency_loss_a_slow_link_and_a_partition() {
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
    let (rx0, tx0) = traffic(4);
    let clean = finality_lag(&nodes[0], Duration::from_secs(10)).await;
    let (rx1, tx1) = traffic(4);
    eprintln!(
        "finality lag on the netns testnet: at most {} blocks (500 ms slots), {} blocks \
         finalized in 10 s; a validator receives {:.1} kB/s and sends {:.1} kB/s",
        clean.worst,
        clean.finalized,
        (rx1 - rx0) as f64 / 10e3,
        (tx1 - tx0) as f64 / 10e3
    );
    assert!(clean.worst <= 4, "finality fell {} blocks behind", clean.worst);

    // A long, lossy network: every host's link delays each way by 50 ms ± 10 ms and loses 1%,
    // so host to host a packet takes 100 ms (200 ms there and back, 40% of a slot) and 2% are
    // lost. Finality keeps going, a little further behind.
    for host in 1..=5 {
        net(&["netem", &host.to_string(), "delay", "50ms", "10ms", "loss", "1%"]);
    }
    // The delay is really there: a TCP handshake from alice's host to bob's node takes a
    // round trip, at least 4 × 40 ms.
    let handshake = connect_time(1, "10.77.0.2:30333");
    assert!(handshake >= Duration::from_millis(150), "a round trip took {handshake:?}");
    let lossy = finality_lag(&nodes[0], Duration::from_secs(20)).await;
    eprintln!(
        "finality lag with 200 ms round trips and 2% loss: at most {} blocks, {} blocks \
         finalized in 20 s (a TCP handshake took {handshake:?})",
        lossy.worst, lossy.finalized
    );
    assert!(lossy.worst <= 10, "finality fell {} blocks behind on a lossy network", lossy.worst);
    assert!(lossy.finalized >= 20, "only {} blocks finalized in 20 s", lossy.finalized);
    for host in 1..=5 {
        net(&["netem", &host.to_string(), "off"]);
    }

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
