# bats/lib/sysetc.bash - owns a private, writable /etc for system-wide mode
# scenarios: an overlay mounted on /etc inside the caller's private mount
# namespace (run_in_ns makes one), its upper layer in the test's directory.
# /etc/ld.so.preload and /etc/libtryall.conf written there are seen by every
# program of that namespace only; the host's /etc is never written (the
# overlay's upper layer takes every change). Files that run_in_ns mounted
# over /etc (its resolver files) keep their content in the overlay.
#
# Inside a run_in_ns command:
#   source bats/lib/sysetc.bash
#   sysetc_start DIR             # /etc is now private and writable
#   sysetc_preload LIB           # LIB in /etc/ld.so.preload ("" = empty)
#   sysetc_conf < TEXT           # /etc/libtryall.conf, root's, mode 0644

sysetc_start() {
  local d=$1 m i=0
  local -a mounted=()
  mkdir -p "$d/etc.upper" "$d/etc.work" "$d/etc.saved" || return 1
  while read -r m; do
    [ -f "$m" ] && mounted+=("$m")
  done < <(findmnt -rn -o TARGET | grep '^/etc/')
  for m in "${mounted[@]}"; do cp "$m" "$d/etc.saved/$((i++))"; done
  mount -t overlay sysetc -o "lowerdir=/etc,upperdir=$d/etc.upper,workdir=$d/etc.work" /etc ||
    { echo "sysetc: cannot mount an overlay on /etc"; return 1; }
  i=0
  sysetc_ours || return 1
  for m in "${mounted[@]}"; do cat "$d/etc.saved/$((i++))" >"$m" || return 1; done
  sysetc_ours   # from here on, writes under /etc go to $d/etc.upper
}

# Never write /etc unless it is our overlay (a failed mount must not lead to
# a write on the host's /etc).
sysetc_ours() {
  [ "$(findmnt -n -o FSTYPE,SOURCE /etc | tr -s ' ')" = "overlay sysetc" ] ||
    { echo "sysetc: /etc is not the private overlay: refusing to write it" >&2; return 1; }
}

sysetc_preload() {
  sysetc_ours || return 1
  if [ -n "$1" ]; then echo "$1" >/etc/ld.so.preload; else : >/etc/ld.so.preload; fi
}

sysetc_conf() {
  sysetc_ours || return 1
  cat >/etc/libtryall.conf && chown 0:0 /etc/libtryall.conf && chmod 644 /etc/libtryall.conf
}
