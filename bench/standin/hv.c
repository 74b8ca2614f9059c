/*
 * The stand-in hypervisor: its state file, its console ring, the payload ELF notes it reads at
 * upload, and the livepatch hypercalls on the happy paths of Xen 4.19 (xen/common/livepatch.c).
 * Actions complete inside the hypercall: there is no asynchronous work, no rc other than 0, no
 * faults, no hooks. See hv.h.
 */
#define _GNU_SOURCE
#include "hv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_MAGIC "xlp-standin-state 1"
#define MAX_STATE_BYTES (8 * 1024 * 1024)

void hv_die(const char *fmt, ...)
{
    va_list ap;
    fputs("standin: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(3);
}

void hv_count(const char *tool, int argc, char **argv)
{
    const char *path = getenv("XLP_STANDIN_CALLS");
    char line[4096];
    size_t len;
    int fd;

    if (!path || !*path)
        return;
    len = (size_t)snprintf(line, sizeof(line), "%s", tool);
    for (int i = 0; i < argc && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", argv[i]);
    if (len >= sizeof(line) - 1)
        len = sizeof(line) - 2;
    line[len++] = '\n';
    /* One write of one line with O_APPEND: concurrent tool runs never mix their lines. */
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, line, len) != (ssize_t)len)
        hv_die("cannot append to %s: %s", path, strerror(errno));
    close(fd);
}

static const char *state_path(void)
{
    const char *path = getenv("XLP_STANDIN_STATE");
    if (!path || !*path)
        hv_die("XLP_STANDIN_STATE must name the state file");
    return path;
}

/* ---- the state file: one record per line, the free-text field (a name, a string) last ---- */

static void copy_field(char *dst, size_t size, const char *src, const char *what)
{
    if (strlen(src) >= size)
        hv_die("state file: %s too long", what);
    strcpy(dst, src);
}

static void fresh(struct hv *hv)
{
    const char *id = getenv("XLP_STANDIN_BUILD_ID");
    memset(hv, 0, sizeof(*hv));
    if (!id)
        hv_die("no state file yet and no XLP_STANDIN_BUILD_ID for a fresh host");
    copy_field(hv->xen_build_id, sizeof(hv->xen_build_id), id, "XLP_STANDIN_BUILD_ID");
}

static const char *dash(const char *s) { return *s ? s : "-"; }
static void undash(char *s) { if (strcmp(s, "-") == 0) *s = '\0'; }

static void parse_line(struct hv *hv, char *line)
{
    struct payload *p = hv->npayloads ? &hv->p[hv->npayloads - 1] : NULL;
    char *rest = strchr(line, ' ');
    int used = 0;

    if (!rest)
        hv_die("state file: bad line '%s'", line);
    *rest++ = '\0';
    if (strcmp(line, "xen") == 0) {
        copy_field(hv->xen_build_id, sizeof(hv->xen_build_id), rest, "xen build-id");
        undash(hv->xen_build_id);
    } else if (strcmp(line, "seq") == 0) {
        hv->next_seq = (unsigned)strtoul(rest, NULL, 10);
    } else if (strcmp(line, "payload") == 0) {
        if (hv->npayloads == MAX_PAYLOADS)
            hv_die("state file: too many payloads");
        p = &hv->p[hv->npayloads++];
        memset(p, 0, sizeof(*p));
        if (sscanf(rest, "%d %d %u %128s %128s %128s %n", &p->state, &p->rc, &p->seq, p->build_id, p->depends,
                   p->xen_depends, &used) != 6 || used == 0)
            hv_die("state file: bad payload line");
        copy_field(p->name, sizeof(p->name), rest + used, "payload name");
        undash(p->build_id), undash(p->depends), undash(p->xen_depends);
    } else if (strcmp(line, "meta") == 0 && p && p->nmeta < MAX_META) {
        copy_field(p->meta[p->nmeta++], META_LEN, rest, "metadata");
    } else if (strcmp(line, "func") == 0 && p && p->nfuncs < MAX_FUNCS) {
        struct func *f = &p->funcs[p->nfuncs++];
        if (sscanf(rest, "%u %u %n", &f->old_size, &f->new_size, &used) != 2 || used == 0)
            hv_die("state file: bad func line");
        copy_field(f->name, sizeof(f->name), rest + used, "function name");
    } else if (strcmp(line, "applied") == 0 && hv->napplied < MAX_PAYLOADS) {
        copy_field(hv->applied[hv->napplied++], NAME_SIZE, rest, "applied name");
    } else if (strcmp(line, "console") == 0) {
        size_t len = strlen(rest);
        if (hv->console_len + len + 1 > sizeof(hv->console))
            hv_die("state file: console too long");
        memcpy(hv->console + hv->console_len, rest, len);
        hv->console_len += len;
        hv->console[hv->console_len++] = '\n';
    } else {
        hv_die("state file: unknown record '%s'", line);
    }
}

