/*
 * Hook sections (Xen 4.14+). Each XLP_HOOK_<KIND> macro adds one hook that does nothing and
 * succeeds. load/unload hooks take no argument; the vetoing pre hooks return 0 (allow); the post
 * hooks return nothing. Each section holds exactly one pointer, as Xen requires for the
 * pre/post kinds.
 */
#include "xlp-payload.h"

typedef void xlp_void_hook_t(void);
typedef int xlp_pre_hook_t(void *payload);
typedef void xlp_post_hook_t(void *payload);

#define XLP_HOOK_PTR(kind, type) \
    type *const XLP_SYM(kind##_hook_ptr) __attribute__((used, section(".livepatch.hooks." #kind))) = XLP_SYM(kind##_hook)

#define XLP_VOID_HOOK(kind)                       \
    void XLP_SYM(kind##_hook)(void);              \
    void XLP_SYM(kind##_hook)(void) {}            \
    XLP_HOOK_PTR(kind, xlp_void_hook_t)

#define XLP_PRE_HOOK(kind)                                   \
    int XLP_SYM(kind##_hook)(void *payload);                 \
    int XLP_SYM(kind##_hook)(void *payload) { (void)payload; return 0; } \
    XLP_HOOK_PTR(kind, xlp_pre_hook_t)

#define XLP_POST_HOOK(kind)                                  \
    void XLP_SYM(kind##_hook)(void *payload);                \
    void XLP_SYM(kind##_hook)(void *payload) { (void)payload; } \
    XLP_HOOK_PTR(kind, xlp_post_hook_t)

#ifdef XLP_HOOK_LOAD
XLP_VOID_HOOK(load);
#endif
#ifdef XLP_HOOK_UNLOAD
XLP_VOID_HOOK(unload);
#endif
#ifdef XLP_HOOK_PREAPPLY
XLP_PRE_HOOK(preapply);
#endif
#ifdef XLP_HOOK_POSTAPPLY
XLP_POST_HOOK(postapply);
#endif
#ifdef XLP_HOOK_PREREVERT
XLP_PRE_HOOK(prerevert);
#endif
#ifdef XLP_HOOK_POSTREVERT
XLP_POST_HOOK(postrevert);
#endif
