/* libFuzzer target: the CFB pre-check (src/office/cfb_check.c) on raw bytes; what it lets through
 * is then opened by libgsf the way cfb.c does, so a layout the check wrongly passes shows here. */
#include "office/office.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static void quiet(const gchar *d, GLogLevelFlags l, const gchar *m, gpointer u)
{
    (void)d, (void)l, (void)m, (void)u;
}

/* every entry, breadth first through a bounded queue (the check bounds the tree) */
static void walk(GsfInfile *root)
{
    GsfInfile *queue[256];
    size_t head = 0, tail = 0;
    queue[tail++] = GSF_INFILE(g_object_ref(root));
    while (head < tail) {
        GsfInfile *dir = queue[head++];
        int n = gsf_infile_num_children(dir);
        for (int i = 0; i < n && i < 4096; i++) {
            GsfInput *ch = gsf_infile_child_by_index(dir, i);
            if (!ch)
                continue;
            if (GSF_IS_INFILE(ch) && gsf_infile_num_children(GSF_INFILE(ch)) >= 0 && tail < 256) {
                queue[tail++] = GSF_INFILE(ch);
                continue;
            }
            uint8_t buf[64];
            gsf_off_t sz = gsf_input_size(ch);
            if (sz > 0)
                gsf_input_read(ch, sz < (gsf_off_t)sizeof buf ? (size_t)sz : sizeof buf, buf);
            g_object_unref(ch);
        }
        g_object_unref(dir);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        static const char *const domains[] = {"libgsf", "libgsf:msole", "GLib", "GLib-GObject"};
        for (size_t i = 0; i < sizeof domains / sizeof *domains; i++)
            g_log_set_handler(domains[i],
                              G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION, quiet,
                              NULL);
        init = true;
    }
    eg_cfb_info ci;
    eg_status st = eg_cfb_check(data, size, &ci);
    if (st != EG_OK) {
        if (!ci.reason[0] && st != EG_ENOMEM)
            __builtin_trap(); /* a refusal always says why */
        return 0;
    }
    if (ci.entries > EG_CFB_MAX_ENTRIES || ci.depth > EG_CFB_MAX_DEPTH)
        __builtin_trap();
    GsfInput *in = gsf_input_memory_new(data, (gsf_off_t)size, FALSE);
    if (!in)
        return 0;
    GsfInfile *ole = gsf_infile_msole_new(in, NULL);
    if (ole) {
        walk(ole);
        g_object_unref(ole);
    }
    g_object_unref(in);
    return 0;
}
