/* epollset.h - owns the app's epoll registrations and what a race does to
 * them: while a descriptor races, its entries in the app's epoll sets carry
 * our tags (attempt sockets, EPOLLOUT) instead of the app's events and data;
 * when the race ends the app's registrations are put back exactly.
 * All functions run under the fdtable lock.
 * Must never leave a tag in an app's set after a race, nor lose or alter the
 * app's events or 64-bit data. */
#ifndef TRYALL_EPOLLSET_H
#define TRYALL_EPOLLSET_H

#include <sys/epoll.h>

struct race;

/* The epoll_ctl hook's logic (lock held by the caller). */
int epset_ctl(int epfd, int op, int fd, struct epoll_event *ev);

/* Forget every registration of fd (the app closed it). */
void epset_forget_fd(int fd);

/* Does r's descriptor have a registration in epfd? */
int epset_in(const struct race *r, int epfd);

/* The app's registration of r's descriptor in epfd, or NULL. */
const struct epoll_event *epset_app_event(const struct race *r, int epfd);

/* Our tag for attempt i of the race on fd, and back (1 when v is a tag). */
uint64_t epset_tag(int fd, unsigned i);
int epset_untag(uint64_t v, int *fd, unsigned *i);

/* r enters (+1) or leaves (-1) the table: count it in each of its sets, so
 * that a wait on a set with no racing descriptor takes the fast path. */
void epset_count(struct race *r, int delta);

void epset_race_started(struct race *r);
void epset_attempt_started(struct race *r, unsigned i);
void epset_attempt_closing(struct race *r, unsigned i);
void epset_race_over(struct race *r);

#endif
