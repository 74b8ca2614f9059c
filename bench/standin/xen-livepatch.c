/*
 * A stand-in for xen-livepatch of Xen 4.19+ (tools/misc/xen-livepatch.c, generation "G4" in
 * /work/shared/xen-livepatch.md): the same argv rules, messages, stdout/stderr split, exit codes and
 * the single 60 ms wait of an action, over the stand-in hypervisor of hv.c. For benchmarks only.
 */
#define _GNU_SOURCE
#include "hv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct hv hv;

static void help(void)
{
    fputs("xen-livepatch: live patching tool\n"
          "Usage: xen-livepatch [--force] <command> [args] [command-flags]\n"
          " Use --force option to bypass some checks.\n"
          " <name> An unique name of payload. Up to 128 characters.\n"
          "Commands:\n"
          "  help                   display this help\n"
          "  upload <name> <file>   upload file <file> with <name> name\n"
          "  list                   list payloads uploaded.\n"
          "  apply <name> [flags]   apply <name> patch.\n"
          "    Supported flags:\n"
          "      --nodeps           Disable inter-module buildid dependency check.\n"
          "                         Check only against hypervisor buildid.\n"
          "  revert <name>          revert name <name> patch.\n"
          "  replace <name>         apply <name> patch and revert all others.\n"
          "  unload <name>          unload name <name> patch.\n"
          "  load <file> [flags]    upload and apply <file> with name as the <file> name\n"
          "    Supported flags:\n"
          "      --nodeps           Disable inter-module buildid dependency check.\n"
          "                         Check only against hypervisor buildid.\n",
          stderr);
}

static const char *state2str(int state)
{
    return state == STATE_CHECKED ? "CHECKED" : state == STATE_APPLIED ? "APPLIED" : "unknown";
}

static void error_line(int err) { fprintf(stderr, "Error %d: %s\n", err, strerror(err)); }

/* get_name(): the tool refuses more than 128 bytes (libxc then refuses exactly 128: EINVAL). */
static int name_too_long(const char *name)
{
    if (strlen(name) <= NAME_SIZE)
        return 0;
    fprintf(stderr, "ID must be no more than %d characters.\n", NAME_SIZE);
    return 1;
}

static int list(void)
{
    hv_read(&hv);
    if (hv.npayloads == 0) {
        printf("Nothing to list\n");
        return 0;
    }
    printf(" ID                                     | status     | metadata\n"
           "----------------------------------------+------------+---------------\n");
    for (int i = 0; i < hv.npayloads; i++) {
        const struct payload *p = &hv.p[i];
        char meta[MAX_META * META_LEN] = "";
        for (int j = 0; j < p->nmeta; j++) {
            if (j)
                strcat(meta, ";");
            strcat(meta, p->meta[j]);
        }
        printf("%-40s| %s", p->name, state2str(p->state));
        if (p->rc)
            printf(" (%d, %s)", -p->rc, strerror(-p->rc));
        printf("    | %s\n", meta);
    }
    return 0;
}

/* upload_func: open, stat, mmap, then the UPLOAD hypercall. */
static int upload(const char *name, const char *file)
{
    struct stat st;
    void *bytes;
    int fd, rc;

    if (name_too_long(name))
        return EINVAL;
    fd = open(file, O_RDONLY);
    if (fd < 0) {
        rc = errno;
        fprintf(stderr, "Could not open %s.\n", file);
        error_line(rc);
        return rc;
    }
    if (stat(file, &st) != 0) {
        rc = errno;
        fprintf(stderr, "Could not get size of %s.\n", file);
        error_line(rc);
        close(fd);
        return rc;
    }
    bytes = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (bytes == MAP_FAILED) {
        rc = errno;
        fprintf(stderr, "Could not map %s.\n", file);
        error_line(rc);
        close(fd);
        return rc;
    }
    printf("Uploading %s... ", file);
    hv_begin(&hv);
    rc = hv_upload(&hv, name, bytes, (size_t)st.st_size);
    hv_write(&hv);
    if (rc) {
        printf("failed\n");
        error_line(rc);
    } else {
        printf("completed\n");
    }
    munmap(bytes, (size_t)st.st_size);
    close(fd);
    return rc;
}

struct action {
    const char *command;
    int cmd, allow, expected;
    const char *verb;
};

#define GONE (-ENOENT) /* unload's expected outcome: the payload is not there any more */

static const struct action ACTIONS[] = {
    {"apply", ACTION_APPLY, STATE_CHECKED, STATE_APPLIED, "Applying"},
    {"revert", ACTION_REVERT, STATE_APPLIED, STATE_CHECKED, "Reverting"},
    {"unload", ACTION_UNLOAD, STATE_CHECKED, GONE, "Unloading"},
    {"replace", ACTION_REPLACE, STATE_CHECKED, STATE_APPLIED, "Replacing all live patches with"},
};

