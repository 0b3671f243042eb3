# libtryall - build, test, install.
# `make` builds build/libtryall.so and build/tryall-run; `make check` runs the
# cmocka unit tests and the bats scenarios; `make demo` shows the point of it.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    := $(PREFIX)/bin
LIBDIR    := $(PREFIX)/lib
DOCDIR    := $(PREFIX)/share/doc/libtryall

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASEFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Isrc
LIBFLAGS  := -fPIC -fvisibility=hidden -pthread
LDLIBS    := -ldl -pthread

B         := build
# src/ is a house in floors (docs/design.md): hooks -> calls -> race -> sys -> core.
LAYERS    := hooks calls race sys core
SRC       := $(sort $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.c)))
HDR       := $(sort $(foreach l,$(LAYERS),$(wildcard src/$(l)/*.h)))
LIBOBJ    := $(SRC:src/%.c=$(B)/obj/%.o)
# DEBUG=1 (and the sanitizer builds) check the locking rule at run time.
ifeq ($(DEBUG),1)
BASEFLAGS += -DTRYALL_CHECKS
endif
# What the unit tests of the pure core link: core/ and the bottom of sys/.
CORESRC   := $(wildcard src/core/*.c) src/sys/log.c src/sys/highfd.c src/sys/real.c
# The race floor, for the unit tests that drive it through a fake kernel
# (tests/fake/: a real-symbol table of its own, so no real.c).
RACESRC   := $(wildcard src/race/*.c) $(wildcard src/core/*.c) src/sys/log.c src/sys/highfd.c \
             src/sys/pool.c src/sys/usermem.c src/sys/worker.c
FAKESRC   := $(wildcard tests/fake/*.c)

TESTSRC   := $(sort $(wildcard tests/test_*.c))
TESTBIN   := $(TESTSRC:tests/%.c=$(B)/tests/%)
CLIENTSRC := $(sort $(wildcard tests/clients/*.c))
CLIENTBIN := $(CLIENTSRC:tests/clients/%.c=$(B)/clients/%)
# Test tools: servers the bats scenarios run (tests/tools/dnsd.c: bats/lib/dns.bash).
TOOLSRC   := $(sort $(wildcard tests/tools/*.c))
TOOLBIN   := $(TOOLSRC:tests/tools/%.c=$(B)/tools/%)

.PHONY: all bench clean check check-layers check-unit check-bats clients tools demo install uninstall

all: $(B)/libtryall.so $(B)/tryall-run

$(B)/obj/%.o: src/%.c $(HDR) | $(B)/obj
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(LIBFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libtryall.so: $(LIBOBJ)
	$(CC) -shared $(LIBFLAGS) $(CFLAGS) -Wl,-z,defs -Wl,-soname,libtryall.so -o $@ $^ $(LDLIBS)

$(B)/tryall-run: src/tryall-run.in Makefile | $(B)
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' $< > $@
	chmod 755 $@

# The core's tests name its headers without the folder (-Isrc/core -Isrc/sys).
$(B)/tests/%: tests/%.c $(CORESRC) $(HDR) | $(B)/tests
	$(CC) $(BASEFLAGS) -Isrc/core -Isrc/sys -pthread $(CFLAGS) -o $@ $< $(CORESRC) -lcmocka -ldl -pthread

# The race floor's tests: a fake kernel behind the real-symbol table, the
# locking rule checked (-DTRYALL_CHECKS).
$(B)/tests/test_race_%: tests/test_race_%.c $(RACESRC) $(FAKESRC) tests/fake/fake.h $(HDR) | $(B)/tests
	$(CC) $(BASEFLAGS) -DTRYALL_CHECKS -Itests -pthread $(CFLAGS) -o $@ $< $(RACESRC) $(FAKESRC) -lcmocka -pthread

$(B)/clients/%: tests/clients/%.c tests/clients/fdcount.h tests/clients/addrstr.h | $(B)/clients
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(CFLAGS) -pthread -o $@ $< -pthread

# nb_fortify.c includes nb_client.c (the same client, built with _FORTIFY_SOURCE).
$(B)/clients/nb_fortify: tests/clients/nb_client.c

# The hardening clients share tests/clients/hardening.h.
$(B)/clients/stress $(B)/clients/forky $(B)/clients/sigs: tests/clients/hardening.h

clients: $(CLIENTBIN)

$(B)/tools/%: tests/tools/%.c | $(B)/tools
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -o $@ $<

tools: $(TOOLBIN)

$(B) $(B)/obj $(B)/tests $(B)/clients $(B)/tools:
	mkdir -p $@

check: check-layers check-unit check-bats

# The floors: no object outside hooks/ names an interposed function (it must
# go through the real-symbol table), and no file includes a header of a
# floor above its own (bats/../tests/check_layers.sh says how).
check-layers: $(B)/libtryall.so
	sh tests/check_layers.sh $(B)

check-unit: $(TESTBIN)
	@rc=0; for t in $(TESTBIN); do echo "== $$t"; $$t || rc=1; done; exit $$rc

check-bats: all clients tools
	bats bats

demo: all clients
	sh bats/demo.sh

# A benchmark, not a test: prints figures (docs/performance.md), asserts nothing.
# The namespace parts need root; the hot path does not.
bench: all clients tools
	CC="$(CC)" CFLAGS="$(CFLAGS)" bash bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(DOCDIR)
	install -m 755 $(B)/libtryall.so $(DESTDIR)$(LIBDIR)/libtryall.so
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' src/tryall-run.in > $(DESTDIR)$(BINDIR)/tryall-run
	chmod 755 $(DESTDIR)$(BINDIR)/tryall-run
	install -m 644 README docs/*.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libtryall.so $(DESTDIR)$(BINDIR)/tryall-run
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf $(B)

# ---- hardening: sanitizers, valgrind, soak (bats/hardening.bats, bats/slow/) ----
# check-sanitize: an ASan+UBSan build (build/asan: library, unit tests,
# clients) runs the unit tests and bats/hardening.bats with its library
# preloaded behind the ASan runtime; then a TSan build (build/tsan) runs the
# stress and fork scenarios. Any sanitizer report fails. (Not in `make check`.)
# check-valgrind: memcheck and helgrind over the bats clients with the shim
# preloaded (bats/slow/valgrind.bats). soak: the stress for DURATION seconds,
# then RSS, descriptor count and wakeups/s (bats/slow/soak.sh; not in CI).
SAN_CC     ?= gcc
DURATION   ?= 60
ASAN_MAKE   = $(MAKE) --no-print-directory B=build/asan CC=$(SAN_CC) DEBUG=1 \
              CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined'
TSAN_MAKE   = $(MAKE) --no-print-directory B=build/tsan CC=$(SAN_CC) DEBUG=1 \
              CFLAGS='-O1 -g -fno-omit-frame-pointer -fsanitize=thread'
# ASan's own SIGSEGV/SIGBUS/SIGFPE handlers lack SA_RESTART, and libtryall
# restarts a blocking connect after a signal only when every caught signal
# has SA_RESTART (docs/behaviour.md): the signal scenarios need them off.
ASAN_ENV    = ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:exitcode=86:handle_segv=0:handle_sigbus=0:handle_sigfpe=0 \
              UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
# The TSan runtime must come after libtryall.so (as the clients' own
# dependency, not preloaded first): its interceptors would otherwise call our
# hooks from inside themselves and TSan would not see our mutex.
TSAN_ENV    = TSAN_OPTIONS='halt_on_error=1 exitcode=88 second_deadlock_stack=1'

.PHONY: check-sanitize check-asan check-tsan check-valgrind soak

check-sanitize: check-asan check-tsan

check-asan:
	$(ASAN_MAKE) all clients
	@rc=0; \
	$(ASAN_ENV) $(ASAN_MAKE) check-unit || rc=1; \
	$(ASAN_ENV) HARD_LIB=$(CURDIR)/build/asan/libtryall.so HARD_CLIENTS=$(CURDIR)/build/asan/clients \
	  HARD_PRELOAD="$$($(SAN_CC) -print-file-name=libasan.so)" HARD_SCALE=small \
	  bats bats/hardening.bats || rc=1; \
	exit $$rc

check-tsan:
	$(TSAN_MAKE) all build/tsan/clients/stress build/tsan/clients/forky build/tsan/clients/sigs
	$(TSAN_ENV) HARD_LIB=$(CURDIR)/build/tsan/libtryall.so HARD_CLIENTS=$(CURDIR)/build/tsan/clients \
	  HARD_SCALE=small bats --filter '^(stress|fork)' bats/hardening.bats

check-valgrind: all clients
	bats bats/slow/valgrind.bats

soak: all clients
	DURATION=$(DURATION) bash bats/slow/soak.sh

# ---- fuzzing: libFuzzer targets over the pure pieces (tests/fuzz/) ----
# Every tests/fuzz/fuzz_*.c is a target, with its seed corpus in
# tests/fuzz/corpus/<target>/ (and a dictionary tests/fuzz/<target>.dict if
# there is one); adding a target is adding those. `make fuzz FUZZ_SECONDS=N`
# builds each with clang -fsanitize=fuzzer,address,undefined and runs it N
# seconds (tests/fuzz/run.sh): exit 0 when nothing was found, else the
# input is left under build/fuzz/crash/<target>/ and the run fails.
# check-fuzz-corpus (part of `make check`): every corpus entry replayed
# through the targets built without libFuzzer (tests/fuzz/replay.c), so a
# crash once found stays a regression test.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined
FUZZSRC      := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZBIN      := $(FUZZSRC:tests/fuzz/%.c=$(B)/fuzz/bin/%)
REPLAYBIN    := $(FUZZSRC:tests/fuzz/%.c=$(B)/fuzz/replay/%)

.PHONY: fuzz fuzz-build check-fuzz-corpus

$(B)/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(CORESRC) $(HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(BASEFLAGS) -pthread $(FUZZ_FLAGS) -o $@ $< $(CORESRC) -ldl -pthread

$(B)/fuzz/replay/%: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(CORESRC) $(HDR)
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) -pthread $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(CORESRC) -ldl -pthread

fuzz-build: $(FUZZBIN)

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(B)/fuzz $(FUZZ_SECONDS) $(FUZZBIN)

check-fuzz-corpus: $(REPLAYBIN)
	sh tests/fuzz/run.sh --replay $(B)/fuzz $(REPLAYBIN)

check: check-fuzz-corpus

# The chaos client (bats/chaos.bats) shares hardening.h and has its partner thread.
$(B)/clients/chaos: tests/clients/hardening.h tests/clients/chaos_partner.h tests/clients/chaos_watch.h
