#!/usr/bin/env bats
# bats/logging.bats - owns the log's destinations and formats, end to end:
# TRYALL_LOG_FORMAT=json lines parsed by python3's json module (every key
# checked against the race that happened, names with control characters
# and UTF-8 given back exactly), JSON to stderr beside the program's own
# output, TRYALL_LOG_TO=syslog reaching a listener on a private /dev/log
# (text and JSON, one datagram per line, the program's own syslog(3) lines
# untouched, the socket re-opened after the program closed every
# descriptor), and a log file that cannot be opened losing the line rather
# than writing to stderr.
# Needs root and namespaces (skips otherwise).

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths naive_gai syslog_app log_reuse || return 1
  T=$BATS_TEST_TMPDIR
  DEVLOG=$BATS_TEST_DIRNAME/lib/devlog.bash
}

# python3: check JSON lines (file $1) against the expectations in $2 (python
# code run with `ev`, the list of parsed objects, and `pid`, if given as $3).
check_json() {
  python3 - "$@" <<'EOF'
import json, re, sys
path, code = sys.argv[1], sys.argv[2]
pid = int(sys.argv[3]) if len(sys.argv) > 3 else None
ev = []
with open(path, "rb") as f:
    for n, raw in enumerate(f, 1):
        assert raw.endswith(b"\n"), f"line {n} does not end in a newline"
        assert all(0x20 <= b < 0x7f for b in raw[:-1]), f"line {n} is not printable ASCII"
        o = json.loads(raw)
        assert isinstance(o, dict), f"line {n} is not an object"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["time"]), o["time"]
        assert isinstance(o["pid"], int) and isinstance(o["event"], str)
        ev.append(o)
exec(code)
print(f"{len(ev)} JSON lines checked")
EOF
}

@test "TRYALL_LOG_FORMAT=json: one JSON object per event, parsed by python3's json module" {
  run_in_ns refused6 env LD_PRELOAD="$LIB" TRYALL_LOG=trace TRYALL_LOG_FORMAT=json \
    TRYALL_LOG_TO="file:$T/log.jsonl" "$C/naive_gai" refused6 8080
  assert_status 0
  assert_connected 127.0.0.2
  cat "$T/log.jsonl"
  check_json "$T/log.jsonl" '
assert [e["event"] for e in ev] == ["started", "failed", "started", "won"], ev
assert len({e["pid"] for e in ev}) == 1 and len({e["fd"] for e in ev}) == 1
for e in ev:
    assert e["program"] == "naive_gai", e
    assert e["host"] == "refused6" and e["port"] == 8080 and isinstance(e["fd"], int), e
    assert isinstance(e["ms"], int) and 0 <= e["ms"] < 5000, e
s1, f1, s2, w2 = ev
assert s1["attempt"] == 1 and s1["address"] == "fd00:7e57::10", s1
assert f1["attempt"] == 1 and f1["errno"] == "ECONNREFUSED" and f1["error"] == "Connection refused", f1
assert s2["attempt"] == 2 and w2["attempt"] == 2 and w2["address"] == "127.0.0.2", w2
assert "errno" not in w2 and "origin" not in w2, w2
'
}

@test "JSON: every address failing gives a lost event; names come back exactly (control characters, UTF-8)" {
  local name=$'esc\033[31m\x01caf\xc3\xa9\xe2\x80\xae.test'
  local inner='printf "127.0.0.10 %s\n127.0.0.11 %s\n" "$1" "$1" >>/etc/hosts
    exec env LD_PRELOAD="$2" TRYALL_LOG=fail TRYALL_LOG_FORMAT=json TRYALL_LOG_FILE="$3" "$4" "$1" 8080'
  run_in_ns plain bash -c "$inner" x "$name" "$LIB" "$T/lost.jsonl" "$C/naive_gai"
  assert_status 1
  assert_has ECONNREFUSED
  cat "$T/lost.jsonl"
  check_json "$T/lost.jsonl" '
want = "esc\x1b[31m\x01caf\u00e9\u202e.test"
assert [e["event"] for e in ev] == ["failed", "failed", "lost"], ev
for e in ev:
    assert e["host"] == want, (e["host"], want)
lost = ev[2]
assert lost["addresses"] == 2 and lost["errno"] == "ECONNREFUSED" and "attempt" not in lost, lost
'
}

@test "JSON to stderr: the program's own output is untouched, each of our lines parses" {
  run_in_ns refused6 bash -c 'env LD_PRELOAD="$1" TRYALL_LOG=fail TRYALL_LOG_FORMAT=json "$2" refused6 8080 2>"$3"' \
    x "$LIB" "$C/naive_gai" "$T/stderr"
  assert_status 0
  assert_connected 127.0.0.2
  assert_has "fd before "
  check_json "$T/stderr" '
assert [e["event"] for e in ev] == ["failed", "won"], ev
'
}

