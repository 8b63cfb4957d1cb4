/*
 * report.c: REPORT (RFC 3253 3.6) dispatch. The body's root element (namespace, name)
 * picks a handler from the target's flavour table (struct dav_report; on the root,
 * principals and homes from every flavour's node_reports); an unknown report
 * is 403 with <D:supported-report/> (RFC 3253 3.6). The handler runs with the request's
 * read transaction open in dr->txn and answers exactly once; it may end the transaction
 * itself (to stream in batches, as PROPFIND does), otherwise it is ended here.
 */
#include "protocols/webdav/dav-internal.h"

#include "src/err.h"

static dav_report_fn *dav_report_in(const struct dav_report *r, size_t n,
                                    const struct dav_xml_node *root)
{
    for (size_t i = 0; i < n; i++) {
        if (dav_xml_is(root, r[i].ns, r[i].name)) {
            return r[i].handle;
        }
    }
    return NULL;
}

static dav_report_fn *dav_report_find(const struct dav_target *t, const struct dav_xml_node *root)
{
    const struct dav_flavour *f = t->flavour;
    if (t->path.node == DAV_NODE_COLLECTION || t->path.node == DAV_NODE_RESOURCE) {
        return f ? dav_report_in(f->reports, f->n_reports, root) : NULL;
    }
    for (size_t i = 0; (f = dav_flavour_at(i)) != NULL; i++) {
        dav_report_fn *fn = dav_report_in(f->node_reports, f->n_node_reports, root);
        if (fn != NULL) {
            return fn;
        }
    }
    return NULL;
}

void dav_report_handle(struct dav_request *dr)
{
    struct dav_xml_node *root = NULL;
    int rc = dav_xml_parse(dr->a, dr->req->body, &root);
    if (rc != 0) {
        dav_fail(dr, ERR_INVAL, "malformed REPORT body");
    } else if (dav_prepare(dr, false, false) == 0 && !dr->target.exists) {
        dav_fail(dr, ERR_NOT_FOUND, "no such resource");
    }
    dav_report_fn *fn = dr->err.status ? NULL : dav_report_find(&dr->target, root);
    if (fn == NULL && dr->err.status == 0) {
        dav_fail_status(dr, 403, "<D:supported-report/>", "unsupported REPORT");
    }
    if (dr->err.status != 0) {
        dav_respond_error(dr);
        return;
    }
    fn(dr, root);
    dav_txn_end(dr);
}