void hv_read(struct hv *hv)
{
    const char *path = state_path();
    char *text, *line, *next;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        if (errno != ENOENT)
            hv_die("cannot open %s: %s", path, strerror(errno));
        fresh(hv);
        return;
    }
    if (fstat(fd, &st) != 0 || st.st_size > MAX_STATE_BYTES)
        hv_die("cannot use %s", path);
    text = malloc((size_t)st.st_size + 1);
    if (!text || read(fd, text, (size_t)st.st_size) != st.st_size)
        hv_die("cannot read %s", path);
    close(fd);
    text[st.st_size] = '\0';
    /* Only the counts need clearing: every record read fills its entry whole. */
    hv->xen_build_id[0] = '\0';
    hv->next_seq = 0;
    hv->npayloads = hv->napplied = 0;
    hv->console_len = 0;
    next = strchr(text, '\n');
    if (!next || (size_t)(next - text) != strlen(STATE_MAGIC) || strncmp(text, STATE_MAGIC, strlen(STATE_MAGIC)) != 0)
        hv_die("%s is not a stand-in state file", path);
    for (line = next + 1; *line; line = next + 1) {
        next = strchr(line, '\n');
        if (!next)
            hv_die("state file: unterminated line");
        *next = '\0';
        parse_line(hv, line);
    }
    free(text);
}

static int lock_fd = -1;

void hv_begin(struct hv *hv)
{
    char lock[4096];
    snprintf(lock, sizeof(lock), "%s.lock", state_path());
    lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0)
        hv_die("cannot lock %s: %s", lock, strerror(errno));
    hv_read(hv);
}

void hv_write(const struct hv *hv)
{
    const char *path = state_path();
    char tmp[4096];
    FILE *f;

    if (lock_fd < 0)
        hv_die("hv_write without hv_begin");
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (!f)
        hv_die("cannot write %s: %s", tmp, strerror(errno));
    fprintf(f, "%s\nxen %s\nseq %u\n", STATE_MAGIC, dash(hv->xen_build_id), hv->next_seq);
    for (int i = 0; i < hv->npayloads; i++) {
        const struct payload *p = &hv->p[i];
        fprintf(f, "payload %d %d %u %s %s %s %s\n", p->state, p->rc, p->seq, dash(p->build_id), dash(p->depends),
                dash(p->xen_depends), p->name);
        for (int j = 0; j < p->nmeta; j++)
            fprintf(f, "meta %s\n", p->meta[j]);
        for (int j = 0; j < p->nfuncs; j++)
            fprintf(f, "func %u %u %s\n", p->funcs[j].old_size, p->funcs[j].new_size, p->funcs[j].name);
    }
    for (int i = 0; i < hv->napplied; i++)
        fprintf(f, "applied %s\n", hv->applied[i]);
    for (size_t at = 0; at < hv->console_len;) {
        const char *end = memchr(hv->console + at, '\n', hv->console_len - at);
        size_t len = end ? (size_t)(end - (hv->console + at)) : hv->console_len - at;
        fprintf(f, "console %.*s\n", (int)len, hv->console + at);
        at += len + 1;
    }
    /* A hypervisor's memory, not a database: replaced atomically, never fsynced. */
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        hv_die("cannot replace %s: %s", path, strerror(errno));
    close(lock_fd);
    lock_fd = -1;
}

struct payload *hv_find(struct hv *hv, const char *name)
{
    for (int i = 0; i < hv->npayloads; i++)
        if (strcmp(hv->p[i].name, name) == 0)
            return &hv->p[i];
    return NULL;
}

/* printk: one console line, the oldest lines dropped once the ring is full. */
void hv_printk(struct hv *hv, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    size_t len = (size_t)snprintf(line, sizeof(line), "(XEN) ");

    va_start(ap, fmt);
    vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
    va_end(ap);
    len = strlen(line);
    line[len++] = '\n';
    while (hv->console_len + len > sizeof(hv->console)) {
        char *nl = memchr(hv->console, '\n', hv->console_len);
        size_t drop = nl ? (size_t)(nl - hv->console) + 1 : hv->console_len;
        memmove(hv->console, hv->console + drop, hv->console_len - drop);
        hv->console_len -= drop;
    }
    memcpy(hv->console + hv->console_len, line, len);
    hv->console_len += len;
}

