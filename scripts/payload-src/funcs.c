/* The .livepatch.funcs descriptor that points Xen from XLP_FUNC to the replacement. */
#include "xlp-payload.h"

#if !defined(XLP_FUNC) || !defined(XLP_NEW_SIZE) || !defined(XLP_OLD_SIZE)
#error "XLP_FUNC, XLP_NEW_SIZE and XLP_OLD_SIZE must be defined"
#endif

const char *XLP_SYM(new)(void);

/* Writable on purpose: Xen 4.14-4.17 keep their apply state inside the descriptor. */
struct xlp_livepatch_func XLP_SYM(func) __attribute__((used, section(".livepatch.funcs"))) = {
    .name = XLP_STR(XLP_FUNC),
    .new_addr = (void *)XLP_SYM(new),
    .old_addr = 0,
    .new_size = XLP_NEW_SIZE,
    .old_size = XLP_OLD_SIZE,
    .version = XLP_PAYLOAD_VERSION,
};
