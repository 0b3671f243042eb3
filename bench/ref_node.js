// ref_node.js - reference client that races by itself: node's net.connect
// with autoSelectFamily (node >= 20: RFC 8305-style, one attempt at a time,
// the next one after autoSelectFamilyAttemptTimeout, here 250 ms like
// libtryall's default delay). Run as: node -e "$(cat ref_node.js)" HOST PORT CAP_MS
// Prints the same line as tconn: "ok US first - peer ADDR", "fail US first - CODE"
// or "timeout US first -". Timed from net.connect() (name lookup included).
const net = require('net');
const [host, port, cap] = process.argv.slice(1);
const t0 = process.hrtime.bigint();
const us = () => Number((process.hrtime.bigint() - t0) / 1000n);
const s = net.connect({ host, port: +port, autoSelectFamily: true,
                        autoSelectFamilyAttemptTimeout: 250 });
s.on('connect', () => {
  console.log(`ok ${us()} first - peer ${s.remoteAddress}`);
  s.resetAndDestroy(); process.exit(0);
});
s.on('error', (e) => { console.log(`fail ${us()} first - ${e.code}`); process.exit(1); });
setTimeout(() => { console.log(`timeout ${us()} first -`); process.exit(3); }, +cap);
