/*
 * dav_xml.c: request bodies (PROPFIND, PROPPATCH, MKCOL, REPORT) through libxml2, safely.
 *
 * libxml2 builds the tree, but SAX hooks run first: a DOCTYPE (internal or external
 * subset) stops the parser before any entity is declared, so neither DTD loading nor
 * expansion of declared entities ("billion laughs", external entities) can happen; XML_PARSE_NONET
 * forbids the network and XML_PARSE_HUGE stays off. Depth and element count are checked as elements
 * start, so a deep or wide body is refused before its tree is built. The tree is then copied into
 * the request arena as struct dav_xml_node and freed.
 */
#include "protocols/webdav/dav-internal.h"

#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>

#include "src/arena.h"
#include "src/err.h"

#define DAV_XML_NS_XML "http://www.w3.org/XML/1998/namespace"

struct dav_xml_state {
    int depth;
    size_t elements;
    int rc; /* ERR_INVAL (DOCTYPE) or ERR_TOO_LARGE (limits) once stopped */
};

static void dav_xml_stop(xmlParserCtxtPtr ctxt, int rc)
{
    struct dav_xml_state *st = ctxt->_private;
    if (st->rc == 0) {
        st->rc = rc;
    }
    xmlStopParser(ctxt);
}

static void dav_xml_on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                               const xmlChar *sys_id)
{
    dav_xml_stop(ctx, ERR_INVAL);
}

static void dav_xml_on_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                              const xmlChar *system_id, xmlChar *content)
{
    dav_xml_stop(ctx, ERR_INVAL);
}

/* Parsers never log (STYLE.md 4): libxml2's messages are dropped, the caller logs. */
static void dav_xml_on_error(void *ctx, xmlErrorPtr err)
{
}

static void dav_xml_on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                             int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct dav_xml_state *st = ctxt->_private;
    if (++st->depth > DAV_XML_MAX_DEPTH || ++st->elements > DAV_XML_MAX_ELEMENTS) {
        dav_xml_stop(ctxt, ERR_TOO_LARGE);
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
}

static void dav_xml_on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                           const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct dav_xml_state *st = ctxt->_private;
    st->depth--;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

static struct str_view dav_xml_dup(struct arena *a, const xmlChar *s)
{
    if (s == NULL) {
        return STR_VIEW_NULL;
    }
    size_t len = strlen((const char *)s);
    return str_view_make(arena_strndup(a, (const char *)s, len), len);
}

static struct dav_xml_node *dav_xml_copy(struct arena *a, xmlNodePtr x,
                                         struct dav_xml_node *parent);

static void dav_xml_copy_children(struct arena *a, xmlNodePtr x, struct dav_xml_node *n)
{
    struct dav_xml_node **tail = &n->children;
    for (xmlNodePtr c = x->children; c != NULL; c = c->next) {
        struct dav_xml_node *cn = dav_xml_copy(a, c, n);
        if (cn != NULL) {
            *tail = cn;
            tail = &cn->next;
        }
    }
}

/* Elements, text and CDATA are kept; comments and processing instructions are dropped. */
static struct dav_xml_node *dav_xml_copy(struct arena *a, xmlNodePtr x, struct dav_xml_node *parent)
{
    struct dav_xml_node *n;
    if (x->type == XML_TEXT_NODE || x->type == XML_CDATA_SECTION_NODE) {
        n = arena_new_obj(a, struct dav_xml_node);
        n->is_text = true;
        n->text = dav_xml_dup(a, x->content);
        n->parent = parent;
        return n;
    }
    if (x->type != XML_ELEMENT_NODE) {
        return NULL;
    }
    n = arena_new_obj(a, struct dav_xml_node);
    n->parent = parent;
    n->name = dav_xml_dup(a, x->name);
    n->ns = x->ns ? dav_xml_dup(a, x->ns->href) : STR_VIEW_NULL;
    size_t count = 0;
    for (xmlAttrPtr at = x->properties; at != NULL; at = at->next) {
        count++;
    }
    n->attrs = arena_new_array(a, struct dav_xml_attr, count ? count : 1);
    for (xmlAttrPtr at = x->properties; at != NULL; at = at->next) {
        struct dav_xml_attr *da = &n->attrs[n->n_attrs++];
        da->name = dav_xml_dup(a, at->name);
        da->ns = at->ns ? dav_xml_dup(a, at->ns->href) : STR_VIEW_NULL;
        xmlChar *v = xmlNodeListGetString(x->doc, at->children, 1);
        da->value = dav_xml_dup(a, v ? v : (const xmlChar *)"");
        xmlFree(v);
    }
    dav_xml_copy_children(a, x, n);
    return n;
}