#define LOG(hv, ...) hv_printk(hv, "livepatch: " __VA_ARGS__)

/* ---- the payload ELF: bounds-checked reading of the sections the stand-in needs ---- */

struct elf {
    const unsigned char *b;
    size_t n;
    uint64_t shoff;
    unsigned shnum, shstrndx;
};

struct section {
    uint32_t name, type, link, info;
    uint64_t offset, size;
    const unsigned char *data; /* NULL for SHT_NOBITS */
};

static uint64_t le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* [offset, offset + size) lies inside a buffer of n bytes. */
static int within(uint64_t offset, uint64_t size, size_t n)
{
    return offset <= n && size <= n - offset;
}

static int elf_open(struct elf *e, const unsigned char *b, size_t n)
{
    static const unsigned char ident[] = {0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little-endian */};
    if (n < 64 || memcmp(b, ident, sizeof(ident)) != 0 || le(b + 0x12, 2) != 62 /* x86-64 */)
        return -1;
    e->b = b, e->n = n;
    e->shoff = le(b + 0x28, 8);
    e->shnum = (unsigned)le(b + 0x3c, 2);
    e->shstrndx = (unsigned)le(b + 0x3e, 2);
    if (le(b + 0x3a, 2) != 64 || !within(e->shoff, (uint64_t)e->shnum * 64, n) || e->shstrndx >= e->shnum)
        return -1;
    return 0;
}

static int elf_section(const struct elf *e, unsigned i, struct section *s)
{
    const unsigned char *h = e->b + e->shoff + (uint64_t)i * 64;
    if (i >= e->shnum)
        return -1;
    s->name = (uint32_t)le(h, 4), s->type = (uint32_t)le(h + 4, 4);
    s->offset = le(h + 24, 8), s->size = le(h + 32, 8);
    s->link = (uint32_t)le(h + 40, 4), s->info = (uint32_t)le(h + 44, 4);
    s->data = NULL;
    if (s->type == 8 /* SHT_NOBITS */)
        return 0;
    if (!within(s->offset, s->size, e->n))
        return -1;
    s->data = e->b + s->offset;
    return 0;
}

/* A NUL-terminated string at `at` inside section s, or NULL. */
static const char *section_string(const struct section *s, uint64_t at)
{
    if (!s->data || at >= s->size || !memchr(s->data + at, '\0', s->size - at))
        return NULL;
    return (const char *)s->data + at;
}

/* The index of the section called `name` (filled into *s), 0 when absent, -1 when the file is broken. */
static int elf_find(const struct elf *e, const char *name, struct section *s)
{
    struct section names;
    if (elf_section(e, e->shstrndx, &names) != 0)
        return -1;
    for (unsigned i = 1; i < e->shnum; i++) {
        const char *n;
        if (elf_section(e, i, s) != 0)
            return -1;
        n = section_string(&names, s->name);
        if (n && strcmp(n, name) == 0)
            return (int)i;
    }
    return 0;
}

/* The first note of a section: a GNU build-id note (type 3) with 1 to 64 bytes, as lowercase hex. */
static int read_note(const struct elf *e, const char *section, char hex[ID_HEX])
{
    struct section s;
    uint64_t namesz, descsz, desc_at;

    if (elf_find(e, section, &s) <= 0 || !s.data || s.size < 12)
        return -1;
    namesz = le(s.data, 4), descsz = le(s.data + 4, 4);
    desc_at = 12 + ((namesz + 3) & ~3ULL);
    if (namesz != 4 || memcmp(s.data + 12, "GNU", 4) != 0 || le(s.data + 8, 4) != 3 || descsz == 0 || descsz > 64 ||
        !within(desc_at, descsz, s.size))
        return -1;
    for (uint64_t i = 0; i < descsz; i++)
        sprintf(hex + 2 * i, "%02x", s.data[desc_at + i]);
    return 0;
}

/* .modinfo: NUL-terminated key=value strings (Xen 4.14+ refuses a section without the final NUL). */
static int read_modinfo(const struct elf *e, struct payload *p)
{
    struct section s;
    int found = elf_find(e, ".modinfo", &s);
    if (found <= 0)
        return found;
    if (!s.data || s.size == 0 || s.data[s.size - 1] != '\0')
        return -1;
    for (uint64_t at = 0; at < s.size; at += strlen((const char *)s.data + at) + 1) {
        if (p->nmeta == MAX_META || strlen((const char *)s.data + at) >= META_LEN)
            return -1;
        strcpy(p->meta[p->nmeta++], (const char *)s.data + at);
    }
    return 0;
}