static void wrong_state(const char *name, int current, int expected)
{
    fprintf(stderr, "%s is in the wrong state.\nCurrent state: %s\nExpected state: %s\n", name, state2str(current),
            state2str(expected));
}

/* XEN_SYSCTL_LIVEPATCH_GET: 0 and the payload's status, or a positive errno. */
static int get_status(const char *name, int *state, int *rc)
{
    const struct payload *p;
    hv_read(&hv);
    if (!(p = hv_find(&hv, name)))
        return ENOENT;
    *state = p->state, *rc = p->rc;
    return 0;
}

/* action_func: the seven steps of /work/shared/xen-livepatch.md §4. */
static int action(const struct action *a, int argc, char **argv)
{
    const char *name = argv[0];
    struct timespec wait = {0, 60 * 1000 * 1000}; /* 2 x the hypervisor's 30 ms timeout */
    int nodeps = 0, state, status_rc, rc, r;

    if (name_too_long(name))
        return EINVAL;
    for (int i = 1; i < argc; i++) {
        if (a->cmd == ACTION_APPLY && strcmp(argv[i], "--nodeps") == 0) {
            nodeps = 1;
        } else {
            fprintf(stderr, "Unsupported flag: %s.\n", argv[i]);
            return EINVAL;
        }
    }
    if ((rc = get_status(name, &state, &status_rc)) != 0) {
        fprintf(stderr, "Failed to get status of %s.\n", name);
        error_line(rc);
        return rc;
    }
    if (status_rc == -EAGAIN) {
        fprintf(stderr, "Cannot execute %s.\nOperation already in progress.\n", a->command);
        return EAGAIN;
    }
    if (state == a->expected) {
        printf("No action needed.\n");
        return 0;
    }
    if (state != a->allow) {
        wrong_state(name, state, a->allow);
        return -1;
    }
    printf("%s %s... ", a->verb, name);
    hv_begin(&hv);
    rc = hv_action(&hv, name, a->cmd, nodeps);
    hv_write(&hv);
    if (rc) {
        printf("failed\n");
        error_line(rc);
        return rc;
    }
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR)
        ;
    rc = get_status(name, &state, &status_rc);
    r = rc ? -rc : status_rc ? status_rc : state;
    if (r == a->expected) {
        printf("completed\n");
        return 0;
    }
    printf("failed\n");
    if (r == -EAGAIN) {
        fprintf(stderr, "Operation didn't complete.\n");
        return EAGAIN;
    }
    if (r < 0) {
        error_line(-r);
        return -r;
    }
    wrong_state(name, r, a->expected);
    return -1;
}

/* load_func: the name is the file's basename without its last extension; unload if apply fails. */
static int load(int argc, char **argv)
{
    char name[4096], *dot;
    const char *slash = strrchr(argv[0], '/');
    int rc;

    snprintf(name, sizeof(name), "%s", slash ? slash + 1 : argv[0]);
    if ((dot = strrchr(name, '.')))
        *dot = '\0';
    if ((rc = upload(name, argv[0])) != 0)
        return rc;
    argv[0] = name;
    if ((rc = action(&ACTIONS[0], argc, argv)) != 0)
        action(&ACTIONS[2], 1, argv);
    return rc;
}

int main(int argc, char **argv)
{
    const char *command;
    int ret = -1;

    hv_count("xen-livepatch", argc - 1, argv + 1);
    setvbuf(stdout, NULL, _IONBF, 0); /* as the real tool: progress text and errors interleave */
    argc--, argv++;
    if (argc == 0) {
        help();
        return 0;
    }
    if (strcmp(argv[0], "--force") == 0 && (argc--, argv++, argc == 0)) {
        help();
        return 1;
    }
    command = argv[0];
    argc--, argv++;
    if (strcmp(command, "help") == 0) {
        help();
        ret = 0;
    } else if (strcmp(command, "list") == 0) {
        ret = argc == 0 ? list() : (help(), -1);
    } else if (strcmp(command, "upload") == 0) {
        ret = argc == 2 ? upload(argv[0], argv[1]) : (help(), -1);
    } else if (strcmp(command, "load") == 0) {
        ret = argc >= 1 ? load(argc, argv) : (help(), -1);
    } else {
        const struct action *a = NULL;
        for (size_t i = 0; i < sizeof(ACTIONS) / sizeof(ACTIONS[0]); i++)
            if (strcmp(command, ACTIONS[i].command) == 0)
                a = &ACTIONS[i];
        if (!a) {
            fprintf(stderr, "Unrecognised command '%s' -- try 'xen-livepatch help'\n", command);
            return 1;
        }
        ret = argc >= 1 ? action(a, argc, argv) : (help(), -1);
    }
    return ret == 0 ? 0 : ret == EAGAIN || ret == EBUSY ? 2 : 1;
}