static void dav_xml_free_doc(void *doc)
{
    xmlFreeDoc(doc);
}

int dav_xml_parse(struct arena *a, struct str_view body, struct dav_xml_node **root_out)
{
    *root_out = NULL;
    if (body.len == 0 || body.len > INT32_MAX) {
        return ERR_INVAL;
    }
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(body.ptr, (int)body.len);
    if (ctxt == NULL) {
        return ERR_NOMEM;
    }
    struct dav_xml_state st = { 0 };
    /* Options first: xmlCtxtUseOptions resets some handlers. No DTDLOAD/DTDATTR, no HUGE.
     * NOENT only makes libxml2 resolve the predefined and character references in place
     * (without it "&amp;" in an attribute comes back as "&#38;"): the DOCTYPE hook stops
     * the parser before any entity can be declared, so there is nothing else to expand. */
    xmlCtxtUseOptions(ctxt,
                      XML_PARSE_NONET | XML_PARSE_NOENT | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    ctxt->_private = &st;
    ctxt->sax->internalSubset = dav_xml_on_doctype;
    ctxt->sax->externalSubset = dav_xml_on_doctype;
    ctxt->sax->entityDecl = dav_xml_on_entity;
    ctxt->sax->startElementNs = dav_xml_on_start;
    ctxt->sax->endElementNs = dav_xml_on_end;
    ctxt->sax->serror = dav_xml_on_error;
    xmlParseDocument(ctxt);
    int rc = st.rc;
    if (rc == 0 && (!ctxt->wellFormed || !ctxt->nsWellFormed || ctxt->myDoc == NULL)) {
        rc = ERR_INVAL;
    }
    xmlDocPtr doc = ctxt->myDoc;
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    if (doc != NULL) {
        arena_on_free(a, dav_xml_free_doc, doc);
    }
    if (rc != 0) {
        return rc;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        return ERR_INVAL;
    }
    xmlNodePtr root = xmlDocGetRootElement(doc);
    if (root == NULL) {
        return ERR_INVAL;
    }
    *root_out = dav_xml_copy(a, root, NULL);
    return 0;
}

bool dav_xml_is(const struct dav_xml_node *n, const char *ns, const char *name)
{
    return n != NULL && !n->is_text && str_view_eq(n->ns, str_view_of(ns)) &&
           str_view_eq(n->name, str_view_of(name));
}

static const struct dav_xml_node *dav_xml_match(const struct dav_xml_node *c, const char *ns,
                                                const char *name)
{
    for (; c != NULL; c = c->next) {
        if (!c->is_text && (name == NULL || dav_xml_is(c, ns, name))) {
            return c;
        }
    }
    return NULL;
}

const struct dav_xml_node *dav_xml_child(const struct dav_xml_node *n, const char *ns,
                                         const char *name)
{
    return n ? dav_xml_match(n->children, ns, name) : NULL;
}

const struct dav_xml_node *dav_xml_next(const struct dav_xml_node *n)
{
    return n ? dav_xml_match(n->next, NULL, NULL) : NULL;
}

static bool dav_xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct str_view dav_xml_text(struct arena *a, const struct dav_xml_node *n)
{
    struct strbuf sb;
    strbuf_init(&sb, a, 64);
    for (const struct dav_xml_node *c = n ? n->children : NULL; c != NULL; c = c->next) {
        if (c->is_text) {
            strbuf_append_view(&sb, c->text);
        }
    }
    struct str_view v = strbuf_view(&sb);
    while (v.len > 0 && dav_xml_space(v.ptr[0])) {
        v.ptr++;
        v.len--;
    }
    while (v.len > 0 && dav_xml_space(v.ptr[v.len - 1])) {
        v.len--;
    }
    return v;
}

struct str_view dav_xml_attr(const struct dav_xml_node *n, const char *name)
{
    for (size_t i = 0; n != NULL && i < n->n_attrs; i++) {
        if (n->attrs[i].ns.len == 0 && str_view_eq_cstr_nocase(n->attrs[i].name, name)) {
            return n->attrs[i].value;
        }
    }
    return STR_VIEW_NULL;
}

/* Every element declares its namespace as the default when it differs from its parent's;
 * namespaced attributes get a prefix of their own ("a0"). The result parses back to the
 * same (namespace, name) tree whatever prefixes the client used. */
static void dav_xml_serialize_in(struct strbuf *sb, const struct dav_xml_node *n,
                                 const struct str_view *parent_ns)
{
    if (n->is_text) {
        strbuf_append_xml_escaped(sb, n->text);
        return;
    }
    strbuf_append_char(sb, '<');
    strbuf_append_view(sb, n->name);
    if (parent_ns == NULL || !str_view_eq(*parent_ns, n->ns)) {
        strbuf_append_cstr(sb, " xmlns=\"");
        strbuf_append_xml_escaped(sb, n->ns);
        strbuf_append_char(sb, '"');
    }
    for (size_t i = 0; i < n->n_attrs; i++) {
        const struct dav_xml_attr *at = &n->attrs[i];
        if (str_view_eq(at->ns, STR_VIEW_LIT(DAV_XML_NS_XML))) {
            strbuf_append_cstr(sb, " xml:"); /* predeclared, may not be rebound */
        } else if (at->ns.len > 0) {
            strbuf_appendf(sb, " xmlns:a%zu=\"", i);
            strbuf_append_xml_escaped(sb, at->ns);
            strbuf_appendf(sb, "\" a%zu:", i);
        } else {
            strbuf_append_char(sb, ' ');
        }
        strbuf_append_view(sb, at->name);
        strbuf_append_cstr(sb, "=\"");
        strbuf_append_xml_escaped(sb, at->value);
        strbuf_append_char(sb, '"');
    }
    if (n->children == NULL) {
        strbuf_append_cstr(sb, "/>");
        return;
    }
    strbuf_append_char(sb, '>');
    for (const struct dav_xml_node *c = n->children; c != NULL; c = c->next) {
        dav_xml_serialize_in(sb, c, &n->ns);
    }
    strbuf_append_cstr(sb, "</");
    strbuf_append_view(sb, n->name);
    strbuf_append_char(sb, '>');
}

void dav_xml_serialize(struct strbuf *sb, const struct dav_xml_node *n)
{
    dav_xml_serialize_in(sb, n, NULL);
}

struct str_view dav_qname_key(struct arena *a, struct dav_qname q)
{
    struct strbuf sb;
    strbuf_init(&sb, a, q.ns.len + q.name.len + 3);
    strbuf_append_char(&sb, '{');
    strbuf_append_view(&sb, q.ns);
    strbuf_append_char(&sb, '}');
    strbuf_append_view(&sb, q.name);
    return strbuf_view(&sb);
}

bool dav_qname_from_key(struct str_view key, struct dav_qname *out)
{
    if (key.len < 3 || key.ptr[0] != '{') {
        return false;
    }
    const char *close = memchr(key.ptr, '}', key.len);
    if (close == NULL || close == key.ptr + key.len - 1) {
        return false;
    }
    out->ns = str_view_make(key.ptr + 1, (size_t)(close - key.ptr - 1));
    out->name = str_view_make(close + 1, (size_t)(key.ptr + key.len - close - 1));
    return true;
}

/* The element children of n as qnames. */
static size_t dav_xml_qnames(struct arena *a, const struct dav_xml_node *n, struct dav_qname **out)
{
    size_t count = 0;
    for (const struct dav_xml_node *c = dav_xml_child(n, NULL, NULL); c; c = dav_xml_next(c)) {
        count++;
    }
    *out = arena_new_array(a, struct dav_qname, count ? count : 1);
    size_t i = 0;
    for (const struct dav_xml_node *c = dav_xml_child(n, NULL, NULL); c; c = dav_xml_next(c)) {
        (*out)[i++] = (struct dav_qname){ c->ns, c->name };
    }
    return count;
}

int dav_xml_propfind(struct arena *a, struct str_view body, struct dav_propfind *out)
{
    memset(out, 0, sizeof(*out));
    if (body.len == 0) {
        out->kind = DAV_PROPFIND_ALLPROP; /* RFC 4918 9.1 */
        return 0;
    }
    struct dav_xml_node *root;
    int rc = dav_xml_parse(a, body, &root);
    if (rc != 0) {
        return rc;
    }
    if (!dav_xml_is(root, DAV_NS_DAV, "propfind")) {
        return ERR_INVAL;
    }
    const struct dav_xml_node *c = dav_xml_child(root, NULL, NULL);
    if (c == NULL || !str_view_eq(c->ns, STR_VIEW_LIT(DAV_NS_DAV))) {
        return ERR_INVAL;
    }
    if (dav_xml_is(c, DAV_NS_DAV, "prop")) {
        out->kind = DAV_PROPFIND_PROP;
        out->n_props = dav_xml_qnames(a, c, &out->props);
    } else if (dav_xml_is(c, DAV_NS_DAV, "propname")) {
        out->kind = DAV_PROPFIND_PROPNAME;
    } else if (dav_xml_is(c, DAV_NS_DAV, "allprop")) {
        out->kind = DAV_PROPFIND_ALLPROP;
        out->n_props = dav_xml_qnames(a, dav_xml_child(root, DAV_NS_DAV, "include"), &out->props);
    } else {
        return ERR_INVAL;
    }
    return 0;
}

/* The properties of each <D:set>/<D:remove><D:prop> under n, appended to ops. */
static int dav_xml_patch_ops(struct arena *a, const struct dav_xml_node *n, bool mkcol,
                             struct dav_patch_op **ops_out, size_t *n_out)
{
    size_t count = 0;
    for (const struct dav_xml_node *op = dav_xml_child(n, NULL, NULL); op; op = dav_xml_next(op)) {
        for (const struct dav_xml_node *p =
                     dav_xml_child(dav_xml_child(op, DAV_NS_DAV, "prop"), NULL, NULL);
             p; p = dav_xml_next(p)) {
            count++;
        }
    }
    struct dav_patch_op *ops = arena_new_array(a, struct dav_patch_op, count ? count : 1);
    size_t i = 0;
    for (const struct dav_xml_node *op = dav_xml_child(n, NULL, NULL); op; op = dav_xml_next(op)) {
        bool set = dav_xml_is(op, DAV_NS_DAV, "set");
        if (!set && (mkcol || !dav_xml_is(op, DAV_NS_DAV, "remove"))) {
            return ERR_INVAL;
        }
        const struct dav_xml_node *prop = dav_xml_child(op, DAV_NS_DAV, "prop");
        if (prop == NULL) {
            return ERR_INVAL;
        }
        for (const struct dav_xml_node *p = dav_xml_child(prop, NULL, NULL); p;
             p = dav_xml_next(p)) {
            struct dav_patch_op *o = &ops[i++];
            o->remove = !set;
            o->qname = (struct dav_qname){ p->ns, p->name };
            o->elem = p;
            if (set) {
                struct strbuf sb;
                strbuf_init(&sb, a, 128);
                dav_xml_serialize(&sb, p);
                o->value = strbuf_view(&sb);
            }
        }
    }
    *ops_out = ops;
    *n_out = i;
    return 0;
}

int dav_xml_proppatch(struct arena *a, struct str_view body, struct dav_proppatch *out)
{
    memset(out, 0, sizeof(*out));
    struct dav_xml_node *root;
    int rc = dav_xml_parse(a, body, &root);
    if (rc != 0) {
        return rc;
    }
    if (!dav_xml_is(root, DAV_NS_DAV, "propertyupdate")) {
        return ERR_INVAL;
    }
    rc = dav_xml_patch_ops(a, root, false, &out->ops, &out->n_ops);
    return rc == 0 && out->n_ops == 0 ? ERR_INVAL : rc;
}

int dav_xml_mkcol(struct arena *a, struct str_view body, struct dav_mkcol *out)
{
    memset(out, 0, sizeof(*out));
    struct dav_xml_node *root;
    int rc = dav_xml_parse(a, body, &root);
    if (rc != 0) {
        return rc;
    }
    if (!dav_xml_is(root, DAV_NS_DAV, "mkcol")) {
        return ERR_UNSUPPORTED;
    }
    struct dav_patch_op *ops;
    size_t n;
    rc = dav_xml_patch_ops(a, root, true, &ops, &n);
    if (rc != 0) {
        return rc;
    }
    /* resourcetype is the kind of the new collection, not a property to store. */
    out->ops = arena_new_array(a, struct dav_patch_op, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        if (dav_xml_is(ops[i].elem, DAV_NS_DAV, "resourcetype")) {
            out->n_types = dav_xml_qnames(a, ops[i].elem, &out->types);
        } else {
            out->ops[out->n_ops++] = ops[i];
        }
    }
    return 0;
}
