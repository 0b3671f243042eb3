#!/usr/bin/env bats
# bats/systemwide.bats - owns system-wide mode: libtryall in /etc/ld.so.preload
# (a private one: an overlay on /etc in the test's mount namespace,
# bats/lib/sysetc.bash; the host's /etc/ld.so.preload is never written),
# with a /etc/libtryall.conf beside it. Every program of that namespace then
# runs with the library, and each scenario runs the same commands twice,
# without and with it, and compares stdout, stderr and exit status byte for
# byte: programs that are not network programs at all, a shell pipeline, a
# fork/exec storm, a program started with stdin, stdout and stderr closed,
# one started with an empty environment (env -i), a daemon that closes every
# descriptor, set-uid programs run by nobody (AT_SECURE: ours and the
# system's own); for the set-uid one, strace shows it writes nowhere it
# would not write without libtryall, even with TRYALL_LOG* in its
# environment. The network programs also connect where the first address is
# refused (the point of it), in each of those conditions.
# Needs root and namespaces (skips otherwise).

load lib/netns

setup_file() {
  ns_setup_file
}

setup() {
  ns_build_paths sysprobe naive_gai || return 1
  T=$BATS_TEST_TMPDIR
  SYSETC=$BATS_TEST_DIRNAME/lib/sysetc.bash
  # What every user can reach: the library (ld.so opens it with the
  # program's rights), the probes, a directory for their reports.
  W=$(mktemp -d /tmp/tryall-sw.XXXXXX)
  chmod 755 "$W"
  mkdir -m 1777 "$W/out"
  cp "$LIB" "$W/libtryall.so" && cp "$C/sysprobe" "$W/probe" && cp "$C/naive_gai" "$W/naive"
  cp "$C/sysprobe" "$W/suid-probe" && cp "$C/naive_gai" "$W/suid-naive"
  chmod 755 "$W/libtryall.so" "$W/probe" "$W/naive"
  chmod 4755 "$W/suid-probe" "$W/suid-naive"
  CONF=$'# system-wide: defaults, one rule\n[program no-such-program]\noff\n'
}

teardown() {
  rm -rf "$W"
}

# both SCENARIO CMD: in one namespace, /etc/libtryall.conf = $CONF, then
# `bash -c CMD` with an empty /etc/ld.so.preload ($T/without.*) and with
# libtryall in it ($T/with.*: out, err, st; both written as run.* first, so
# that CMD sees the same file names); $T/loaded counts libtryall's mappings
# in a process started with it there.
both() {
  local inner='source "$1" && sysetc_start "$2" || exit 99
    printf "%s" "$3" | sysetc_conf || exit 99
    sysetc_preload "" || exit 99
    bash -c "$5" >"$2/run.out" 2>"$2/run.err"; echo $? >"$2/without.st"
    mv "$2/run.out" "$2/without.out" && mv "$2/run.err" "$2/without.err" || exit 99
    sysetc_preload "$4" || exit 99
    grep -c libtryall /proc/self/maps >"$2/loaded"
    bash -c "$5" >"$2/run.out" 2>"$2/run.err"; echo $? >"$2/with.st"
    mv "$2/run.out" "$2/with.out" && mv "$2/run.err" "$2/with.err"'
  run_in_ns "$1" bash -c "$inner" x "$SYSETC" "$T" "$CONF" "$W/libtryall.so" "$2"
  assert_status 0
  [ "$(cat "$T/loaded")" -ge 1 ] || { echo "libtryall was not preloaded from /etc/ld.so.preload"; return 1; }
}

# The two runs of `both` gave the same stdout, stderr and status.
assert_same() {
  local f rc=0
  for f in out err st; do
    if ! cmp -s "$T/without.$f" "$T/with.$f"; then
      echo "--- $f differs (without libtryall, then with it):"
      diff "$T/without.$f" "$T/with.$f" | head -n 40
      rc=1
    fi
  done
  echo "--- with libtryall, status $(cat "$T/with.st"), stdout:"
  head -n 40 "$T/with.out"
  return $rc
}

@test "programs that are not network programs behave exactly as without libtryall" {
  NS_TIMEOUT=60
  both plain '
    ls -l /usr/bin/env /etc/hostname; echo "ls: $?"
    ls /no/such/file; echo "ls missing: $?"
    sort -r /etc/hosts | sha256sum
    echo "Hello, World" | tr a-z A-Z | rev
    seq 1 100000 | awk "{ s += \$1 } END { print s }"
    python3 -c "import os, sys; print(sorted(os.listdir(\"/proc/self/fd\")), sys.flags.ignore_environment)"
    tar -cf - -C /usr/share/doc/bash . 2>/dev/null | wc -c
    date -u -d @86400
    id; umask; ulimit -n
    cat /proc/self/status | grep -E "^(Uid|Gid|Groups|FDSize|SigBlk|SigIgn|CapEff):"
    sh -c "exit 7"; echo "sh: $?"
    perl -e "print qq(perl ok\n)" 2>/dev/null || echo "no perl"
    getent hosts single; echo "getent: $?"
    sh -c "kill -TERM \$\$"; echo "after a signal: $?"'
  assert_same
}

