# bats/lib/devlog.bash - owns a private /dev/log for the logging scenarios:
# a unix datagram socket that records every datagram, mounted over /dev/log
# inside the caller's private mount namespace (run_in_ns makes one). Never
# touches the host's /dev or /dev/log: /dev gets a private overlay (the
# host's nodes underneath, our socket on top, in the test's directory).
#
# Inside a run_in_ns command:
#   source bats/lib/devlog.bash
#   devlog_start DIR      # /dev/log now records into DIR/devlog.jsonl
#   ... run the program ...
#   devlog_stop DIR       # waits until every datagram sent so far is written
# DIR/devlog.jsonl has one JSON string per datagram (its bytes as latin-1),
# so a newline inside a datagram cannot pass for two.

DEVLOG_PY='
import json, socket, sys
path, out, ready = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(ready, "w").close()
with open(out, "w") as f:
    while True:
        d = s.recv(65536)
        if d == b"<0>devlog: stop":
            break
        f.write(json.dumps(d.decode("latin-1")) + "\n")
        f.flush()
'

devlog_start() {
  local d=$1 i
  if [ ! -e /dev/log ]; then
    mkdir -p "$d/dev.upper" "$d/dev.work"
    mount -t overlay devlog -o "lowerdir=/dev,upperdir=$d/dev.upper,workdir=$d/dev.work" /dev ||
      { echo "devlog: cannot overlay /dev"; return 1; }
    : >/dev/log
  fi
  python3 -c "$DEVLOG_PY" "$d/devlog.sock" "$d/devlog.jsonl" "$d/devlog.ready" &
  DEVLOG_PID=$!
  for ((i = 0; i < 250; i++)); do
    [ -e "$d/devlog.ready" ] && break
    sleep 0.02
  done
  [ -e "$d/devlog.ready" ] || { echo "devlog: listener did not start"; return 1; }
  mount --bind "$d/devlog.sock" /dev/log || { echo "devlog: cannot mount over /dev/log"; return 1; }
}

devlog_stop() {
  python3 -c 'import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(b"<0>devlog: stop", "/dev/log")'
  wait "$DEVLOG_PID"
}