/*
 * .livepatch.funcs: 104-byte struct livepatch_func (version 2). The name is a pointer, so it is
 * found through the section's RELA entry at the descriptor's offset: symbol's section + addend.
 */
static int read_funcs(const struct elf *e, struct payload *p)
{
    struct section funcs, rela, symtab, target;
    int index = elf_find(e, ".livepatch.funcs", &funcs);

    if (index <= 0)
        return index; /* Xen 4.14+ accepts a hooks-only payload; the stand-in has no hooks to check */
    if (!funcs.data || funcs.size % 104 != 0 || funcs.size / 104 > MAX_FUNCS)
        return -1;
    p->nfuncs = (int)(funcs.size / 104);
    for (int i = 0; i < p->nfuncs; i++) {
        p->funcs[i].new_size = (unsigned)le(funcs.data + i * 104 + 24, 4);
        p->funcs[i].old_size = (unsigned)le(funcs.data + i * 104 + 28, 4);
    }
    if (elf_find(e, ".rela.livepatch.funcs", &rela) <= 0 || rela.type != 4 /* SHT_RELA */ || !rela.data ||
        rela.info != (uint32_t)index || elf_section(e, rela.link, &symtab) != 0 || !symtab.data)
        return 0;
    for (uint64_t at = 0; at + 24 <= rela.size; at += 24) {
        uint64_t offset = le(rela.data + at, 8), sym = le(rela.data + at + 8, 8) >> 32;
        int64_t addend = (int64_t)le(rela.data + at + 16, 8);
        const char *name;
        if (offset % 104 != 0 || offset / 104 >= (uint64_t)p->nfuncs || !within(sym * 24, 24, symtab.size))
            continue;
        if (elf_section(e, (unsigned)le(symtab.data + sym * 24 + 6, 2), &target) != 0)
            continue;
        name = section_string(&target, le(symtab.data + sym * 24 + 8, 8) + (uint64_t)addend);
        if (name && strlen(name) < NAME_SIZE)
            strcpy(p->funcs[offset / 104].name, name);
    }
    return 0;
}

/* ---- the hypercalls ---- */

static int name_fits(const char *name)
{
    /* libxc: strlen + 1 <= 128. A newline would break the state file: refused too (Xen would not). */
    return strlen(name) + 1 <= NAME_SIZE && !strchr(name, '\n');
}

/* XEN_SYSCTL_LIVEPATCH_UPLOAD, in Xen's order of checks. */
int hv_upload(struct hv *hv, const char *name, const unsigned char *bytes, size_t size)
{
    struct payload p;
    struct elf e;

    if (!name_fits(name) || size == 0 || size > MAX_PAYLOAD_SIZE)
        return EINVAL;
    if (hv_find(hv, name))
        return EEXIST;
    memset(&p, 0, sizeof(p));
    if (elf_open(&e, bytes, size) != 0 || read_note(&e, ".note.gnu.build-id", p.build_id) != 0 ||
        read_note(&e, ".livepatch.depends", p.depends) != 0 ||
        read_note(&e, ".livepatch.xen_depends", p.xen_depends) != 0 || read_modinfo(&e, &p) != 0 ||
        read_funcs(&e, &p) != 0)
        return EINVAL;
    for (int i = 0; i < hv->npayloads; i++)
        if (strcmp(hv->p[i].build_id, p.build_id) == 0)
            return EEXIST;
    if (!*hv->xen_build_id)
        return ENODATA;
    if (strcmp(p.xen_depends, hv->xen_build_id) != 0) {
        LOG(hv, "%s: check against hypervisor build-id failed", name);
        return EINVAL;
    }
    if (hv->npayloads == MAX_PAYLOADS)
        return ENOMEM;
    strcpy(p.name, name);
    p.state = STATE_CHECKED;
    p.seq = hv->next_seq++;
    hv->p[hv->npayloads++] = p;
    return 0;
}

static void display_metadata(struct hv *hv, const struct payload *p)
{
    if (p->nmeta == 0)
        return;
    LOG(hv, "module metadata:");
    for (int i = 0; i < p->nmeta; i++)
        LOG(hv, "  %s", p->meta[i]);
}

static void apply_payload(struct hv *hv, struct payload *p)
{
    LOG(hv, "%s: Applying %d functions", p->name, p->nfuncs);
    display_metadata(hv, p);
    strcpy(hv->applied[hv->napplied++], p->name);
    p->state = STATE_APPLIED;
}

static void revert_payload(struct hv *hv, struct payload *p)
{
    LOG(hv, "%s: Reverting", p->name);
    hv->napplied--; /* only ever the top of the stack */
    p->state = STATE_CHECKED;
}

