"""The WebDAV core against the real server, with Python's http.client: PROPFIND Depth 0/1
on an address book (200 propstat first, empty resourcetype on members, URI-shaped sync
token), Depth infinity refused, PROPPATCH all-or-nothing, PUT/DELETE preconditions, bad
XML and entity bombs refused with the store unchanged, access between users, extended
MKCOL, MOVE between books, and a streamed Depth 1 over 5,000 cards in flat memory."""
import os
import time
import unittest
import xml.etree.ElementTree as ET

from kith_harness import KithTestCase, gen_cards, scaled

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:carddav}"
CS = "{http://calendarserver.org/ns/}"
ALICE = ("alice", "alice-pw")
BOB = ("bob", "bob-pw")
BOOK = "/dav/addressbooks/alice/contacts/"

PROPS_BOOK = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"
            xmlns:card="urn:ietf:params:xml:ns:carddav">
 <d:prop><d:resourcetype/><d:displayname/><cs:getctag/><d:sync-token/>
  <d:current-user-privilege-set/><d:supported-report-set/><d:quota-used-bytes/>
  <d:quota-available-bytes/><d:owner/><d:current-user-principal/><x:nope xmlns:x="urn:x"/>
  <card:addressbook-description/></d:prop>
</d:propfind>"""

PROPS_MEMBERS = """<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getetag/>
<d:getcontenttype/><d:getcontentlength/><d:getlastmodified/><d:displayname/></d:prop></d:propfind>"""


def card(uid, fn="Test Person"):
    return ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s\r\nN:Person;Test;;;\r\n"
            "END:VCARD\r\n" % (uid, fn)).encode()


def bomb():
    ents = '<!ENTITY lol "lol">' + "".join(
        '<!ENTITY lol%d "%s">' % (i, ("&lol%s;" % ("" if i == 1 else i - 1)) * 10)
        for i in range(1, 10))
    return ('<?xml version="1.0"?><!DOCTYPE lolz [' + ents + ']><d:propfind xmlns:d="DAV:">'
            '<d:prop><d:x>&lol9;</d:x></d:prop></d:propfind>')


def responses(body):
    """{href: [(status, [prop elements]), ...]} in document order, plus the raw order."""
    root = ET.fromstring(body)
    out = {}
    for resp in root.findall(D + "response"):
        href = resp.find(D + "href").text
        stats = []
        for ps in resp.findall(D + "propstat"):
            stats.append((ps.find(D + "status").text, list(ps.find(D + "prop"))))
        out[href] = stats
    return out


def prop(stats, tag):
    for status, props in stats:
        for p in props:
            if p.tag == tag:
                return status, p
    return None, None


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def vmhwm_kb(pid):
    """Peak RSS. It counts the LMDB map pages the kernel maps in (file-backed, shared page
    cache) as well as the heap; RssAnon is the heap alone."""
    return status_kb(pid, "VmHWM")


class TestWebdavCore(KithTestCase):

    def setUp(self):
        super().setUp()
        self.kith.add_user("alice", ALICE[1])
        self.kith.add_user("bob", BOB[1])

    def req(self, method, path, body=None, headers=None, auth=ALICE):
        return self.server.request(method, path, body=body, headers=headers, auth=auth)

    def start(self):
        self.server = self.kith.serve()
        return self.server

    def propfind(self, path, body, depth="0", auth=ALICE, headers=None):
        h = {"Depth": depth, "Content-Type": "application/xml"}
        h.update(headers or {})
        return self.req("PROPFIND", path, body, h, auth)

    def put_card(self, path, data, headers=None, auth=ALICE):
        h = {"Content-Type": "text/vcard; charset=utf-8"}
        h.update(headers or {})
        return self.req("PUT", path, data, h, auth)

    def test_me_card_on_the_home_is_kept_per_user(self):
        """macOS Contacts marks the user's own card with a PROPPATCH of CS:me-card on the
        address-book home; it reads it back, and nobody else may set it."""
        self.start()
        body = (b'<D:propertyupdate xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">'
                b'<D:set><D:prop><CS:me-card><D:href>/dav/addressbooks/alice/contacts/me.vcf'
                b'</D:href></CS:me-card></D:prop></D:set></D:propertyupdate>')
        status, _, data = self.req("PROPPATCH", "/dav/addressbooks/alice/", body,
                                   {"Content-Type": "application/xml"})
        self.assertEqual(status, 207)
        self.assertIn(b"HTTP/1.1 200 OK", data)
        ask = (b'<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">'
               b'<D:prop><CS:me-card/></D:prop></D:propfind>')
        status, _, data = self.propfind("/dav/addressbooks/alice/", ask)
        self.assertEqual(status, 207)
        self.assertIn(b"/dav/addressbooks/alice/contacts/me.vcf", data)
        status, _, _ = self.req("PROPPATCH", "/dav/addressbooks/alice/", body,
                                {"Content-Type": "application/xml"}, auth=BOB)
        self.assertEqual(status, 404)
        status, _, data = self.propfind("/dav/addressbooks/bob/", ask, auth=BOB)
        self.assertNotIn(b"me.vcf", data)

    def test_propfind_depth0_on_book_puts_200_first_with_uri_sync_token(self):
        self.start()
        status, headers, body = self.propfind(BOOK, PROPS_BOOK)
        self.assertEqual(status, 207, body)
        # Thunderbird string-matches the first status of the response.
        first = body.split(b"<D:status>")[1].split(b"</D:status>")[0]
        self.assertEqual(first, b"HTTP/1.1 200 OK")
        stats = responses(body)[BOOK]
        self.assertEqual(stats[0][0], "HTTP/1.1 200 OK")
        _, rt = prop(stats, D + "resourcetype")
        self.assertEqual(sorted(c.tag for c in rt), sorted([D + "collection", C + "addressbook"]))
        _, token = prop(stats, D + "sync-token")
        _, ctag = prop(stats, CS + "getctag")
        self.assertTrue(":" in token.text or "/" in token.text)
        self.assertEqual(token.text, ctag.text)
        _, privs = prop(stats, D + "current-user-privilege-set")
        names = {p[0].tag for p in privs}
        self.assertIn(D + "write", names)
        self.assertIn(D + "read", names)
        _, used = prop(stats, D + "quota-used-bytes")
        self.assertEqual(used.text, "0")
        _, owner = prop(stats, D + "owner")
        self.assertEqual(owner[0].text, "/principals/users/alice/")
        st, _ = prop(stats, "{urn:x}nope")
        self.assertEqual(st, "HTTP/1.1 404 Not Found")

    def test_propfind_depth1_members_have_empty_resourcetype_and_put_etag(self):
        self.start()
        status, headers, _ = self.put_card(BOOK + "a.vcf", card("a"))
        self.assertEqual(status, 201)
        etag = headers["etag"]
        self.assertTrue(etag.startswith('"') and etag.endswith('"'))
        status, _, body = self.propfind(BOOK, PROPS_MEMBERS, depth="1")
        self.assertEqual(status, 207)
        resp = responses(body)
        self.assertEqual(set(resp), {BOOK, BOOK + "a.vcf"})
        stats = resp[BOOK + "a.vcf"]
        self.assertEqual(stats[0][0], "HTTP/1.1 200 OK")
        _, rt = prop(stats, D + "resourcetype")
        self.assertIsNotNone(rt)
        self.assertEqual(len(rt), 0)
        self.assertEqual(prop(stats, D + "getetag")[1].text, etag)
        self.assertTrue(prop(stats, D + "getcontenttype")[1].text.startswith("text/vcard"))
        self.assertEqual(prop(stats, D + "getcontentlength")[1].text, str(len(card("a"))))
        self.assertTrue(prop(stats, D + "getlastmodified")[1].text.endswith(" GMT"))
        status, headers, got = self.req("GET", BOOK + "a.vcf")
        self.assertEqual((status, got, headers["etag"]), (200, card("a"), etag))

    def test_depth_infinity_or_missing_is_403_finite_depth(self):
        self.start()
        for depth in ("infinity", None):
            h = {"Content-Type": "application/xml"}
            if depth:
                h["Depth"] = depth
            status, _, body = self.req("PROPFIND", BOOK, PROPS_MEMBERS, h)
            self.assertEqual(status, 403)
            self.assertIsNotNone(ET.fromstring(body).find(D + "propfind-finite-depth"))

    def test_brief_and_prefer_minimal_drop_404_propstats(self):
        self.start()
        for h in ({"Brief": "t"}, {"Prefer": "return=minimal"}):
            status, _, body = self.propfind(BOOK, PROPS_BOOK, headers=h)
            self.assertEqual(status, 207)
            self.assertNotIn(b"404", body)
            self.assertIn(b"HTTP/1.1 200 OK", body)

    def test_proppatch_sets_record_fields_and_dead_props(self):
        self.start()
        body = """<d:propertyupdate xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">
          <d:set><d:prop><d:displayname>Customers</d:displayname>
          <c:addressbook-description>All of them</c:addressbook-description>
          <z:colour xmlns:z="urn:z">blue &amp; green</z:colour></d:prop></d:set></d:propertyupdate>"""
        status, _, resp = self.req("PROPPATCH", BOOK, body, {"Content-Type": "application/xml"})
        self.assertEqual(status, 207, resp)
        self.assertNotIn(b"403", resp)
        q = """<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/><c:addressbook-description
          xmlns:c="urn:ietf:params:xml:ns:carddav"/><z:colour xmlns:z="urn:z"/></d:prop></d:propfind>"""
        status, _, resp = self.propfind(BOOK, q)
        stats = responses(resp)[BOOK]
        self.assertEqual(prop(stats, D + "displayname")[1].text, "Customers")
        self.assertEqual(prop(stats, C + "addressbook-description")[1].text, "All of them")
        self.assertEqual(prop(stats, "{urn:z}colour")[1].text, "blue & green")

    def test_proppatch_with_protected_prop_changes_nothing(self):
        self.start()
        body = """<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop>
          <z:p xmlns:z="urn:z">v</z:p><d:getetag>"x"</d:getetag><d:displayname>New</d:displayname>
          </d:prop></d:set></d:propertyupdate>"""
        status, _, resp = self.req("PROPPATCH", BOOK, body, {"Content-Type": "application/xml"})
        self.assertEqual(status, 207)
        stats = responses(resp)[BOOK]
        self.assertEqual(prop(stats, D + "getetag")[0], "HTTP/1.1 403 Forbidden")
        self.assertEqual(prop(stats, "{urn:z}p")[0], "HTTP/1.1 424 Failed Dependency")
        self.assertEqual(prop(stats, D + "displayname")[0], "HTTP/1.1 424 Failed Dependency")
        q = '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/><z:p xmlns:z="urn:z"/></d:prop></d:propfind>'
        stats = responses(self.propfind(BOOK, q)[2])[BOOK]
        self.assertEqual(prop(stats, D + "displayname")[1].text, "Contacts")
        self.assertEqual(prop(stats, "{urn:z}p")[0], "HTTP/1.1 404 Not Found")

    def test_put_and_delete_preconditions(self):
        self.start()
        path = BOOK + "p.vcf"
        status, h, _ = self.put_card(path, card("p"), {"If-None-Match": "*"})
        self.assertEqual(status, 201)
        etag = h["etag"]
        self.assertEqual(self.put_card(path, card("p"), {"If-None-Match": "*"})[0], 412)
        self.assertEqual(self.put_card(path, card("p", "X"), {"If-Match": '"nope"'})[0], 412)
        self.assertEqual(self.put_card(BOOK + "new.vcf", card("n"), {"If-Match": etag})[0], 412)
        status, h, _ = self.put_card(path, card("p", "Changed"), {"If-Match": etag})
        self.assertEqual(status, 204)
        self.assertNotEqual(h["etag"], etag)
        self.assertEqual(self.req("DELETE", path, headers={"If-Match": etag})[0], 412)
        self.assertEqual(self.req("GET", path)[2], card("p", "Changed"))
        self.assertEqual(self.req("DELETE", path, headers={"If-Match": h["etag"]})[0], 204)
        self.assertEqual(self.req("GET", path)[0], 404)
        self.assertEqual(self.req("DELETE", path)[0], 404)

    def ctag(self):
        q = '<d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>'
        return prop(responses(self.propfind(BOOK, q)[2])[BOOK], D + "sync-token")[1].text

    def test_malformed_xml_is_400_and_store_unchanged(self):
        server = self.start()
        before = self.ctag()
        for method, body in (("PROPPATCH", "<d:propertyupdate xmlns:d='DAV:'><d:set>"),
                             ("PROPPATCH", "not xml at all"),
                             ("PROPFIND", "<d:propfind xmlns:d='DAV:'><d:prop><x:y/></d:prop></d:propfind>"),
                             ("MKCOL", "<d:mkcol xmlns:d='DAV:'><d:set><d:prop>")):
            path = BOOK if method != "MKCOL" else "/dav/addressbooks/alice/newbook/"
            status, _, _ = self.req(method, path, body, {"Content-Type": "application/xml",
                                                          "Depth": "0"})
            self.assertEqual(status, 400, "%s %r" % (method, body))
        self.assertEqual(self.ctag(), before)
        self.assertEqual(self.req("PROPFIND", "/dav/addressbooks/alice/newbook/",
                                  headers={"Depth": "0"})[0], 404)
        self.assertIn("malformed", server.log())

    def test_entity_bomb_is_400_quickly_and_server_lives(self):
        server = self.start()
        start = time.monotonic()
        for method in ("PROPFIND", "PROPPATCH", "REPORT"):
            status, _, _ = self.req(method, BOOK, bomb(), {"Depth": "0"})
            self.assertEqual(status, 400, method)
        self.assertLess(time.monotonic() - start, 5.0)
        self.assertEqual(self.req("GET", "/")[0], 200)
        self.assertLess(vmhwm_kb(server.proc.pid), 60 * 1024)

    def test_unknown_report_is_403_supported_report(self):
        self.start()
        status, _, body = self.req("REPORT", BOOK, '<x:nothing xmlns:x="urn:x"/>', {"Depth": "0"})
        self.assertEqual(status, 403)
        self.assertIsNotNone(ET.fromstring(body).find(D + "supported-report"))

    def test_options_dav_header_lists_only_what_is_true(self):
        self.start()
        status, h, _ = self.req("OPTIONS", BOOK)
        self.assertEqual(status, 200)
        classes = [c.strip() for c in h["dav"].split(",")]
        self.assertIn("1", classes)
        self.assertIn("3", classes)
        self.assertNotIn("2", classes)  # no LOCK
        self.assertIn("PROPFIND", h["allow"])

    def test_other_users_books_hidden_shared_books_read_only(self):
        self.assertOk(self.kith.run("book", "add", "alice/team", "--shared"))
        self.start()
        self.assertEqual(self.propfind(BOOK, PROPS_MEMBERS, auth=BOB)[0], 404)
        self.assertEqual(self.req("GET", BOOK, auth=BOB)[0], 404)
        self.assertEqual(self.propfind("/dav/addressbooks/alice/", PROPS_MEMBERS, auth=BOB)[0], 404)
        team = "/dav/addressbooks/alice/team/"
        status, _, body = self.propfind(team, PROPS_BOOK, auth=BOB)
        self.assertEqual(status, 207)
        _, privs = prop(responses(body)[team], D + "current-user-privilege-set")
        names = {p[0].tag for p in privs}
        self.assertIn(D + "read", names)
        self.assertNotIn(D + "write", names)
        self.assertEqual(self.put_card(team + "b.vcf", card("b"), auth=BOB)[0], 403)
        self.assertEqual(self.req("DELETE", team, auth=BOB)[0], 403)
        self.assertEqual(self.put_card(team + "a.vcf", card("a"))[0], 201)
        # principals are readable by everyone
        self.assertEqual(self.propfind("/principals/users/alice/", PROPS_MEMBERS, auth=BOB)[0], 207)

    def test_extended_mkcol_creates_an_address_book(self):
        self.start()
        body = """<?xml version="1.0" encoding="utf-8"?>
        <d:mkcol xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:set><d:prop>
        <d:resourcetype><d:collection/><c:addressbook/></d:resourcetype>
        <d:displayname>Suppliers</d:displayname></d:prop></d:set></d:mkcol>"""
        path = "/dav/addressbooks/alice/suppliers/"
        self.assertEqual(self.req("MKCOL", path, body)[0], 201)
        self.assertEqual(self.req("MKCOL", path, body)[0], 405)
        self.assertEqual(self.req("MKCOL", "/dav/addressbooks/alice/plain/")[0], 403)
        status, _, resp = self.propfind("/dav/addressbooks/alice/", PROPS_BOOK, depth="1")
        self.assertEqual(status, 207)
        stats = responses(resp)[path]
        self.assertEqual(prop(stats, D + "displayname")[1].text, "Suppliers")
        self.assertIn("alice/suppliers", self.kith.book_counts("alice"))

    def test_move_card_between_books_keeps_bytes_and_dead_props(self):
        self.assertOk(self.kith.run("book", "add", "alice/other"))
        self.start()
        data = card("m", "Moved Person")
        self.assertEqual(self.put_card(BOOK + "m.vcf", data)[0], 201)
        pp = ('<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><z:tag xmlns:z="urn:z">t1</z:tag>'
              '</d:prop></d:set></d:propertyupdate>')
        self.assertEqual(self.req("PROPPATCH", BOOK + "m.vcf", pp)[0], 207)
        dest = "http://127.0.0.1:%d/dav/addressbooks/alice/other/m.vcf" % self.server.http_port
        self.assertEqual(self.req("MOVE", BOOK + "m.vcf", headers={"Destination": dest})[0], 201)
        self.assertEqual(self.req("GET", BOOK + "m.vcf")[0], 404)
        status, _, got = self.req("GET", "/dav/addressbooks/alice/other/m.vcf")
        self.assertEqual((status, got), (200, data))
        q = '<d:propfind xmlns:d="DAV:"><d:prop><z:tag xmlns:z="urn:z"/></d:prop></d:propfind>'
        stats = responses(self.propfind("/dav/addressbooks/alice/other/m.vcf", q)[2])
        self.assertEqual(prop(stats["/dav/addressbooks/alice/other/m.vcf"], "{urn:z}tag")[1].text, "t1")
        # Overwrite: F onto an existing resource
        self.assertEqual(self.put_card(BOOK + "n.vcf", card("n"))[0], 201)
        status = self.req("COPY", "/dav/addressbooks/alice/other/m.vcf",
                          headers={"Destination": BOOK + "n.vcf", "Overwrite": "F"})[0]
        self.assertEqual(status, 412)

    def test_depth1_over_5000_cards_streams_in_flat_memory(self):
        vcf = gen_cards(self.kith.path("cards.vcf"), 5000, seed=7)
        self.assertOk(self.kith.import_cards("alice/contacts", vcf))
        server = self.start()
        self.assertEqual(self.req("GET", "/")[0], 200)
        before = vmhwm_kb(server.proc.pid)
        start = time.monotonic()
        status, headers, body = self.propfind(BOOK, PROPS_MEMBERS, depth="1")
        elapsed = time.monotonic() - start
        self.assertEqual(status, 207)
        self.assertEqual(headers.get("transfer-encoding"), "chunked")
        resp = responses(body)
        self.assertEqual(len(resp), 5001)
        after = vmhwm_kb(server.proc.pid)
        anon = status_kb(server.proc.pid, "RssAnon")
        sys_note = "VmHWM %d kB -> %d kB (RssAnon %d kB), %d bytes in %.2f s" % (
            before, after, anon, len(body), elapsed)
        print(sys_note)
        # ASan's shadow memory and quarantine triple what a request allocates; the bounds
        # still catch a body built whole in memory (2.4 MB per 5,000 cards).
        self.assertLess(anon, scaled(16, 64) * 1024, sys_note)
        self.assertLess(after, scaled(60, 180) * 1024, sys_note)
        self.assertLess(after - before, scaled(20, 60) * 1024, sys_note)


if __name__ == "__main__":
    unittest.main(verbosity=2)
