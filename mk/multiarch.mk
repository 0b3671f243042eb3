# mk/multiarch.mk - included by the Makefile. Owns the build tree's $LIB
# layout and the 32-bit build (docs/packaging.md says why):
#
#   build/lib/<triplet>/libtryall/libtryall.so      -> ../../../libtryall.so
#   build/lib/<triplet32>/libtryall/libtryall.so    the -m32 build
#   build/lib32/libtryall/libtryall.so              -> the -m32 build
#   build/clients32/naive_gai, nb_client            -m32 test clients
#
# so that one LD_PRELOAD entry, build/$LIB/libtryall/libtryall.so, gives each
# process the build of its own class: glibc's ld.so expands $LIB per process,
# on Debian to lib/x86_64-linux-gnu (64-bit), lib/i386-linux-gnu (a multiarch
# libc6:i386) or lib32 (the biarch libc6-i386 that gcc -m32 programs use).
# build/libtryall.so stays the 64-bit library itself (the tests use it).
#
# Must never: build the 32-bit library when the toolchain cannot link a -m32
# program (make works as before without gcc-multilib), or name a directory
# other than what the dynamic linker's $LIB can expand to.

# Debian multiarch triplets; empty elsewhere (then plain lib/, lib32/).
MULTIARCH   ?= $(shell $(CC) -print-multiarch 2>/dev/null)
MULTIARCH32 ?= $(shell $(CC) -m32 -print-multiarch 2>/dev/null)
LIBSUB      ?= lib$(if $(MULTIARCH),/$(MULTIARCH))
LIBSUB32    ?= lib$(if $(MULTIARCH32),/$(MULTIARCH32),32)
# Where else a 32-bit ld.so's $LIB may point: the biarch runtime's lib32.
LIBSUB32ALT ?= $(filter-out $(LIBSUB32),lib32)

# M32=1 builds the 32-bit library too, M32=0 does not; by default it is
# built when $(CC) links a -m32 program and 32-bit is not already the
# native build. Sanitizer builds (CFLAGS with -fsanitize) leave it out.
# (The probe links to a temporary file: a linker may replace its output,
# and /dev/null must never be that output.)
ifeq ($(origin M32),undefined)
M32 := $(shell t=$$(mktemp) || exit; \
         if [ "$(MULTIARCH32)" != "$(MULTIARCH)" ] && printf 'int main(void){return 0;}\n' | \
           $(CC) -m32 $(CFLAGS) -x c -o "$$t" - >/dev/null 2>&1; then echo 1; else echo 0; fi; \
         rm -f "$$t")
ifneq ($(findstring -fsanitize,$(CFLAGS)),)
M32 := 0
endif
endif

# $(call updirs,a/b/c) = ../../..
mk_space   := $(subst ,, )
updirs      = $(subst $(mk_space),/,$(patsubst %,..,$(subst /, ,$1)))

LIB64LINK  := $(B)/$(LIBSUB)/libtryall/libtryall.so
LIB32      := $(B)/$(LIBSUB32)/libtryall/libtryall.so
LIB32LINKS := $(LIBSUB32ALT:%=$(B)/%/libtryall/libtryall.so)
LIB32OBJ   := $(SRC:src/%.c=$(B)/obj32/%.o)
CLIENT32   := naive_gai nb_client
CLIENT32BIN := $(CLIENT32:%=$(B)/clients32/%)

.PHONY: lib32 clients32

# The 64-bit library at its $LIB place (a relative link: the tree can move).
all: $(LIB64LINK)
$(LIB64LINK): $(B)/libtryall.so
	@mkdir -p $(dir $@)
	ln -sfn $(call updirs,$(LIBSUB)/libtryall)/libtryall.so $@

ifeq ($(M32),1)
all: lib32
clients: clients32
endif

lib32: $(LIB32) $(LIB32LINKS)

$(B)/obj32/%.o: src/%.c $(HDR)
	@mkdir -p $(dir $@)
	$(CC) -m32 $(BASEFLAGS) $(LIBFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB32): $(LIB32OBJ)
	@mkdir -p $(dir $@)
	$(CC) -m32 -shared $(LIBFLAGS) $(CFLAGS) $(LDFLAGS) -Wl,-z,defs -Wl,-soname,libtryall.so -o $@ $^ $(LDLIBS)

$(LIB32LINKS): $(LIB32)
	@mkdir -p $(dir $@)
	ln -sfn $(call updirs,$(@:$(B)/%/libtryall.so=%))/$(LIBSUB32)/libtryall/libtryall.so $@

clients32: $(CLIENT32BIN)

$(B)/clients32/%: tests/clients/%.c tests/clients/fdcount.h tests/clients/addrstr.h
	@mkdir -p $(dir $@)
	$(CC) -m32 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(CFLAGS) -pthread -o $@ $< -pthread
