/* epset.h - owns the app's epoll registrations (as the app made them) and
 * what a race does to them: while a descriptor races, its entries in the
 * app's epoll sets carry our tags (attempt sockets, EPOLLOUT) instead of the
 * app's events and data; when the race ends the app's registrations are put
 * back exactly. Every function runs under the fdtable lock.
 * Must never leave a tag in an app's set after a race, nor lose or alter the
 * app's events or 64-bit data. */
#ifndef TRYALL_EPSET_H
#define TRYALL_EPSET_H

#include <stdint.h>
#include <sys/epoll.h>
#include "race/fdtable.h"

struct race;

/* ---- the records ---------------------------------------------------------- */

/* The app's registration of fd in epfd, or NULL. */
struct epreg *epset_find(int fd, int epfd);

/* The kernel accepted epoll_ctl(epfd, op, fd, ev) from the app: record it. */
void epset_record(int epfd, int op, int fd, const struct epoll_event *ev);

/* Forget fd's registration in epfd; forget every registration of fd (and, if
 * fd is an epoll set, every registration in it): the app closed fd. */
void epset_forget(int fd, int epfd);
void epset_forget_fd(int fd);

/* The app's registration of r's descriptor in epfd, or NULL. */
const struct epoll_event *epset_app_event(const struct race *r, int epfd);

/* r enters (+1) or leaves (-1) the table: count it in each of its sets, so
 * that a wait on a set with no racing descriptor takes the fast path. */
void epset_count(struct race *r, int delta);

/* ---- tags: our entries for attempt sockets -------------------------------- */

/* Our tag for attempt i of the race on fd, and back (1 when v is a tag). */
uint64_t epset_tag(int fd, unsigned i);
int epset_untag(uint64_t v, int *fd, unsigned *i);

/* The tag entry for attempt i of r. */
struct epoll_event epset_tag_event(const struct race *r, unsigned i);

/* ---- the swap ------------------------------------------------------------- */

void epset_race_started(struct race *r);
void epset_attempt_started(struct race *r, unsigned i);
void epset_attempt_closing(struct race *r, unsigned i);
void epset_race_over(struct race *r);

#endif
