"""carddav_helpers: what the CardDAV integration tests share (standard library only).

DavTestCase starts `kith serve` with users alice (e-mail alice@example.com) and bob, each
with the default book "contacts", and offers dav() for authenticated requests and
multistatus() to read 207 bodies the way clients do (ElementTree, namespaces spelled out).
"""
import xml.etree.ElementTree as ET

from kith_harness import KithTestCase, http_request

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:carddav}"
CS = "{http://calendarserver.org/ns/}"
CAL = "{urn:ietf:params:xml:ns:caldav}"
PASSWORD = "secret-" + "pw"
BOOK = "/dav/addressbooks/alice/contacts/"

XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
NS_DECL = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"'


def card(uid, fn, version="3.0", extra=""):
    """A small vCard with CRLF line ends."""
    lines = ["BEGIN:VCARD", "VERSION:" + version, "UID:" + uid, "FN:" + fn]
    if version == "3.0":
        parts = fn.split(" ", 1)
        lines.append("N:%s;%s;;;" % (parts[-1], parts[0]))
    lines += [l for l in extra.split("\n") if l]
    lines.append("END:VCARD")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


class Response:
    """One <D:response>: href, status text (or None), props {"{ns}name": (status, elem)}."""

    def __init__(self, elem):
        self.href = elem.findtext(D + "href")
        self.status = elem.findtext(D + "status")
        self.error = elem.find(D + "error")
        self.props = {}
        self.statuses = []  # every <status> text in document order
        for st in elem.iter(D + "status"):
            self.statuses.append(st.text)
        for ps in elem.findall(D + "propstat"):
            code = ps.findtext(D + "status")
            for p in ps.find(D + "prop"):
                self.props[p.tag] = (code, p)

    def ok(self, name):
        """The element of a property returned with 200, or None."""
        st = self.props.get(name)
        return st[1] if st and st[0] == "HTTP/1.1 200 OK" else None

    def text(self, name):
        e = self.ok(name)
        return None if e is None else (e.text or "")


def multistatus(body):
    """(responses, sync-token text or None) of a 207 body."""
    root = ET.fromstring(body)
    assert root.tag == D + "multistatus", root.tag
    return [Response(r) for r in root.findall(D + "response")], root.findtext(D + "sync-token")


class DavTestCase(KithTestCase):
    """A server with alice and bob; self.server and self.dav()."""

    def setUp(self):
        super().setUp()
        for name in ("alice", "bob"):
            r = self.kith.run("user", "add", name, "--email", name + "@example.com",
                              "--display-name", name.capitalize() + " Example",
                              "--password-stdin", stdin=PASSWORD + "\n")
            self.assertOk(r)
        self.server = self.kith.serve()

    def dav(self, method, path, body=None, headers=None, user="alice", timeout=60.0):
        hdrs = {"Content-Type": "application/xml; charset=utf-8"} if body is not None else {}
        hdrs.update(headers or {})
        return http_request(self.server.http_port, method, path, body=body, headers=hdrs,
                            auth=(user, PASSWORD) if user else None, timeout=timeout)

    def put_card(self, name, data, headers=None, book=BOOK, user="alice"):
        hdrs = {"Content-Type": "text/vcard; charset=utf-8"}
        hdrs.update(headers or {})
        return http_request(self.server.http_port, "PUT", book + name, body=data, headers=hdrs,
                            auth=(user, PASSWORD))

    def report(self, body, path=BOOK, headers=None, expect=207):
        hdrs = {"Depth": "1"}
        hdrs.update(headers or {})
        status, h, data = self.dav("REPORT", path, XML_HEAD + body, hdrs)
        self.assertEqual(status, expect, data[:2000])
        return multistatus(data) if expect == 207 else data

    def sync(self, token="", props="<D:getetag/>", limit=None, path=BOOK, headers=None,
             expect=207):
        lim = "<D:limit><D:nresults>%d</D:nresults></D:limit>" % limit if limit else ""
        body = ('<D:sync-collection %s><D:sync-token>%s</D:sync-token>'
                '<D:sync-level>1</D:sync-level>%s<D:prop>%s</D:prop></D:sync-collection>'
                % (NS_DECL, token, lim, props))
        return self.report(body, path=path, headers=headers, expect=expect)
