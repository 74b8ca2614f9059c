/*
 * Shared definitions for the test payload sources. They are compiled without Xen's headers, so the
 * ABI pieces a payload needs are spelled out here (xen/include/public/sysctl.h).
 *
 * XLP_ID (a C identifier) makes every defined symbol unique: Xen refuses a payload that defines a
 * symbol another loaded payload already defines ("duplicate new symbol").
 */
#ifndef XLP_PAYLOAD_H
#define XLP_PAYLOAD_H

#ifndef XLP_ID
#error "XLP_ID must be defined"
#endif

#define XLP_CAT3(a, b, c) a##b##c
#define XLP_CAT4(a, b, c, d) a##b##c##d
#define XLP_SYM_(id, name) XLP_CAT4(xlp_, id, _, name)
/* xlp_<id>_<name> */
#define XLP_SYM(name) XLP_SYM_(XLP_ID, name)
#define XLP_STR_(x) #x
#define XLP_STR(x) XLP_STR_(x)

/* LIVEPATCH_PAYLOAD_VERSION: 2 for Xen 4.14+ (the default), 1 for Xen 4.7-4.13. */
#ifndef XLP_PAYLOAD_VERSION
#define XLP_PAYLOAD_VERSION 2
#endif

/* struct livepatch_func: 104 bytes on x86-64 in payload version 2, 64 in version 1. */
struct xlp_livepatch_func {
    const char *name;         /* function to replace, resolved by name when old_addr is 0 */
    void *new_addr;           /* the replacement */
    void *old_addr;           /* 0: Xen looks the name up in its symbol table */
    unsigned int new_size;
    unsigned int old_size;    /* bytes of the old function Xen may overwrite; never 0 */
    unsigned char version;    /* XLP_PAYLOAD_VERSION */
#if XLP_PAYLOAD_VERSION == 1
    unsigned char opaque[31]; /* Xen's private state */
#else
    unsigned char pad[39];    /* Xen's private state in 4.14-4.17, padding from 4.18 */
    unsigned char expect[32]; /* livepatch_expectation_t; all zero = no expectation */
#endif
};

_Static_assert(sizeof(struct xlp_livepatch_func) == (XLP_PAYLOAD_VERSION == 1 ? 64 : 104), "livepatch_func must be 64 or 104 bytes");

#endif
