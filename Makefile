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
SRC       := $(sort $(wildcard src/*.c))
LIBOBJ    := $(SRC:src/%.c=$(B)/obj/%.o)
# The pure core the unit tests link (no hooks, no real-symbol table).
CORE      := addr book plan config log ready highfd
CORESRC   := $(CORE:%=src/%.c)

TESTSRC   := $(sort $(wildcard tests/test_*.c))
TESTBIN   := $(TESTSRC:tests/%.c=$(B)/tests/%)
CLIENTSRC := $(sort $(wildcard tests/clients/*.c))
CLIENTBIN := $(CLIENTSRC:tests/clients/%.c=$(B)/clients/%)

.PHONY: all bench clean check check-unit check-bats clients demo install uninstall

all: $(B)/libtryall.so $(B)/tryall-run

$(B)/obj/%.o: src/%.c $(wildcard src/*.h) | $(B)/obj
	$(CC) $(BASEFLAGS) $(LIBFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libtryall.so: $(LIBOBJ)
	$(CC) -shared $(LIBFLAGS) $(CFLAGS) -Wl,-z,defs -Wl,-soname,libtryall.so -o $@ $^ $(LDLIBS)

$(B)/tryall-run: src/tryall-run.in Makefile | $(B)
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' $< > $@
	chmod 755 $@

$(B)/tests/%: tests/%.c $(CORESRC) $(wildcard src/*.h) | $(B)/tests
	$(CC) $(BASEFLAGS) -pthread $(CFLAGS) -o $@ $< $(CORESRC) -lcmocka -pthread

$(B)/clients/%: tests/clients/%.c | $(B)/clients
	$(CC) -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(CFLAGS) -pthread -o $@ $< -pthread

# nb_fortify.c includes nb_client.c (the same client, built with _FORTIFY_SOURCE).
$(B)/clients/nb_fortify: tests/clients/nb_client.c

clients: $(CLIENTBIN)

$(B) $(B)/obj $(B)/tests $(B)/clients:
	mkdir -p $@

check: check-unit check-bats

check-unit: $(TESTBIN)
	@rc=0; for t in $(TESTBIN); do echo "== $$t"; $$t || rc=1; done; exit $$rc

check-bats: all clients
	bats bats

demo: all clients
	sh bats/demo.sh

# A benchmark, not a test: prints figures (docs/performance.md), asserts nothing.
# The namespace parts need root; the hot path does not.
bench: all
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
