#!/usr/bin/env bash
# Slow clients against a real `onshi serve` (issue 15, docs/reliability.md): N connections
# that send nothing, half a request head, or half a body, held open; then all closed. Prints
# the server's RSS before, at the peak and after, its open sockets at the peak, and whether
# it still answers. The timeouts themselves are tested in `cargo test -p server --test serve`.
#
#   scripts/soak-slow-clients.sh [N=6000] [ONSHI_BIN=target/release/onshi]
set -euo pipefail
n=${1:-6000}
bin=${ONSHI_BIN:-${CARGO_TARGET_DIR:-target}/release/onshi}
[ -x "$bin" ] || { echo "soak-slow-clients: $bin not built (cargo build --release -p server)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" --data "$dir" serve --addr 127.0.0.1:0 --static-dir "$dir/none" 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do
  addr=$(grep -o 'listening on http://[0-9.:]*' "$dir/log" | sed 's|.*http://||' || true)
  [ -n "$addr" ] && break
  sleep 0.1
done
[ -n "$addr" ] || { cat "$dir/log" >&2; exit 1; }
python3 - "$addr" "$n" "$pid" <<'PY'
import socket, sys, time, urllib.request
addr, n, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
host, port = addr.rsplit(':', 1)
def rss():
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) // 1024
def sockets():
    import os
    return sum(1 for f in os.listdir(f'/proc/{pid}/fd')
               if os.readlink(f'/proc/{pid}/fd/{f}').startswith('socket:'))
def healthy():
    try:
        return urllib.request.urlopen(f'http://{addr}/healthz', timeout=30).status == 200
    except Exception as e:
        return f'no ({e})'
before = rss()
kinds = [b'', b'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ',
         b'POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"login":"' + b'a' * 4000]
held = []
for i in range(n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect((host, int(port)))
    except BlockingIOError:
        pass
    held.append((s, kinds[i % 3]))
time.sleep(0.5)
for s, data in held:
    try:
        s.send(data)
    except OSError:
        pass
peak, peak_sockets = before, 0
for _ in range(20):
    time.sleep(0.25)
    peak = max(peak, rss()); peak_sockets = max(peak_sockets, sockets())
during = healthy()
for s, _ in held:
    s.close()
time.sleep(15)
after = rss()
print(f'{n} slow connections: RSS {before} MiB before, {peak} MiB peak, {after} MiB 15 s after closing; '
      f'server sockets at most {peak_sockets}; /healthz while held: {during}; after: {healthy()}')
PY
if grep -q 'Too many open files' "$dir/log"; then echo "log: Too many open files"; fi
