/* nb_fortify.c - nb_client built with _FORTIFY_SOURCE=3, so that its poll()
 * and ppoll() go through glibc's fortified __poll_chk / __ppoll_chk (the
 * pollfd buffer has a known size, the count is opaque to the compiler).
 * Same options as nb_client; -m poll_chk is its poll. `nm -u` on the binary
 * must list __poll_chk (bats/nonblocking.bats checks it).
 * Fortification needs optimisation: build with -O1 or more (the Makefile's
 * default CFLAGS has -O2); without it the build fails here rather than
 * silently testing plain poll. */
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 3
#define NB_FORTIFY 1
#define NB_PROG "nb_fortify"
#ifndef __OPTIMIZE__
#error "nb_fortify.c needs optimisation (-O2) for _FORTIFY_SOURCE to take effect"
#endif
#include "nb_client.c"
