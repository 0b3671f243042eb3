/* ready.c - owns the readiness translation and slice arithmetic (see ready.h).
 * Pure: must never make a system call or read a clock. */
#include "core/ready.h"

#include <poll.h>
#include <sys/epoll.h>

int64_t ready_deadline(int64_t now_ns, int64_t timeout_ns)
{
    if (timeout_ns < 0)
        return READY_FOREVER;
    if (timeout_ns > INT64_MAX - now_ns)
        return READY_FOREVER;
    return now_ns + timeout_ns;
}

int ready_expired(int64_t now_ns, int64_t deadline_ns)
{
    return deadline_ns != READY_FOREVER && now_ns >= deadline_ns;
}

int64_t ready_slice(int64_t now_ns, int64_t deadline_ns, int64_t next_start_ns)
{
    int64_t end = deadline_ns;
    if (next_start_ns != READY_FOREVER && (end == READY_FOREVER || next_start_ns < end))
        end = next_start_ns;
    if (end == READY_FOREVER)
        return READY_FOREVER;
    return end > now_ns ? end - now_ns : 0;
}

short ready_poll_revents(short requested, short kernel_revents, int verdict_pending)
{
    if (!verdict_pending)
        return kernel_revents;
    short out = (short)(kernel_revents | POLLERR);
    out = (short)(out | (requested & (POLLOUT | POLLWRNORM)));
    return out;
}

uint32_t ready_epoll_events(uint32_t requested, uint32_t kernel_events, int verdict_pending)
{
    if (!verdict_pending)
        return kernel_events;
    return kernel_events | EPOLLERR | (requested & (EPOLLOUT | EPOLLWRNORM));
}

short ready_select_events(int in_read, int in_write, int in_except)
{
    short ev = 0;
    if (in_read)
        ev |= POLLIN | POLLRDNORM | POLLRDBAND;
    if (in_write)
        ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
    if (in_except)
        ev |= POLLPRI;
    return ev;
}

void ready_select_result(short revents, int in_read, int in_write, int in_except,
                         int *is_read, int *is_write, int *is_except)
{
    *is_read = in_read && (revents & (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR));
    *is_write = in_write && (revents & (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR));
    *is_except = in_except && (revents & POLLPRI);
}

int ready_ms_ceil(int64_t ns)
{
    if (ns < 0)
        return -1;
    int64_t ms = ns / 1000000 + (ns % 1000000 != 0);
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}