@test "TRYALL_LOG_TO=syslog: each line is one datagram on /dev/log; the program's own syslog(3) lines are untouched" {
  local inner='source "$1" && devlog_start "$2" || exit 99
    env LD_PRELOAD="$3" TRYALL_LOG=fail TRYALL_LOG_TO=syslog "$4" refused6 8080 2>"$2/stderr"
    st=$?
    devlog_stop "$2"
    exit $st'
  run_in_ns refused6 bash -c "$inner" x "$DEVLOG" "$T" "$LIB" "$C/syslog_app"
  assert_status 0
  assert_line "first: ok"
  assert_line "second: ok"
  cat "$T/devlog.jsonl"
  [ ! -s "$T/stderr" ] || { echo "stderr got:"; cat "$T/stderr"; return 1; }
  python3 - "$T/devlog.jsonl" <<'EOF'
import json, re, sys
dg = [json.loads(l) for l in open(sys.argv[1])]
ours = [d for d in dg if "tryall[" in d]
app = [d for d in dg if "legacyapp[" in d]
# LOG_USER|LOG_NOTICE = 13 for failures, LOG_USER|LOG_INFO = 14 for trace
fail = r"<13>tryall\[(\d+)\]: fd \d refused6 fd00:7e57::10 port 8080 attempt 1 failed: Connection refused \(ECONNREFUSED\) after \d+ ms"
won = r"<13>tryall\[(\d+)\]: fd \d refused6 127\.0\.0\.2 port 8080 attempt 2 won at \d+ ms"
assert len(ours) == 4, ours          # both connects: failed, won; failed, won
for d, pat in zip(ours, [fail, won, fail, won]):
    assert re.fullmatch(pat, d), (d, pat)
    assert "\n" not in d
# the program's lines: its ident, its facility (LOG_DAEMON|LOG_INFO = 30)
assert len(app) == 2, app
assert re.fullmatch(r"<30>\w{3} [ \d]\d \d\d:\d\d:\d\d legacyapp\[\d+\]: first: ok", app[0]), app[0]
assert app[1].endswith("legacyapp[" + re.search(r"legacyapp\[(\d+)\]", app[0]).group(1) + "]: second: ok"), app[1]
print(len(dg), "datagrams checked")
EOF
}

@test "syslog with JSON: '<PRI>tryall[PID]: ' then one JSON object per datagram; the socket comes back after closefrom" {
  local inner='source "$1" && devlog_start "$2" || exit 99
    env LD_PRELOAD="$3" TRYALL_LOG=trace TRYALL_LOG_TO=syslog TRYALL_LOG_FORMAT=json "$4" refused6 8080 "$2/data"
    st=$?
    devlog_stop "$2"
    exit $st'
  run_in_ns refused6 bash -c "$inner" x "$DEVLOG" "$T" "$LIB" "$C/log_reuse"
  assert_status 0
  [ "$(grep -c '^connect ok' <<<"$output")" -eq 2 ]
  [ ! -s "$T/data" ] || { echo "log lines went into the program's data file:"; cat "$T/data"; return 1; }
  cat "$T/devlog.jsonl"
  python3 - "$T/devlog.jsonl" <<'EOF'
import json, re, sys
dg = [json.loads(l) for l in open(sys.argv[1])]
ev = []
for d in dg:
    m = re.fullmatch(r"<(1[34])>tryall\[(\d+)\]: (\{.*\})", d)
    assert m, d
    o = json.loads(m.group(3))
    assert o["pid"] == int(m.group(2)), (o, d)
    # LOG_INFO (14) for the trace level: starts (and a win of the app's own
    # target); LOG_NOTICE (13) for the rest
    assert int(m.group(1)) == (14 if o["event"] == "started" else 13), d
    ev.append(o["event"])
assert ev == ["started", "failed", "started", "won"] * 2, ev
EOF
}

@test "a log file that cannot be opened loses the line: nothing goes to stderr instead" {
  mkdir "$T/ro"
  run_in_ns refused6 bash -c 'env LD_PRELOAD="$1" TRYALL_LOG=trace TRYALL_LOG_FILE="$2/no/such/dir/log" "$3" refused6 8080 2>"$2/stderr"' \
    x "$LIB" "$T" "$C/naive_gai"
  assert_status 0
  assert_connected 127.0.0.2
  [ ! -s "$T/stderr" ] || { cat "$T/stderr"; return 1; }
}

@test "stderr closed when the program started: a descriptor 2 the program opens later never gets a log line" {
  # log_reuse's data file takes the lowest free number: 2, stderr's.
  run_in_ns refused6 bash -c 'exec env LD_PRELOAD="$1" TRYALL_LOG=trace "$2" refused6 8080 "$3" 2>&-' \
    x "$LIB" "$C/log_reuse" "$T/data"
  assert_status 0
  assert_line "data fd 2"
  [ "$(grep -c '^connect ok' <<<"$output")" -eq 2 ]
  [ ! -s "$T/data" ] || { echo "log lines went into the program's data file:"; cat "$T/data"; return 1; }
}

@test "stderr replaced by the program (dup2 of its own file): the log stops writing there" {
  # a redirection made by the program itself, after the library noted stderr
  cat >"$T/dup2.py" <<'PY'
import os, socket, sys
host, port, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
socket.create_connection((host, port)).close()
fd = os.open(data, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.dup2(fd, 2)
socket.create_connection((host, port)).close()
print("both ok")
PY
  run_in_ns refused6 bash -c 'env LD_PRELOAD="$1" TRYALL_LOG=trace python3 "$2" refused6 8080 "$3" 2>"$4"' \
    x "$LIB" "$T/dup2.py" "$T/data" "$T/stderr"
  assert_status 0
  assert_line "both ok"
  grep -q "attempt 1 failed" "$T/stderr"    # the first connect, on the real stderr
  [ ! -s "$T/data" ] || { echo "log lines went into the program's file:"; cat "$T/data"; return 1; }
}
