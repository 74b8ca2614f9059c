/*
 * The stand-in hypervisor shared by the stand-in xen-livepatch and xl (bench/ops.mjs compiles them
 * into a private directory). Not Xen: just enough of xen/common/livepatch.c (Xen 4.19+) for the
 * tools to print the real tools' exact bytes for the happy paths xlp takes, as fast as C tools do.
 *
 * The state lives in the text file named by XLP_STANDIN_STATE (a missing file is a fresh host whose
 * build-id is XLP_STANDIN_BUILD_ID); every tool run appends its argv as one line to the file named
 * by XLP_STANDIN_CALLS, if set, so a benchmark can count tool runs. Any problem of the stand-in
 * itself (not of the simulated host) is reported as "standin: ..." with exit status 3.
 */
#ifndef XLP_STANDIN_HV_H
#define XLP_STANDIN_HV_H

#include <stddef.h>

#define NAME_SIZE 128          /* XEN_LIVEPATCH_NAME_SIZE, NUL included */
#define ID_HEX (2 * 64 + 1)    /* a build-id of up to 64 bytes as lowercase hex */
#define MAX_PAYLOADS 64
#define MAX_META 32
#define META_LEN 256
#define MAX_FUNCS 16
#define CONSOLE_BYTES (16 * 1024) /* Xen's default console ring */
#define MAX_PAYLOAD_SIZE (2 * 1024 * 1024)

enum { STATE_CHECKED = 1, STATE_APPLIED = 2 };
enum { ACTION_UNLOAD = 1, ACTION_REVERT = 2, ACTION_APPLY = 3, ACTION_REPLACE = 4 };

struct func {
    char name[NAME_SIZE];
    unsigned old_size, new_size;
};

struct payload {
    char name[NAME_SIZE];
    int state; /* STATE_CHECKED or STATE_APPLIED */
    int rc;    /* Xen's status.rc: always 0 here (no faults, no asynchronous work) */
    unsigned seq; /* upload number: gives each payload its own made-up addresses in the dump */
    char build_id[ID_HEX], depends[ID_HEX], xen_depends[ID_HEX];
    int nmeta;
    char meta[MAX_META][META_LEN]; /* .modinfo strings, in order */
    int nfuncs;
    struct func funcs[MAX_FUNCS];
};

struct hv {
    char xen_build_id[ID_HEX];
    unsigned next_seq;
    int npayloads;
    struct payload p[MAX_PAYLOADS];   /* upload order */
    int napplied;
    char applied[MAX_PAYLOADS][NAME_SIZE]; /* bottom of the stack first */
    size_t console_len;
    char console[CONSOLE_BYTES];      /* '\n'-terminated lines, "(XEN) " prefix included */
};

/* Appends "<tool> <args...>" to $XLP_STANDIN_CALLS. */
void hv_count(const char *tool, int argc, char **argv);
/* Stops the program: a failure of the stand-in itself, never of the simulated host. */
void hv_die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Reads the state (no lock: a writer replaces the file atomically). */
void hv_read(struct hv *hv);
/* Takes the writers' lock (flock on "<state>.lock"), then reads: call hv_write to release it. */
void hv_begin(struct hv *hv);
void hv_write(const struct hv *hv);

struct payload *hv_find(struct hv *hv, const char *name);
void hv_printk(struct hv *hv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The hypercalls that change something; each returns 0 or a positive errno, like libxc. */
int hv_upload(struct hv *hv, const char *name, const unsigned char *bytes, size_t size);
int hv_action(struct hv *hv, const char *name, int action, int nodeps);
/* Debug key 'x': the livepatch dump on the console. */
void hv_dump(struct hv *hv);

#endif
