// Measures block propagation and finality latency on a running local testnet: for every new
// block it notes when the author's slot began (from the block's slot claim), when each watched
// node first saw the block, and when the first one saw it finalized.
// Usage: node scripts/bench-finality.mjs <seconds> <slot ms> <ws url> [<ws url> ...]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/js/package.json', import.meta.url));
const WebSocket = require('ws');

const [seconds, slotMs, ...urls] = process.argv.slice(2);
const slotDuration = Number(slotMs);
const seen = new Map(); // number -> { slot, imported: [ms per node], finalized: ms }

function slotOf(header) {
  for (const log of header.digest.logs) {
    // PreRuntime (6) ++ "LUXT" ++ PreDigest: variant, u32 authority index, u64 slot.
    if (log.startsWith('0x06' + Buffer.from('LUXT').toString('hex'))) {
      const bytes = Buffer.from(log.slice(2), 'hex');
      // 1 kind + 4 engine + compact length (1 byte for < 64, 2 bytes otherwise) + variant + 4.
      const lengthBytes = (bytes[5] & 3) === 0 ? 1 : 2;
      const start = 5 + lengthBytes + 1 + 4;
      return Number(bytes.readBigUInt64LE(start));
    }
  }
  return undefined;
}

function watch(url, index) {
  const socket = new WebSocket(url);
  socket.on('open', () => {
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'chain_subscribeAllHeads', params: [] }));
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'chain_subscribeFinalizedHeads', params: [] }));
  });
  socket.on('message', (raw) => {
    const now = Date.now();
    const message = JSON.parse(raw);
    if (!message.params) return;
    const header = message.params.result;
    const number = parseInt(header.number, 16);
    const entry = seen.get(number) ?? { slot: slotOf(header), imported: [], finalized: undefined };
    seen.set(number, entry);
    if (message.method === 'chain_allHead') {
      if (entry.imported[index] === undefined) entry.imported[index] = now;
    } else if (message.method === 'chain_finalizedHead' && entry.finalized === undefined) {
      entry.finalized = now;
    }
  });
  return socket;
}

const sockets = urls.map(watch);
setTimeout(() => {
  sockets.forEach((s) => s.close());
  const finality = [];
  const propagation = [];
  for (const [, entry] of seen) {
    if (entry.slot === undefined) continue;
    const authored = entry.slot * slotDuration;
    if (entry.finalized !== undefined) finality.push(entry.finalized - authored);
    for (const t of entry.imported) if (t !== undefined) propagation.push(t - authored);
  }
  const stats = (values) => {
    values.sort((a, b) => a - b);
    const at = (q) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
    return { count: values.length, median: at(0.5), p95: at(0.95), max: values[values.length - 1] };
  };
  console.log(JSON.stringify({ finality_ms: stats(finality), seen_by_nodes_ms: stats(propagation) }, null, 2));
  process.exit(0);
}, Number(seconds) * 1000);