/* build_id_dep: .livepatch.depends against Xen (nothing applied, or replace) or the top payload. */
static int depends_ok(struct hv *hv, const struct payload *p, int against_xen)
{
    const struct payload *top = against_xen ? NULL : hv_find(hv, hv->applied[hv->napplied - 1]);
    const char *id = top ? top->build_id : hv->xen_build_id;
    if (!*id)
        return ENODATA;
    if (strcmp(p->depends, id) == 0)
        return 0;
    LOG(hv, "%s: check against %s build-id failed", p->name, top ? top->name : "hypervisor");
    return EINVAL;
}

/* XEN_SYSCTL_LIVEPATCH_ACTION; the work Xen schedules for the CPU rendezvous is done at once. */
int hv_action(struct hv *hv, const char *name, int action, int nodeps)
{
    struct payload *p = name_fits(name) ? hv_find(hv, name) : NULL;
    int rc;

    if (!name_fits(name))
        return EINVAL;
    if (!p)
        return ENOENT;
    switch (action) {
    case ACTION_UNLOAD:
        if (p->state != STATE_CHECKED)
            return EINVAL;
        memmove(p, p + 1, (size_t)(&hv->p[hv->npayloads] - (p + 1)) * sizeof(*p));
        hv->npayloads--;
        return 0;
    case ACTION_REVERT:
        if (p->state != STATE_APPLIED)
            return 0;
        if (strcmp(hv->applied[hv->napplied - 1], name) != 0) {
            LOG(hv, "%s: can't unload. Top is %s", name, hv->applied[hv->napplied - 1]);
            return EBUSY;
        }
        revert_payload(hv, p);
        LOG(hv, "%s finished REVERT with rc=0", name);
        return 0;
    case ACTION_APPLY:
        if (p->state != STATE_CHECKED)
            return 0;
        if (!nodeps && (rc = depends_ok(hv, p, hv->napplied == 0)) != 0)
            return rc;
        LOG(hv, "%s: Verifying enabled expectations for all functions", name);
        apply_payload(hv, p);
        LOG(hv, "%s finished APPLY with rc=0", name);
        return 0;
    case ACTION_REPLACE:
        if (p->state != STATE_CHECKED)
            return 0;
        if ((rc = depends_ok(hv, p, 1)) != 0)
            return rc;
        while (hv->napplied > 0) {
            struct payload *top = hv_find(hv, hv->applied[hv->napplied - 1]);
            if (!top)
                hv_die("state file: applied payload %s is not loaded", hv->applied[hv->napplied - 1]);
            revert_payload(hv, top);
        }
        LOG(hv, "%s: Verifying enabled expectations for all functions", name);
        apply_payload(hv, p);
        LOG(hv, "%s finished REPLACE with rc=0", name);
        return 0;
    }
    return EINVAL;
}

/* Made-up but stable addresses, as Xen would print them with %p. */
#define PAYLOAD_AREA 0xffff82d040800000ULL
#define XEN_TEXT 0xffff82d040200000ULL

static unsigned long long symbol_address(const char *name)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *name; name++)
        h = (h ^ (unsigned char)*name) * 16777619u;
    return XEN_TEXT + (h & 0x000ffff0u);
}

/* livepatch_printall, Xen 4.19: depend-on-xen is still printed. */
void hv_dump(struct hv *hv)
{
    hv_printk(hv, "'x' pressed - Dumping all livepatch patches");
    if (*hv->xen_build_id)
        hv_printk(hv, "build-id: %s", hv->xen_build_id);
    for (int i = 0; i < hv->npayloads; i++) {
        const struct payload *p = &hv->p[i];
        unsigned long long text = PAYLOAD_AREA + (unsigned long long)p->seq * 0x100000ULL;
        hv_printk(hv, " name=%s state=%s(%d) %016llx (.data=%016llx, .rodata=%016llx) using 3 pages.", p->name,
                  p->state == STATE_APPLIED ? "APPLIED" : "CHECKED", p->state, text, text + 0x1000, text + 0x2000);
        display_metadata(hv, p);
        for (int j = 0; j < p->nfuncs; j++)
            hv_printk(hv, "    %s patch %016llx(%u) with %016llx (%u)", p->funcs[j].name,
                      symbol_address(p->funcs[j].name), p->funcs[j].old_size, text + (unsigned long long)j * 0x40,
                      p->funcs[j].new_size);
        if (*p->build_id)
            hv_printk(hv, "build-id=%s", p->build_id);
        if (*p->depends)
            hv_printk(hv, "depend-on=%s", p->depends);
        if (*p->xen_depends)
            hv_printk(hv, "depend-on-xen=%s", p->xen_depends);
    }
}
