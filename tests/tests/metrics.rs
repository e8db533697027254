//! Metrics as operators use them: the node's `/metrics` in Substrate's names, scraped by a real
//! Prometheus server (Debian's `prometheus`, which `scripts/setup.sh` installs).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jsonrpsee::rpc_params;
use luxtensor_tests::{http_request, wait_for, NodeOptions, TestNode};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

/// A Prometheus server scraping one target every second; killed when dropped.
struct Prometheus {
    child: Child,
    log: std::path::PathBuf,
}

impl Prometheus {
    fn start(dir: &Path, target: &str) -> Self {
        let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("the prometheus server is missing: scripts/setup.sh installs it");
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  \
                 - job_name: luxtensor\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .expect("config");
        let log = dir.join("prometheus.log");
        let child = Command::new(binary)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("tsdb").display()))
            .arg("--web.listen-address=127.0.0.1:0")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("prometheus starts");
        Self { child, log }
    }

    /// The address Prometheus logged once it listens.
    async fn addr(&self) -> String {
        wait_for("Prometheus to listen", TIMEOUT, || async {
            let log = std::fs::read_to_string(&self.log).ok()?;
            let line = log.lines().find(|l| l.contains("msg=\"Listening on\""))?;
            Some(line.rsplit_once("address=")?.1.trim().to_string())
        })
        .await
    }

    /// Prometheus's whole answer to an instant query.
    fn answer(addr: &str, query: &str) -> Value {
        let encoded: String = query
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        http_request(addr, &format!("GET /api/v1/query?query={encoded} HTTP/1.0"), b"")
            .ok()
            .and_then(|(_, body)| serde_json::from_str(&body).ok())
            .unwrap_or_default()
    }

    /// The values of an instant query, with their labels.
    fn query(addr: &str, query: &str) -> Vec<(Value, f64)> {
        Self::answer(addr, query)["data"]["result"]
            .as_array()
            .map(|series| {
                series
                    .iter()
                    .filter_map(|s| {
                        let value = s["value"][1].as_str()?.parse().ok()?;
                        Some((s["metric"].clone(), value))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_prometheus_scrapes_the_node_in_substrate_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = NodeOptions {
        args: vec!["--prometheus-port".into(), "0".into(), "--name".into(), "metered".into()],
        ..Default::default()
    };
    let mut node = TestNode::dev(&dir.path().join("node"), options).await;
    let metrics = node.prometheus_addr().expect("the node logged its metrics address");
    node.wait_for_block(3, TIMEOUT).await;
    // Some calls to count: served ones, over WebSocket, and one the server does not know.
    let ws = node.ws_client().await;
    let _: String = ws.request("system_name", rpc_params![]).await.expect("served");
    let _ = ws.request::<Value>("no_suchMethod", rpc_params![]).await;

    let (status, text) = http_request(&metrics, "GET /metrics HTTP/1.0", b"").expect("scrape");
    assert_eq!(status, 200);
    for series in [
        "substrate_block_height{status=\"best\"} ",
        "substrate_block_height{status=\"finalized\"} ",
        "substrate_ready_transactions_number ",
        "substrate_sub_libp2p_peers_count 0",
        "substrate_proposer_block_constructed_bucket{le=",
        "substrate_proposer_number_of_transactions ",
        "substrate_rpc_calls_started_total{protocol=\"ws\",method=\"system_name\"} 1",
        "substrate_rpc_calls_finished_total{protocol=\"ws\",method=\"system_name\",is_error=\"false\"} 1",
        "substrate_rpc_calls_started_total{protocol=\"ws\",method=\"unknown\"} 1",
        "substrate_rpc_calls_time_bucket{",
        "substrate_build_info{name=\"metered\",version=\"",
        "substrate_node_roles 4",
        "luxtensor_database_size_bytes ",
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
        "process_open_fds ",
        "# EOF",
    ] {
        assert!(text.contains(series), "no {series:?} in\n{text}");
    }
    assert!(!text.contains("no_suchMethod"), "a stranger's method name became a label");
    let (status, _) = http_request(&metrics, "GET / HTTP/1.0", b"").expect("scrape");
    assert_eq!(status, 404);

    // A real Prometheus scrapes it, and the series arrive under their names.
    let prometheus = Prometheus::start(dir.path(), &metrics);
    let api = prometheus.addr().await;
    let up = wait_for("Prometheus to scrape the node", TIMEOUT, || async {
        let up = Prometheus::query(&api, "up{job=\"luxtensor\"}");
        up.first().is_some_and(|(_, v)| *v == 1.0).then_some(up)
    })
    .await;
    assert_eq!(up.len(), 1);
    let finalized = wait_for("a finalized height above 3 in Prometheus", TIMEOUT, || async {
        let series = Prometheus::query(&api, "substrate_block_height{status=\"finalized\"}");
        series.first().map(|(_, v)| *v).filter(|v| *v >= 3.0)
    })
    .await;
    assert!(finalized >= 3.0);
    for query in [
        "substrate_block_height{status=\"best\"}",
        "substrate_ready_transactions_number",
        "substrate_sub_libp2p_peers_count",
        "rate(substrate_proposer_block_constructed_count[1m])",
        "substrate_rpc_calls_started_total{method=\"system_name\"}",
        "process_resident_memory_bytes",
        "luxtensor_database_size_bytes",
    ] {
        let series = wait_for(&format!("{query} in Prometheus"), TIMEOUT, || async {
            let series = Prometheus::query(&api, query);
            (!series.is_empty()).then_some(series)
        })
        .await;
        assert!(series.iter().all(|(_, v)| v.is_finite()), "{query}: {series:?}");
    }
    let memory = Prometheus::query(&api, "process_resident_memory_bytes");
    assert!(memory[0].1 > 1e6, "resident memory {memory:?}");

    // The shipped Grafana dashboard asks only for series the node serves, in queries
    // Prometheus accepts.
    let dashboard: Value =
        serde_json::from_str(include_str!("../../scripts/grafana/luxtensor-node.json"))
            .expect("the dashboard is JSON");
    let (_, text) = http_request(&metrics, "GET /metrics HTTP/1.0", b"").expect("scrape");
    let panels = dashboard["panels"].as_array().expect("panels");
    assert!(panels.len() >= 10);
    for target in panels.iter().flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default()) {
        let expr = target["expr"].as_str().expect("expr").replace("$instance", ".*");
        let names = expr
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| ["substrate_", "luxtensor_", "process_"].iter().any(|p| w.starts_with(p)));
        for name in names {
            assert!(text.contains(&format!("\n{name}")), "the dashboard's {name} is not served");
        }
        let answer = Prometheus::answer(&api, &expr);
        assert_eq!(answer["status"], "success", "{expr}: {answer}");
    }
    node.stop();
}
