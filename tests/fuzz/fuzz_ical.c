/*
 * fuzz_ical: iCalendar input through what a PUT runs (caldav_ical_check: parse, one UID,
 * TZIDs) and what the index and queries run on it (the stored span, a bounded expansion
 * of one month, the instance index checked against the parse, the expanded and limited
 * calendar-data renderings).
 */
#include <stddef.h>
#include <stdint.h>

#include "protocols/caldav/caldav-filter.h"
#include "src/arena.h"

static int fuzz_count(void *ctx, const struct caldav_instance *in)
{
    (void)in;
    (*(size_t *)ctx)++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool quiet;
    if (!quiet) {
        icalerror_set_errors_are_fatal(0);
        quiet = true;
    }
    struct arena *a = arena_new(0);
    struct caldav_object obj;
    struct caldav_refusal why;
    if (caldav_ical_check(a, str_view_make(data, size), 0, &obj, &why) == 0) {
        int64_t s, e;
        caldav_object_span(&obj, &s, &e);
        size_t n = 0;
        const int64_t march = 1772323200; /* 2026-03-01T00:00:00Z */
        caldav_expand(&obj, march, march + 31 * 86400, fuzz_count, &n, NULL);
        caldav_object_overlaps(&obj, INT64_MIN, march);
        /* The instance index must agree with the parse wherever it answers. */
        struct strbuf ixb;
        strbuf_init(&ixb, a, 256);
        caldav_index_build(&obj, 5, march, &ixb);
        struct caldav_index ix;
        if (!caldav_index_read(strbuf_view(&ixb), 5, &ix)) {
            __builtin_trap();
        }
        for (int64_t from = march - 40 * 86400; from < march + 60 * 86400; from += 9 * 86400) {
            int got = caldav_index_overlaps(&ix, from, from + 5 * 86400);
            if (got >= 0 && (got == 1) != caldav_object_overlaps(&obj, from, from + 5 * 86400)) {
                __builtin_trap();
            }
        }
        struct caldav_data_req dq = { 0 };
        dq.expand = (struct caldav_tr){ true, march, march + 7 * 86400 };
        struct strbuf sb;
        strbuf_init(&sb, a, 1024);
        caldav_data_render(&dq, &obj, &sb);
        dq.expand.set = false;
        dq.limit_rs = (struct caldav_tr){ true, march, march + 7 * 86400 };
        caldav_data_render(&dq, &obj, &sb);
    }
    arena_free(&a);
    return 0;
}
