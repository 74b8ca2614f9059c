/*
 * A stand-in for the three xl subcommands xlp runs on a dom0: `xl info` (xl's padded
 * "label : value" lines, build_id among them), `xl debug-keys KEYS` (key 'x' dumps the livepatch
 * payloads to the console) and `xl dmesg [-c]` (the console ring). Over the stand-in hypervisor of
 * hv.c; for benchmarks only.
 */
#define _GNU_SOURCE
#include "hv.h"

#include <stdio.h>
#include <string.h>

static struct hv hv;

static void line(const char *label, const char *value) { printf("%-23s: %s\n", label, value); }

static int info(void)
{
    static const char *const lines[][2] = {
        {"host", "xlp-standin"},
        {"release", "6.1.0-xlp-standin"},
        {"version", "#1 SMP PREEMPT_DYNAMIC"},
        {"machine", "x86_64"},
        {"nr_cpus", "2"},
        {"max_cpu_id", "1"},
        {"nr_nodes", "1"},
        {"cores_per_socket", "2"},
        {"threads_per_core", "1"},
        {"cpu_mhz", "2399.998"},
        {"virt_caps", "pv hvm hap shadow"},
        {"total_memory", "2047"},
        {"free_memory", "1018"},
        {"sharing_freed_memory", "0"},
        {"sharing_used_memory", "0"},
        {"outstanding_claims", "0"},
        {"free_cpus", "0"},
        {"xen_major", "4"},
        {"xen_minor", "19"},
        {"xen_extra", ".0"},
        {"xen_version", "4.19.0"},
        {"xen_caps", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"},
        {"xen_scheduler", "credit2"},
        {"xen_pagesize", "4096"},
        {"platform_params", "virt_start=0xffff800000000000"},
        {"xen_changeset", ""},
        {"xen_commandline", "console=com1 dom0_mem=1024M"},
        {"cc_compiler", "gcc (Debian 12.2.0-14) 12.2.0"},
        {"cc_compile_by", "xlp"},
        {"cc_compile_domain", "standin"},
        {"cc_compile_date", "Thu Jan  1 00:00:00 UTC 2026"},
    };
    hv_read(&hv);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
        line(lines[i][0], lines[i][1]);
    line("build_id", hv.xen_build_id);
    line("xend_config_format", "4");
    return 0;
}

static int debug_keys(const char *keys)
{
    hv_begin(&hv);
    for (; *keys; keys++)
        if (*keys == 'x')
            hv_dump(&hv);
    hv_write(&hv);
    return 0;
}

static int dmesg(int clear)
{
    if (!clear) {
        hv_read(&hv);
    } else {
        hv_begin(&hv);
    }
    fwrite(hv.console, 1, hv.console_len, stdout);
    if (clear) {
        hv.console_len = 0;
        hv_write(&hv);
    }
    return 0;
}

int main(int argc, char **argv)
{
    hv_count("xl", argc - 1, argv + 1);
    if (argc == 2 && strcmp(argv[1], "info") == 0)
        return info();
    if (argc == 3 && strcmp(argv[1], "debug-keys") == 0)
        return debug_keys(argv[2]);
    if (argc == 2 && strcmp(argv[1], "dmesg") == 0)
        return dmesg(0);
    if (argc == 3 && strcmp(argv[1], "dmesg") == 0 && strcmp(argv[2], "-c") == 0)
        return dmesg(1);
    if (argc >= 2 && strcmp(argv[1], "info") != 0 && strcmp(argv[1], "debug-keys") != 0 && strcmp(argv[1], "dmesg") != 0) {
        fputs("command not implemented\n", stderr);
        return 1;
    }
    fputs("standin: xl: only `info`, `debug-keys KEYS` and `dmesg [-c]` are modelled\n", stderr);
    return 3;
}
