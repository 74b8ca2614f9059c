/* The new body of the replaced function: `const char *XLP_FUNC(void)` returning XLP_RETURNS. */
#include "xlp-payload.h"

#ifndef XLP_RETURNS
#error "XLP_RETURNS must be defined (a string literal)"
#endif

#ifdef XLP_WITH_DATA
/* Initialised, so it lands in .data: a writable section makes the payload unsafe to re-apply. */
int XLP_SYM(calls) = 1;
#endif

const char *XLP_SYM(new)(void);

const char *XLP_SYM(new)(void)
{
#ifdef XLP_WITH_DATA
    XLP_SYM(calls)++;
#endif
    return XLP_RETURNS;
}