@test "a shell pipeline behaves exactly as without libtryall (SIGPIPE included)" {
  NS_TIMEOUT=60
  both plain '
    set -o pipefail
    seq 1 20000 | sort -rn | head -n 5 | tee /dev/stderr | paste -sd+ | awk "{ print \"sum:\", \$0 }"
    yes | head -n 100000 | wc -l; echo "statuses: ${PIPESTATUS[*]}"
    printf "b\na\nb\nc\n" | sort | uniq -c | sed "s/^ *//" | cut -d" " -f1 | xargs echo
    cat /etc/hosts | grep -c single | cat; exit 3'
  assert_same
  [ "$(cat "$T/with.st")" -eq 3 ]
}

@test "a fork/exec storm behaves as without libtryall, at a cost within bounds" {
  NS_TIMEOUT=120
  both plain '
    for i in $(seq 300); do /bin/true; sh -c "echo \$((i * 2))" i=$i >/dev/null; done
    for i in $(seq 50); do ( /bin/echo "child $i" ) & done | sort -V | md5sum
    wait
    for i in $(seq 50); do env -i /bin/sh -c "exit $((i % 5))"; echo -n "$? "; done; echo'
  assert_same
  both plain '
    t0=$EPOCHREALTIME
    for i in $(seq 500); do /bin/true; done
    t1=$EPOCHREALTIME
    echo $(( (10#${t1/./} - 10#${t0/./}) / 1000 )) >/dev/stderr'
  local without with
  without=$(cat "$T/without.err") with=$(cat "$T/with.err")
  echo "500 fork+exec: ${without} ms without, ${with} ms with libtryall"
  # generous: with a machine shared by other tests, only gross costs fail
  [ "$with" -le $((without * 3 + 3000)) ]
}

@test "stdin, stdout and stderr closed: descriptors and results as without libtryall; it still races" {
  CONF=$'log = trace\n'    # logging on, to stderr - which is closed
  both refused6 '
    '"$W"'/probe "'"$W"'/out/closed" single 8080 <&- >&- 2>&-; echo "status $?"
    cat "'"$W"'/out/closed"'
  assert_same
  grep -q "^report fd 0$" "$T/with.out"
  grep -q "^socket fd 1$" "$T/with.out"
  grep -q "^connect ok, send ok$" "$T/with.out"
  grep "^fd " "$T/without.out" >"$T/fds-single"
  both refused6 '
    '"$W"'/probe "'"$W"'/out/closed" refused6 8080 <&- >&- 2>&-; echo "status $?"
    cat "'"$W"'/out/closed"'
  grep -q "^connect ECONNREFUSED$" "$T/without.out"
  grep -q "^connect ok, send ok$" "$T/with.out"
  # the same descriptors as a connect that worked without libtryall: none
  # of ours left open
  diff "$T/fds-single" <(grep "^fd " "$T/with.out")
}

@test "env -i: an empty environment changes nothing, and the library still races" {
  both plain '
    env -i '"$W"'/probe -i "'"$W"'/out/envi" single 8080; echo "status $?"; cat "'"$W"'/out/envi"
    env -i /usr/bin/env; echo "env: $?"'
  assert_same
  grep -q "tryall-env 0" "$T/with.out"
  both refused6 'env -i '"$W"'/naive refused6 8080'
  grep -q "ECONNREFUSED" "$T/without.out"
  grep -q "^connected ::ffff:127.0.0.2" "$T/with.out"
}

@test "a daemon that closes every descriptor: the same descriptors and results as without libtryall" {
  NS_TIMEOUT=30
  local cmd='
    rm -f "'"$W"'/out/daemon"
    '"$W"'/probe -d "'"$W"'/out/daemon" HOST 8080; echo "parent status $?"
    for i in $(seq 500); do [ -e "'"$W"'/out/daemon" ] && break; sleep 0.02; done
    cat "'"$W"'/out/daemon"'
  both plain "${cmd//HOST/single}"
  assert_same
  grep -q "^fd 0 /dev/null$" "$T/with.out"
  grep -q "^connect ok, send ok$" "$T/with.out"
  both refused6 "${cmd//HOST/refused6}"
  grep -q "^connect ECONNREFUSED$" "$T/without.out"
  grep -q "^connect ok, send ok$" "$T/with.out"
  diff <(grep "^fd " "$T/without.out") <(grep "^fd " "$T/with.out")
}

@test "set-uid programs run by nobody (AT_SECURE): ours and the system's behave as without libtryall; ours still races" {
  command -v setpriv >/dev/null || skip "setpriv not installed"
  local nobody='setpriv --reuid=65534 --regid=65534 --clear-groups'
  both plain "
    $nobody env TRYALL_LOG=trace TRYALL_DISABLE=1 $W/suid-probe -i $W/out/suid single 8080; echo \"status \$?\"
    cat $W/out/suid
    for p in /usr/bin/mount /usr/bin/passwd /usr/bin/gpasswd /usr/bin/chfn /usr/bin/su; do
      [ -u \$p ] || continue
      case \$p in
        */mount) $nobody \$p ;;
        */passwd) $nobody \$p -S root ;;
        */su) $nobody \$p --version ;;
        *) $nobody \$p --help ;;
      esac
      echo \"\$p: \$?\"
    done 2>&1"
  assert_same
  grep -q "^secure 1 uid 65534 euid 0 tryall-env 2$" "$T/with.out"
  grep -q "/usr/bin/mount: 0" "$T/with.out"
  both refused6 "$nobody $W/suid-naive refused6 8080"
  grep -q "ECONNREFUSED" "$T/without.out"
  grep -q "^connected ::ffff:127.0.0.2" "$T/with.out"
}

