#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/corpus/<target>/) from a running dev node and a few signed
Ethereum transactions: real extrinsics, headers, blocks with their justifications, runtime
API inputs built from them, and chain specs around the node's genesis presets.

    luxtensor --dev --rpc-port 9944 &      # then send a transfer or two (luxtensor tx transfer)
    fuzz/make-seeds.py http://127.0.0.1:9944 eth-txs.txt
"""
import json
import os
import sys
import urllib.request

URL, ETH = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))


def rpc(method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(URL, body, {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(request))["result"]


def unhex(text):
    return bytes.fromhex(text[2:])


def compact(n):
    if n < 1 << 6:
        return bytes([n << 2])
    if n < 1 << 14:
        return ((n << 2) | 1).to_bytes(2, "little")
    if n < 1 << 30:
        return ((n << 2) | 2).to_bytes(4, "little")
    raw = n.to_bytes((n.bit_length() + 7) // 8, "little")
    return bytes([((len(raw) - 4) << 2) | 3]) + raw


def write(target, name, data):
    directory = os.path.join(HERE, "corpus", target)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name), "wb") as f:
        f.write(data)


best = int(rpc("chain_getHeader", [])["number"], 16)
extrinsics, n_blocks = [], 0
for number in range(1, best + 1):
    hash_ = rpc("chain_getBlockHash", [number])
    block = rpc("chain_getBlock", [hash_])
    xts = [unhex(x) for x in block["block"]["extrinsics"]]
    header = rpc("chain_getHeader", [hash_])
    # The header's SCALE bytes: parent, compact number, state root, extrinsics root, digest.
    logs = [unhex(log) for log in header["digest"]["logs"]]
    header_bytes = (
        unhex(header["parentHash"]) + compact(int(header["number"], 16))
        + unhex(header["stateRoot"]) + unhex(header["extrinsicsRoot"])
        + compact(len(logs)) + b"".join(logs)
    )
    justifications = block.get("justifications")
    for _engine, data in justifications or []:
        write("finality", f"justification-{number}", b"\x01" + unhex(data))
    # BlockData: header, body (opaque extrinsics), the justification's bytes if any.
    block_data = header_bytes + compact(len(xts)) + b"".join(xts) + b"\x00"
    if len(xts) > 1 or number <= 2:
        write("header", f"header-{number}", header_bytes)
        write("network", f"block-{number}", b"\x00" + block_data)
        write("network", f"response-{number}", b"\x02" + compact(1) + block_data)
        write("network", f"batch-{number}", b"\x03" + compact(len(xts)) + b"".join(xts))
        n_blocks += 1
    extrinsics += xts

# The signed ones first (the timestamp inherent of every block is 11 bytes), one inherent.
unique = sorted(set(extrinsics), key=len, reverse=True)
chosen = unique[:11] + [min(extrinsics, key=len)]
for i, xt in enumerate(chosen):
    write("extrinsic", f"extrinsic-{i}", xt)
    write("runtime_api", f"validate-{i}", b"\x00" + b"\x02" + xt + b"\x69" * 32)
    write("runtime_api", f"query-info-{i}", b"\x02" + xt + len(xt).to_bytes(4, "little"))
write("runtime_api", "nonce", b"\x01" + bytes.fromhex("f24ff3a9cf04c71dbc94d0b566f7a27b94566cac"))
write("runtime_api", "metadata-15", b"\x04" + (15).to_bytes(4, "little"))
write("runtime_api", "version", b"\x05")
# BlockRequest: FromBlock::Number(1), Ascending, 64, with bodies; FromBlock::Best, Descending, 1,
# without (a status request).
write("network", "request-number", b"\x01" + b"\x01" + (1).to_bytes(4, "little") + b"\x00" + (64).to_bytes(4, "little") + b"\x01")
write("network", "request-best", b"\x01" + b"\x02" + b"\x01" + (1).to_bytes(4, "little") + b"\x00")
write("finality", "empty-vote", b"\x00" + bytes(1 + 32 + 4 + 8 + 8 + 32 + 64))

# Chain specs, small: a stand-in for the wasm (a module header), the dev and default presets
# as patches, and raw storage of a few of the node's keys.
def decode_option_bytes(data):
    if data[0] == 0:
        return None
    mode, rest = data[1] & 3, data[1:]
    length, skip = {0: (rest[0] >> 2, 1), 1: (int.from_bytes(rest[:2], "little") >> 2, 2),
                    2: (int.from_bytes(rest[:4], "little") >> 2, 4)}[mode]
    return rest[skip:skip + length]


def spec(genesis):
    return json.dumps({
        "name": "Fuzz", "id": "fuzz", "chainType": "Development", "bootNodes": [],
        "telemetryEndpoints": None, "protocolId": "lux",
        "properties": {"tokenDecimals": 18, "tokenSymbol": "LUX", "isEthereum": True},
        "codeSubstitutes": {}, "genesis": genesis,
    }, indent=2).encode()


WASM = "0x0061736d01000000"
for name, preset in [("dev", "0x01" + compact(len(b"development")).hex() + b"development".hex()), ("default", "0x00")]:
    patch = json.loads(decode_option_bytes(unhex(rpc("state_call", ["GenesisBuilder_get_preset", preset]))))
    write("chain_spec", f"runtime-{name}", spec({"runtimeGenesis": {"code": WASM, "patch": patch}}))
write("chain_spec", "runtime-empty", spec({"runtimeGenesis": {"code": WASM, "patch": {}}}))
keys = rpc("state_getKeysPaged", ["0x", 8, None])
top = {key: rpc("state_getStorage", [key]) for key in keys}
top["0x3a636f6465"] = WASM
write("chain_spec", "raw", spec({"raw": {"top": top, "childrenDefault": {}}}))

with open(ETH) as f:
    for i, line in enumerate(l for l in f.read().split() if l.startswith("0x")):
        write("ethereum_transaction", f"tx-{i}", unhex(line))
print(f"seeds from {n_blocks} blocks and {len(extrinsics)} extrinsics")
