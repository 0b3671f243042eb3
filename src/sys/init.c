/* init.c - owns what libtryall does at load time, before the app has
 * threads: bind the real-symbol table, read the settings once (the config
 * file and the environment: sys/settings.c; doing it here also lets every
 * later thread see them as written before it was created) and note which
 * file stderr is, for the log. Kept apart from real.c so that the unit
 * tests, which set their environment after load, can link the table
 * without it.
 * Must never do anything that can fail visibly or block. */
#include "core/config.h"
#include "sys/log.h"
#include "sys/real.h"
#include "sys/usermem.h"

__attribute__((constructor)) static void tryall_init(void)
{
    real_bind();
    usermem_init();
    tryall_config();
    log_init();
}
