# libtryall - build, test, install.
# `make` builds build/libtryall.so and build/tryall-run; `make check` runs the
# cmocka unit tests and the bats scenarios; `make demo` shows the point of it.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BINDIR    := $(PREFIX)/bin
LIBDIR    := $(PREFIX)/lib
DOCDIR    := $(PREFIX)/share/doc/libtryall
MANDIR    := $(PREFIX)/share/man
# Installed if present: man pages (man/NAME.SECTION) and example files.
MANPAGES  := $(wildcard man/*.[1-8])
EXAMPLES  := $(wildcard examples/*) docs/libtryall.conf.example
# The config file's path is fixed at build time (libtryall.conf(5)).
SYSCONFDIR ?= /etc
CONF      ?= $(SYSCONFDIR)/libtryall.conf

CC        ?= cc
CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASEFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -Isrc
LIBFLAGS  := -fPIC -fvisibility=hidden -pthread
# The config file's path goes into the library only: the unit tests, built
# without it, read no config file (src/sys/settings.h).
LIBFLAGS  += -DTRYALL_CONF_PATH='"$(CONF)"'
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
CORESRC   := $(wildcard src/core/*.c) src/sys/log.c src/sys/highfd.c src/sys/real.c \
             src/sys/settings.c src/sys/logout.c
# The race floor, for the unit tests that drive it through a fake kernel
# (tests/fake/: a real-symbol table of its own, so no real.c).
RACESRC   := $(wildcard src/race/*.c) $(wildcard src/core/*.c) src/sys/log.c src/sys/highfd.c \
             src/sys/pool.c src/sys/usermem.c src/sys/worker.c src/sys/histfile.c src/sys/histnet.c \
             src/sys/settings.c src/sys/logout.c
FAKESRC   := $(wildcard tests/fake/*.c)

TESTSRC   := $(sort $(wildcard tests/test_*.c))
# The headers the unit tests share (tests/addrkit.h, tests/conftest.h).
TESTHDR   := $(wildcard tests/*.h)
TESTBIN   := $(TESTSRC:tests/%.c=$(B)/tests/%)
CLIENTSRC := $(sort $(wildcard tests/clients/*.c))
CLIENTBIN := $(CLIENTSRC:tests/clients/%.c=$(B)/clients/%)
# Test tools: servers the bats scenarios run (tests/tools/dnsd.c: bats/lib/dns.bash).
TOOLSRC   := $(sort $(wildcard tests/tools/*.c))
TOOLBIN   := $(TOOLSRC:tests/tools/%.c=$(B)/tools/%)

.PHONY: all bench clean check check-layers check-unit check-bats clients tools demo install uninstall

all: $(B)/libtryall.so $(B)/tryall-run

# The $LIB layout of the build tree and the 32-bit build; `make deb`.
include mk/multiarch.mk
include mk/deb.mk

$(B)/obj/%.o: src/%.c $(HDR) | $(B)/obj
	@mkdir -p $(dir $@)
	$(CC) $(BASEFLAGS) $(LIBFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libtryall.so: $(LIBOBJ)
	$(CC) -shared $(LIBFLAGS) $(CFLAGS) $(LDFLAGS) -Wl,-z,defs -Wl,-soname,libtryall.so -o $@ $^ $(LDLIBS)

# The wrapper, configured: @LIBROOT@/$LIB/libtryall/libtryall.so is where
# `make install` puts the library, @LIBDIR@/libtryall.so where it used to.
WRAPSUBST := sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@LIBROOT@|$(PREFIX)|g'

$(B)/tryall-run: src/tryall-run.in Makefile | $(B)
	$(WRAPSUBST) $< > $@
	chmod 755 $@

# The core's tests name its headers without the folder (-Isrc/core -Isrc/sys).
$(B)/tests/%: tests/%.c $(CORESRC) $(HDR) $(TESTHDR) | $(B)/tests
	$(CC) $(BASEFLAGS) -Isrc/core -Isrc/sys -pthread $(CFLAGS) -o $@ $< $(CORESRC) -lcmocka -ldl -pthread

# The race floor's tests: a fake kernel behind the real-symbol table, the
# locking rule checked (-DTRYALL_CHECKS).
$(B)/tests/test_race_%: tests/test_race_%.c $(RACESRC) $(FAKESRC) tests/fake/fake.h $(HDR) $(TESTHDR) | $(B)/tests
	$(CC) $(BASEFLAGS) -DTRYALL_CHECKS -Itests -pthread $(CFLAGS) -o $@ $< $(RACESRC) $(FAKESRC) -lcmocka -pthread

# The calls floor's lookups (calls/lookup.c) over the core, the worker pool
# and the rest of calls/ played by the test.
$(B)/tests/test_calls_%: tests/test_calls_%.c src/calls/%.c $(CORESRC) $(HDR) $(TESTHDR) | $(B)/tests
	$(CC) $(BASEFLAGS) -Isrc -pthread $(CFLAGS) -o $@ $< src/calls/$*.c $(CORESRC) -lcmocka -ldl -pthread

$(B)/clients/%: tests/clients/%.c tests/clients/fdcount.h tests/clients/addrstr.h | $(B)/clients
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(CFLAGS) -pthread -o $@ $< -pthread

# nb_fortify.c includes nb_client.c (the same client, built with _FORTIFY_SOURCE).
$(B)/clients/nb_fortify: tests/clients/nb_client.c

# The hardening clients share tests/clients/hardening.h.
$(B)/clients/stress $(B)/clients/forky $(B)/clients/sigs: tests/clients/hardening.h

clients: $(CLIENTBIN)

$(B)/tools/%: tests/tools/%.c | $(B)/tools
	$(CC) -std=gnu11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -o $@ $<

# histseed works the history file through the library's own code.
HISTSRC   := $(wildcard src/core/*.c) src/sys/histfile.c src/sys/histnet.c src/sys/real.c src/sys/settings.c
$(B)/tools/histseed: tests/tools/histseed.c $(HISTSRC) $(HDR) | $(B)/tools
	$(CC) $(BASEFLAGS) $(CFLAGS) -o $@ $< $(HISTSRC) -ldl -pthread

tools: $(TOOLBIN)

$(B) $(B)/obj $(B)/tests $(B)/clients $(B)/tools:
	mkdir -p $@

# ---- tryall-tool: `tryall-run --explain` / `--history` (tools/, docs/history-file.md) ----
# Not part of the library: the pure core and the history file's code linked
# as the unit tests link them. Built next to the wrapper (the wrapper finds
# it there), installed in $(LIBDIR)/libtryall/ (the wrapper finds it there).
TTOOLSRC  := $(filter-out tools/tryall-tool.c,$(wildcard tools/*.c))
TTOOLLINK := $(wildcard src/core/*.c) src/sys/histfile.c src/sys/histnet.c src/sys/real.c src/sys/settings.c
TTOOLDIR  := $(LIBDIR)/libtryall

.PHONY: install-tool uninstall-tool
all: $(B)/tryall-tool
install: install-tool
uninstall: uninstall-tool

$(B)/tryall-tool: tools/tryall-tool.c $(TTOOLSRC) $(TTOOLLINK) $(wildcard tools/*.h) $(HDR) | $(B)
	$(CC) $(BASEFLAGS) $(CFLAGS) -pthread -o $@ $(filter %.c,$^) -ldl -pthread

# Its unit tests (tests/test_tool_*.c); the agreement test also links the
# library's own race_history_order (race/history.c).
$(B)/tests/test_tool_%: tests/test_tool_%.c $(TTOOLSRC) $(TTOOLLINK) $(wildcard tools/*.h) $(HDR) $(TESTHDR) | $(B)/tests
	$(CC) $(BASEFLAGS) -Itools $(CFLAGS) -pthread -o $@ $(filter %.c,$^) -lcmocka -ldl -pthread
$(B)/tests/test_tool_agree: src/race/history.c

install-tool: $(B)/tryall-tool
	install -d $(DESTDIR)$(TTOOLDIR)
	install -m 755 $(B)/tryall-tool $(DESTDIR)$(TTOOLDIR)/tryall-tool

uninstall-tool:
	rm -f $(DESTDIR)$(TTOOLDIR)/tryall-tool
	-rmdir $(DESTDIR)$(TTOOLDIR) 2>/dev/null

check: check-layers check-unit check-man check-bats

# The floors: no object outside hooks/ names an interposed function (it must
# go through the real-symbol table), and no file includes a header of a
# floor above its own (bats/../tests/check_layers.sh says how).
check-layers: $(B)/libtryall.so
	sh tests/check_layers.sh $(B)

check-unit: $(TESTBIN)
	@rc=0; for t in $(TESTBIN); do echo "== $$t"; TRYALL_HISTORY=off $$t || rc=1; done; exit $$rc

# XDG_RUNTIME_DIR: libtryall's connection history of the suite's own, never
# the user's (the namespace helpers give each run a fresh one besides).
check-bats: all clients tools
	rm -rf $(B)/xdg && mkdir -m 700 $(B)/xdg
	XDG_RUNTIME_DIR=$(CURDIR)/$(B)/xdg bats bats

demo: all clients
	sh bats/demo.sh

# A benchmark, not a test: prints figures (docs/performance.md), asserts nothing.
# The namespace parts need root; the hot path does not.
bench: all clients tools
	CC="$(CC)" CFLAGS="$(CFLAGS)" bash bench/run.sh

# The library goes where the dynamic linker's $LIB points,
# PREFIX/<$LIB>/libtryall/libtryall.so, for each class built (mk/multiarch.mk);
# tryall-run preloads PREFIX/$LIB/libtryall/libtryall.so. The parts are
# targets of their own: debian/rules puts each in its own package.
.PHONY: install-lib install-lib32 install-bin
install: all install-lib install-bin $(if $(filter 1,$(M32)),install-lib32)

install-lib: $(B)/libtryall.so
	install -d $(DESTDIR)$(PREFIX)/$(LIBSUB)/libtryall
	install -m 644 $(B)/libtryall.so $(DESTDIR)$(PREFIX)/$(LIBSUB)/libtryall/libtryall.so

# The file in the first of LIB32DIRS, links to it in the others.
LIB32DIRS ?= $(LIBSUB32) $(LIBSUB32ALT)
install-lib32: lib32
	install -d $(DESTDIR)$(PREFIX)/$(firstword $(LIB32DIRS))/libtryall
	install -m 644 $(LIB32) $(DESTDIR)$(PREFIX)/$(firstword $(LIB32DIRS))/libtryall/libtryall.so
	$(foreach d,$(wordlist 2,9,$(LIB32DIRS)),install -d $(DESTDIR)$(PREFIX)/$(d)/libtryall && \
	  ln -sfn $(call updirs,$(d)/libtryall)/$(firstword $(LIB32DIRS))/libtryall/libtryall.so \
	    $(DESTDIR)$(PREFIX)/$(d)/libtryall/libtryall.so;)

install-bin:
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	$(WRAPSUBST) src/tryall-run.in > $(DESTDIR)$(BINDIR)/tryall-run
	chmod 755 $(DESTDIR)$(BINDIR)/tryall-run
	install -m 644 README docs/*.md $(DESTDIR)$(DOCDIR)/
	$(MAKE) --no-print-directory install-man
	$(if $(EXAMPLES),install -d $(DESTDIR)$(DOCDIR)/examples)
	for e in $(EXAMPLES); do b=$${e##*/}; \
	  install -m 644 $$e $(DESTDIR)$(DOCDIR)/examples/$${b%.example}; done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tryall-run $(DESTDIR)$(LIBDIR)/libtryall.so
	rm -rf $(foreach d,$(LIBSUB) $(LIBSUB32) $(LIBSUB32ALT),$(DESTDIR)$(PREFIX)/$(d)/libtryall)
	rm -f $(foreach m,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(MANDIR)/man1/tryall-run.1 $(DESTDIR)$(MANDIR)/man7/libtryall.7 \
	      $(DESTDIR)$(MANDIR)/man5/libtryall.conf.5

# ---- operators: man pages, the example config file (man/, docs/) ----
# Plain man(7)/mdoc(7) files, no generator. check-man lints them with groff
# (-ww: every warning) and, when installed, mandoc -T lint.

.PHONY: install-man check-man

install-man:
	for m in $(MANPAGES); do \
	  s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	  install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

check-man:
	@rc=0; for m in $(MANPAGES); do \
	  out=$$(LC_ALL=C.UTF-8 groff -ww -z -mandoc -Tutf8 $$m 2>&1); \
	  if [ -n "$$out" ]; then echo "groff -ww $$m:"; echo "$$out"; rc=1; fi; \
	  if command -v mandoc >/dev/null; then \
	    mandoc -T lint -W warning $$m || rc=1; fi; \
	done; [ $$rc -eq 0 ] && echo "check-man: ok ($(MANPAGES))"; exit $$rc

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