@test "a set-uid program writes nowhere it would not write without libtryall, whatever TRYALL_LOG* says (strace)" {
  command -v strace >/dev/null || skip "strace not installed"
  # every system call that can write something, with the path or the kind
  # of descriptor it writes to (strace -y), but the race's own TCP traffic;
  # the set-uid program runs as nobody with the set-uid bit honoured
  # (strace -u, as root), and races: with TRYALL_LOG* honoured it would log
  local calls=openat,open,creat,write,writev,pwrite64,pwritev,pwritev2,sendto,sendmsg,sendmmsg
  calls=$calls,mkdir,mkdirat,unlink,unlinkat,rename,renameat,renameat2,link,linkat,symlink,symlinkat
  calls=$calls,chmod,fchmod,fchmodat,chown,fchown,fchownat,lchown,truncate,ftruncate,bind,connect,socket
  both refused6 "
    strace -f -qq -y -u nobody -o $W/out/strace -e trace=$calls -e signal=none \
      env TRYALL_LOG=trace TRYALL_LOG_TO=file:$W/out/evil.log TRYALL_LOG_FILE=$W/out/evil2.log \
      $W/suid-probe -i $W/out/st refused6 8080
    echo \"status \$?\"; cat $W/out/st
    python3 - $W/out/strace <<'EOF'
import re, sys
WRITE = ('O_WRONLY', 'O_RDWR', 'O_CREAT', 'O_TRUNC', 'O_APPEND')
seen = set()
for line in open(sys.argv[1]):
    line = re.sub(r'^\d+ +', '', line.strip())
    m = re.match(r'(\w+)\((.*)', line)
    if not m:
        continue
    name, args = m.groups()
    args = re.sub(r'socket:\[\d+\]', 'socket', args)
    args = re.sub(r'pipe:\[\d+\]', 'pipe', args)
    # which file, not which number: libtryall's lookup threads have a
    # descriptor table of their own (the same nscd socket gets another number)
    args = re.sub(r'^\d+<', '<', args)
    if name in ('openat', 'open', 'creat'):
        if name != 'creat' and not any(f in args for f in WRITE):
            continue
        path = re.search(r'\"([^\"]*)\"', args)
        seen.add((name, path.group(1) if path else args[:60]))
    elif name == 'socket':
        if not args.startswith('AF_INET'):
            seen.add((name, args.split(',')[0]))
    else:
        first = re.match(r'([^,)]*)', args).group(1)
        if name in ('connect', 'bind', 'sendto', 'sendmsg'):
            addr = re.search(r'sun_path=\"[^\"]*\"|sin6?_addr=[^,}]*|inet_addr\(\"[^\"]*\"\)', args)
            first += ' ' + (addr.group(0) if addr else '')
        # the race itself: TCP connects to the name's addresses, the
        # program's own data on its socket (both differ by design)
        if 'sin' in first or (first.startswith('<socket>') and 'sun_path' not in first):
            continue
        seen.add((name, first))
for s in sorted(seen):
    print('writes:', *s)
EOF"
  cat "$T/with.out"
  diff <(grep '^writes:' "$T/without.out") <(grep '^writes:' "$T/with.out") ||
    { echo "with libtryall, the set-uid program wrote somewhere new (> lines above)"; return 1; }
  grep -q "^secure 1 uid 65534 euid 0" "$T/with.out"
  grep -q "^connect ok, send ok$" "$T/with.out"    # it raced (and would have logged)
  grep -q "^connect ECONNREFUSED$" "$T/without.out"
  grep -qF "writes: write <$W/out/st.tmp>" "$T/with.out"    # strace saw the program's own writes
  [ ! -e "$W/out/evil.log" ] && [ ! -e "$W/out/evil2.log" ]
}
