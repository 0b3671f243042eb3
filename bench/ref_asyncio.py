# ref_asyncio.py - reference client that races by itself: python3 asyncio
# open_connection with happy_eyeballs_delay=0.25 (RFC 8305 staggered race,
# interleaving families). usage: python3 ref_asyncio.py HOST PORT CAP_MS
# Prints the same line as tconn: "ok US first - peer ADDR", "fail US first - ERR"
# or "timeout US first -". Timed from open_connection() (name lookup included).
import asyncio, sys, time

async def main(host, port, cap):
    t0 = time.perf_counter()
    us = lambda: int((time.perf_counter() - t0) * 1e6)
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection(host, port, happy_eyeballs_delay=0.25), cap)
    except asyncio.TimeoutError:
        print(f"timeout {us()} first -"); return 3
    except OSError as e:
        print(f"fail {us()} first - {type(e).__name__}"); return 1
    print(f"ok {us()} first - peer {w.get_extra_info('peername')[0]}")
    w.transport.abort()
    return 0

sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000)))
