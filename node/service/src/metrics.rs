//! A minimal Prometheus endpoint (`GET /metrics`).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use lux_chain::Chain;
use lux_txpool::Pool;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::status::Counters;

fn render(chain: &Chain, pool: &Pool, counters: &Counters) -> String {
    let info = chain.info();
    let status = pool.status();
    format!(
        "# HELP lux_block_height Block height.\n# TYPE lux_block_height gauge\n\
         lux_block_height{{status=\"best\"}} {}\nlux_block_height{{status=\"finalized\"}} {}\n\
         # HELP lux_txpool_transactions Transactions in the pool.\n# TYPE lux_txpool_transactions gauge\n\
         lux_txpool_transactions{{queue=\"ready\"}} {}\nlux_txpool_transactions{{queue=\"future\"}} {}\n\
         lux_txpool_transactions{{queue=\"validating\"}} {}\n\
         # HELP lux_imported_blocks_total Blocks imported since start.\n# TYPE lux_imported_blocks_total counter\n\
         lux_imported_blocks_total {}\n\
         # HELP lux_transactions_total Transactions in new best blocks since start.\n# TYPE lux_transactions_total counter\n\
         lux_transactions_total {}\n",
        info.best_number,
        info.finalized_number,
        status.ready,
        status.future,
        status.queued,
        counters.blocks.load(Ordering::Relaxed),
        counters.transactions.load(Ordering::Relaxed),
    )
}

/// Serves metrics on `listener` until the task is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    chain: Arc<Chain>,
    pool: Arc<Pool>,
    counters: Arc<Counters>,
) {
    loop {
        let Ok((mut socket, _)) = listener.accept().await else { continue };
        let body = render(&chain, &pool, &counters);
        tokio::spawn(async move {
            let mut request = [0u8; 1024];
            let read =
                tokio::time::timeout(std::time::Duration::from_secs(5), socket.read(&mut request))
                    .await;
            let Ok(Ok(n)) = read else { return };
            let response = if request[..n].starts_with(b"GET /metrics") {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            };
            let _ = socket.write_all(response.as_bytes()).await;
        });
    }
}
