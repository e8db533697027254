#!/usr/bin/env python3
"""A wire with delay, jitter and loss between two network interfaces, for kernels without
the netem queueing discipline (sch_netem).

    netem-wire.py <interface-a> <interface-b> [delay <time> [<jitter>]] [loss <percent>%]

Every Ethernet frame that arrives on one interface leaves on the other, each direction on its
own, after `delay` (plus or minus up to `jitter`, uniformly), unless it is lost (`loss`, an
independent chance per frame). Frames keep their order in each direction, as on a real path:
a frame never leaves before the one that arrived before it. Times take `ms` or `s`
(`50ms`, `0.2s`); a bare number is milliseconds.

The interfaces are read and written with AF_PACKET sockets carrying virtio-net headers, so a
TCP segment that the sending side left unsegmented or without its checksum (veth offloads)
is passed on as it is and finished by the kernel on the way out. Neither interface may be in
a bridge. scripts/netns-testnet.sh runs this where `tc qdisc … netem` is not available.
"""

import collections
import os
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
PACKET_OUTGOING = 4
# A virtio-net header (10 bytes) and the largest frame a GSO packet may be (64 KiB + Ethernet).
FRAME_MAX = 10 + 65536 + 14 + 4


def parse_time(text):
    if text.endswith("ms"):
        return float(text[:-2]) / 1000.0
    if text.endswith("us"):
        return float(text[:-2]) / 1e6
    if text.endswith("s"):
        return float(text[:-1])
    return float(text) / 1000.0


def parse_options(words):
    delay = jitter = loss = 0.0
    i = 0
    while i < len(words):
        word = words[i]
        if word == "delay" and i + 1 < len(words):
            delay = parse_time(words[i + 1])
            i += 2
            if i < len(words) and words[i][0].isdigit():
                jitter = parse_time(words[i])
                i += 1
        elif word == "loss" and i + 1 < len(words):
            loss = float(words[i + 1].rstrip("%")) / 100.0
            i += 2
        else:
            raise SystemExit(f"netem-wire: unknown option {word!r} (delay, loss)")
    if delay < 0 or jitter < 0 or jitter > delay or not 0 <= loss <= 1:
        raise SystemExit("netem-wire: need 0 <= jitter <= delay and a loss of 0-100%")
    return delay, jitter, loss


def open_interface(name):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    sock.bind((name, ETH_P_ALL))
    sock.setblocking(False)
    return sock


class Direction:
    """Frames read from one socket, waiting for their time to leave on the other."""

    def __init__(self, source, sink, delay, jitter, loss, rng):
        self.source, self.sink = source, sink
        self.delay, self.jitter, self.loss, self.rng = delay, jitter, loss, rng
        self.queue = collections.deque()
        self.last_due = 0.0
        self.passed = self.dropped = 0

    def receive(self, now):
        while True:
            try:
                frame, address = self.source.recvfrom(FRAME_MAX)
            except BlockingIOError:
                return
            # What this wire itself sent out of the source interface comes back as outgoing.
            if address[2] == PACKET_OUTGOING:
                continue
            if self.loss and self.rng.random() < self.loss:
                self.dropped += 1
                continue
            wait = self.delay + (self.rng.uniform(-self.jitter, self.jitter) if self.jitter else 0)
            self.last_due = max(self.last_due, now + wait)
            self.queue.append((self.last_due, frame))

    def send_due(self, now):
        while self.queue and self.queue[0][0] <= now:
            _, frame = self.queue.popleft()
            try:
                self.sink.send(frame)
                self.passed += 1
            except (BlockingIOError, OSError):
                # A full send buffer or a frame the kernel refuses: lost, like on a real link.
                self.dropped += 1

    def next_due(self):
        return self.queue[0][0] if self.queue else None


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    delay, jitter, loss = parse_options(sys.argv[3:])
    a, b = open_interface(sys.argv[1]), open_interface(sys.argv[2])
    rng = random.Random(int.from_bytes(os.urandom(8), "little"))
    directions = [Direction(a, b, delay, jitter, loss, rng), Direction(b, a, delay, jitter, loss, rng)]
    by_socket = {a.fileno(): directions[0], b.fileno(): directions[1]}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        now = time.monotonic()
        dues = [d for d in (x.next_due() for x in directions) if d is not None]
        timeout = max(0.0, min(dues) - now) if dues else None
        readable, _, _ = select.select([a, b], [], [], timeout)
        now = time.monotonic()
        for sock in readable:
            by_socket[sock.fileno()].receive(now)
        for direction in directions:
            direction.send_due(now)


if __name__ == "__main__":
    main()
