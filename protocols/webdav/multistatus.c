/*
 * multistatus.c: 207 Multi-Status bodies (RFC 4918 13), written by hand into a strbuf.
 *
 * Prefixes are fixed and declared once on the root: D: (DAV:), C: (CardDAV), CAL:
 * (CalDAV), CS: (calendarserver). Properties of other namespaces declare their namespace
 * as the element's default. Within a response the 200 propstat comes first: Thunderbird
 * accepts an address book only when the first <status> is exactly "HTTP/1.1 200 OK".
 * In stream mode the buffer goes out as a chunk whenever it passes DAV_MS_CHUNK bytes,
 * so a 50,000-member listing never sits in memory whole.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include "src/arena.h"

#define DAV_MS_CHUNK (32 * 1024)

static const struct {
    const char *ns, *prefix;
} dav_prefixes[] = {
    { DAV_NS_DAV, "D" },
    { DAV_NS_CARDDAV, "C" },
    { DAV_NS_CALDAV, "CAL" },
    { DAV_NS_CS, "CS" },
};

const char *dav_ms_prefix(struct str_view ns)
{
    for (size_t i = 0; i < sizeof(dav_prefixes) / sizeof(dav_prefixes[0]); i++) {
        if (str_view_eq(ns, str_view_of(dav_prefixes[i].ns))) {
            return dav_prefixes[i].prefix;
        }
    }
    return NULL;
}

static void dav_ms_name(struct strbuf *sb, struct dav_qname q, bool declare)
{
    const char *prefix = dav_ms_prefix(q.ns);
    if (prefix != NULL) {
        strbuf_append_cstr(sb, prefix);
        strbuf_append_char(sb, ':');
        strbuf_append_xml_escaped(sb, q.name);
        return;
    }
    strbuf_append_xml_escaped(sb, q.name);
    if (declare) {
        strbuf_append_lit(sb, " xmlns=\"");
        strbuf_append_xml_escaped(sb, q.ns);
        strbuf_append_char(sb, '"');
    }
}

void dav_ms_empty_elem(struct strbuf *sb, struct dav_qname q)
{
    strbuf_append_char(sb, '<');
    dav_ms_name(sb, q, true);
    strbuf_append_lit(sb, "/>");
}

void dav_ms_open_elem(struct strbuf *sb, struct dav_qname q)
{
    strbuf_append_char(sb, '<');
    dav_ms_name(sb, q, true);
    strbuf_append_char(sb, '>');
}

void dav_ms_close_elem(struct strbuf *sb, struct dav_qname q)
{
    strbuf_append_lit(sb, "</");
    dav_ms_name(sb, q, false);
    strbuf_append_char(sb, '>');
}

void dav_ms_status_line(struct strbuf *sb, int status)
{
    strbuf_append_lit(sb, "HTTP/1.1 ");
    strbuf_append_u64(sb, (uint64_t)status);
    strbuf_append_char(sb, ' ');
    strbuf_append_cstr(sb, http_status_text(status));
}

void dav_ms_begin(struct dav_ms *ms, struct dav_request *dr, bool stream)
{
    ms->req = dr->req;
    ms->stream = stream;
    ms->minimal = dr->minimal;
    ms->a = dr->a;
    ms->plan = NULL;
    strbuf_init(&ms->sb, dr->a, stream ? DAV_MS_CHUNK + 8192 : 4096);
    if (stream) {
        http_respond_start(dr->req, 207, DAV_XML_CONTENT_TYPE);
    }
    strbuf_append_cstr(&ms->sb,
                       "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus" DAV_XMLNS_ALL
                       ">");
}

static void dav_ms_href(struct strbuf *sb, const char *href)
{
    strbuf_append_lit(sb, "<D:href>");
    strbuf_append_xml_escaped(sb, str_view_of(href));
    strbuf_append_lit(sb, "</D:href>");
}

static void dav_ms_propstat(struct strbuf *sb, const struct dav_propstat *p)
{
    strbuf_append_lit(sb, "<D:propstat><D:prop>");
    strbuf_append(sb, p->props.ptr, p->props.len);
    strbuf_append_lit(sb, "</D:prop><D:status>");
    dav_ms_status_line(sb, p->status);
    strbuf_append_lit(sb, "</D:status>");
    if (p->error != NULL) {
        strbuf_append_lit(sb, "<D:error>");
        strbuf_append_cstr(sb, p->error);
        strbuf_append_lit(sb, "</D:error>");
    }
    strbuf_append_lit(sb, "</D:propstat>");
}

void dav_ms_response(struct dav_ms *ms, const char *href, struct dav_propstat *ps, size_t n)
{
    struct strbuf *sb = &ms->sb;
    strbuf_append_lit(sb, "<D:response>");
    dav_ms_href(sb, href);
    size_t written = 0;
    /* 200 first, then the others in the order given. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const struct dav_propstat *p = &ps[i];
            bool ok = p->status == 200;
            if (p->props.len == 0 || ok != (pass == 0) || (ms->minimal && p->status == 404)) {
                continue;
            }
            dav_ms_propstat(sb, p);
            written++;
        }
    }
    if (written == 0) {
        /* Brief: t with only unknown properties still says the resource is there. */
        strbuf_append_lit(sb, "<D:propstat><D:prop/><D:status>HTTP/1.1 200 OK</D:status>"
                               "</D:propstat>");
    }
    strbuf_append_lit(sb, "</D:response>");
    dav_ms_flush(ms, false);
}

void dav_ms_status(struct dav_ms *ms, const char *href, int status)
{
    strbuf_append_lit(&ms->sb, "<D:response>");
    dav_ms_href(&ms->sb, href);
    strbuf_append_lit(&ms->sb, "<D:status>");
    dav_ms_status_line(&ms->sb, status);
    strbuf_append_lit(&ms->sb, "</D:status></D:response>");
    dav_ms_flush(ms, false);
}

void dav_ms_flush(struct dav_ms *ms, bool force)
{
    if (!ms->stream || ms->sb.len == 0 || (!force && ms->sb.len < DAV_MS_CHUNK)) {
        return;
    }
    http_respond_chunk(ms->req, strbuf_view(&ms->sb));
    strbuf_reset(&ms->sb);
}

void dav_ms_finish(struct dav_ms *ms)
{
    strbuf_append_lit(&ms->sb, "</D:multistatus>\n");
    if (ms->stream) {
        dav_ms_flush(ms, true);
        http_respond_end(ms->req);
        return;
    }
    http_respond(ms->req, 207, DAV_XML_CONTENT_TYPE, strbuf_view(&ms->sb));
}
