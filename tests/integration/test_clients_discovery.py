"""Discovery and sync sequences of Thunderbird, DAVx5 and iOS/macOS (CLIENTS.md A1),
replayed against the real server from only the root URL and credentials. Each step
asserts what the client itself parses from the answer."""
import unittest

from carddav_helpers import (BOOK, C, CAL, CS, D, NS_DECL, XML_HEAD, DavTestCase, card,
                             multistatus)

TB_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.3.1"
PRINCIPAL = "/principals/users/alice/"
HOME = "/dav/addressbooks/alice/"


def propfind_body(*props, extra_ns=""):
    return (XML_HEAD + '<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav" '
            'xmlns:CS="http://calendarserver.org/ns/" '
            'xmlns:CAL="urn:ietf:params:xml:ns:caldav"%s><D:prop>%s</D:prop></D:propfind>'
            % (extra_ns, "".join(props)))


class ClientCase(DavTestCase):
    def propfind(self, path, depth, *props, headers=None, user="alice"):
        hdrs = {"Depth": str(depth)}
        hdrs.update(headers or {})
        status, h, body = self.dav("PROPFIND", path, propfind_body(*props), hdrs, user=user)
        self.assertEqual(status, 207, body[:1000])
        return multistatus(body)[0]

    def follow_well_known(self, headers=None):
        status, h, _ = self.dav("PROPFIND", "/.well-known/carddav",
                                propfind_body("<D:current-user-principal/>"),
                                dict({"Depth": "0"}, **(headers or {})))
        self.assertIn(status, (301, 302, 307, 308))
        loc = h["location"]
        self.assertTrue(loc.startswith("http://127.0.0.1:%d/" % self.server.http_port), loc)
        return loc.split(str(self.server.http_port), 1)[1]

    def href_of(self, resp, prop):
        e = resp.ok(prop)
        self.assertIsNotNone(e, "%s missing in %s" % (prop, resp.props.keys()))
        return e.findtext(D + "href")


class ThunderbirdTests(ClientCase):
    def discover(self):
        h = {"User-Agent": TB_UA}
        props = ("<D:resourcetype/>", "<D:displayname/>", "<D:current-user-principal/>",
                 "<D:current-user-privilege-set/>")
        # The entered URL "/", then /.well-known/carddav (redirect followed), then "/".
        root = self.propfind("/", 0, *props, headers=h)[0]
        self.assertEqual(self.href_of(root, D + "current-user-principal"), PRINCIPAL)
        target = self.follow_well_known(h)
        wk = self.propfind(target, 0, *props, headers=h)[0]
        principal = self.href_of(wk, D + "current-user-principal")
        self.assertEqual(principal, PRINCIPAL)
        p = self.propfind(principal, 0, "<C:addressbook-home-set/>", headers=h)[0]
        home = self.href_of(p, C + "addressbook-home-set")
        self.assertEqual(home, HOME)
        books = self.propfind(home, 1, *props, "<CS:getctag/>", "<D:sync-token/>",
                              "<D:supported-report-set/>", headers=h)
        return books

    def test_discovery_reaches_the_book_with_200_first(self):
        books = self.discover()
        book = [r for r in books if r.href == BOOK]
        self.assertEqual(len(book), 1)
        r = book[0]
        # TB accepts a book only when the first <status> is exactly this text.
        self.assertEqual(r.statuses[0], "HTTP/1.1 200 OK")
        rt = [c.tag for c in r.ok(D + "resourcetype")]
        self.assertEqual(rt, [D + "collection", C + "addressbook"])
        privs = {p[0].tag for p in r.ok(D + "current-user-privilege-set")}
        self.assertIn(D + "write", privs)
        status, h, _ = self.dav("OPTIONS", BOOK)
        self.assertIn("addressbook", [t.strip() for t in h["dav"].split(",")])
        reports = {rep[0][0].tag for rep in r.ok(D + "supported-report-set")}
        self.assertTrue({D + "sync-collection", C + "addressbook-multiget",
                         C + "addressbook-query", D + "expand-property"} <= reports)

    def test_first_sync_then_sync_collection_with_deletions(self):
        self.discover()
        h = {"User-Agent": TB_UA}
        # Writes: PUT <UID>.vcf without If-None-Match, update without If-Match.
        for i in range(3):
            uid = "tb-%d" % i
            st, _, _ = self.put_card(uid + ".vcf", card(uid, "Tb Person%d" % i, "4.0"), h)
            self.assertEqual(st, 201)
        st, _, _ = self.put_card("tb-0.vcf", card("tb-0", "Tb Changed", "4.0"), h)
        self.assertEqual(st, 204)
        # First sync: PROPFIND Depth 1 with resourcetype, getetag, getctag.
        listing = self.propfind(BOOK, 1, "<D:resourcetype/>", "<D:getetag/>", "<CS:getctag/>",
                                headers=h)
        members = [r for r in listing if r.href != BOOK]
        self.assertEqual(len(members), 3)
        for r in members:
            rt = r.ok(D + "resourcetype")
            self.assertIsNotNone(rt, "TB skips members without <resourcetype/>")
            self.assertEqual(len(rt), 0)
        hrefs = [r.href for r in members]
        body = ('<C:addressbook-multiget %s><D:prop><D:getetag/><C:address-data/></D:prop>%s'
                '</C:addressbook-multiget>' % (NS_DECL, "".join("<D:href>%s</D:href>" % x
                                                                for x in hrefs)))
        rs, _ = self.report(body, headers=h)
        self.assertEqual(sorted(r.href for r in rs), sorted(hrefs))
        self.assertTrue(all("BEGIN:VCARD" in r.text(C + "address-data") for r in rs))
        token = self.propfind(BOOK, 0, "<D:sync-token/>", headers=h)[0].text(D + "sync-token")
        # Later syncs: sync-collection with Depth: 1, getetag + address-data.
        self.assertEqual(self.dav("DELETE", BOOK + "tb-1.vcf", headers=h)[0], 204)
        self.put_card("tb-2.vcf", card("tb-2", "Tb Again", "4.0"), h)
        rs, new = self.sync(token, props="<D:getetag/><C:address-data/>", headers=h)
        by = {r.href: r for r in rs}
        self.assertTrue(by[BOOK + "tb-1.vcf"].status.startswith("HTTP/1.1 404"))
        self.assertEqual(by[BOOK + "tb-2.vcf"].statuses[0], "HTTP/1.1 200 OK")
        self.assertIn("Tb Again", by[BOOK + "tb-2.vcf"].text(C + "address-data"))
        self.assertTrue(new.startswith("http"))
        # A stale token gets a 400, the only status that makes TB resync.
        self.sync(token + "0", expect=400, headers=h)


class Davx5Tests(ClientCase):
    def test_discovery_and_sync(self):
        # DavResourceFinder: the given URL, then well-known; current-user-principal first.
        p = self.propfind("/", 0, "<D:current-user-principal/>")[0]
        principal = self.href_of(p, D + "current-user-principal")
        pr = self.propfind(principal, 0, "<C:addressbook-home-set/>",
                           "<CAL:calendar-user-address-set/>", "<D:displayname/>")[0]
        home = self.href_of(pr, C + "addressbook-home-set")
        addrs = [e.text for e in pr.ok(CAL + "calendar-user-address-set")]
        self.assertEqual(addrs[0], "mailto:alice@example.com")
        books = self.propfind(home, 1, "<D:current-user-privilege-set/>", "<D:displayname/>",
                              "<D:owner/>", "<D:resourcetype/>", "<C:addressbook-description/>",
                              "<C:supported-address-data/>", "<D:supported-report-set/>",
                              "<CS:source/>")
        book = [r for r in books if r.href == BOOK][0]
        self.assertEqual(book.text(D + "displayname"), "Contacts")
        self.assertEqual(self.href_of(book, D + "owner"), PRINCIPAL)
        versions = {e.get("version") for e in book.ok(C + "supported-address-data")}
        self.assertEqual(versions, {"3.0", "4.0"})
        # Contacts sync with sync-collection and an empty <sync-token/>.
        for i in range(12):
            self.put_card("d%02d.vcf" % i, card("d%02d" % i, "Droid Person%02d" % i))
        rs, token = self.sync("", props="<D:getetag/>")
        self.assertEqual(len(rs), 12)
        hrefs = [r.href for r in rs]
        # Multiget in batches of 10 asking for vCard 4.
        got = {}
        for k in range(0, len(hrefs), 10):
            body = ('<C:addressbook-multiget %s><D:prop><D:getetag/><C:address-data '
                    'content-type="text/vcard" version="4.0"/></D:prop>%s'
                    '</C:addressbook-multiget>'
                    % (NS_DECL, "".join("<D:href>%s</D:href>" % x for x in hrefs[k:k + 10])))
            for r in self.report(body)[0]:
                got[r.href] = (r.text(D + "getetag"), r.text(C + "address-data"))
        self.assertEqual(len(got), 12)
        self.assertTrue(all("VERSION:4.0" in v[1] for v in got.values()))
        # Upload with If-Match; a stale one is 412 ("re-download").
        etag = got[BOOK + "d00.vcf"][0]
        st, h, _ = self.put_card("d00.vcf", card("d00", "Droid Edited"), {"If-Match": etag})
        self.assertEqual(st, 204)
        st, _, _ = self.put_card("d00.vcf", card("d00", "Droid Lost"), {"If-Match": etag})
        self.assertEqual(st, 412)
        rs, token2 = self.sync(token)
        self.assertEqual([r.href for r in rs], [BOOK + "d00.vcf"])
        self.assertEqual(rs[0].text(D + "getetag"), h["etag"])
        # 403 valid-sync-token -> DAVx5 starts over with an empty token.
        self.assertIn(b"valid-sync-token", self.sync("http://kith.invalid/sync/1-999999",
                                                     expect=403))

    def test_shared_book_of_another_user_reads_as_read_only(self):
        self.assertOk(self.kith.run("book", "add", "bob/team", "--shared"))
        r = self.propfind("/dav/addressbooks/bob/team/", 0,
                          "<D:current-user-privilege-set/>")[0]
        privs = {p[0].tag for p in r.ok(D + "current-user-privilege-set")}
        self.assertIn(D + "read", privs)
        self.assertNotIn(D + "write", privs)
        self.assertNotIn(D + "write-content", privs)


class AppleTests(ClientCase):
    def test_unauthenticated_probe_is_challenged(self):
        status, h, _ = self.dav("PROPFIND", PRINCIPAL, propfind_body("<D:current-user-principal/>"),
                                {"Depth": "0"}, user=None)
        self.assertEqual(status, 401)
        self.assertIn("basic", h["www-authenticate"].lower())

    def test_discovery_expand_property_and_group_cards(self):
        target = self.follow_well_known()
        r = self.propfind(target, 0, "<D:current-user-principal/>", "<D:principal-URL/>",
                          "<D:resourcetype/>")[0]
        principal = self.href_of(r, D + "current-user-principal")
        pr = self.propfind(principal, 0, "<D:principal-URL/>", "<D:displayname/>",
                           "<CS:email-address-set/>", "<C:addressbook-home-set/>",
                           "<D:principal-collection-set/>")[0]
        self.assertEqual(self.href_of(pr, D + "principal-URL"), PRINCIPAL)
        self.assertEqual(pr.text(D + "displayname"), "Alice Example")
        self.assertEqual(self.href_of(pr, CS + "email-address-set"), "alice@example.com")
        # expand-property on the principal: proxies unknown (404), nested addresses expanded.
        body = ('<D:expand-property xmlns:D="DAV:">'
                '<D:property name="calendar-proxy-write-for" '
                'namespace="http://calendarserver.org/ns/"><D:property name="displayname"/>'
                '</D:property>'
                '<D:property name="principal-URL"><D:property name="displayname"/>'
                '<D:property name="email-address-set" namespace="http://calendarserver.org/ns/"/>'
                '</D:property></D:expand-property>')
        rs, _ = self.report(body, path=principal, headers={"Depth": "0"})
        self.assertEqual(rs[0].href, PRINCIPAL)
        self.assertEqual(rs[0].props[CS + "calendar-proxy-write-for"][0],
                         "HTTP/1.1 404 Not Found")
        inner = rs[0].ok(D + "principal-URL").find(D + "response")
        self.assertEqual(inner.findtext(D + "href"), PRINCIPAL)
        self.assertIn("Alice Example", "".join(inner.itertext()))
        st, _, data = self.dav("REPORT", principal, XML_HEAD +
                               '<D:principal-search-property-set xmlns:D="DAV:"/>',
                               {"Depth": "0"})
        self.assertEqual(st, 200)
        self.assertIn(b"displayname", data)
        search = ('<D:principal-property-search xmlns:D="DAV:" test="anyof"><D:property-search>'
                  '<D:prop><D:displayname/></D:prop><D:match>BOB</D:match></D:property-search>'
                  '<D:prop><D:displayname/></D:prop></D:principal-property-search>')
        rs, _ = self.report(search, path="/principals/users/", headers={"Depth": "0"})
        self.assertEqual([r.href for r in rs], ["/principals/users/bob/"])
        # The book: ctag required, resourcetype exactly collection + addressbook, Brief: t.
        books = self.propfind(HOME, 1, "<D:resourcetype/>", "<CS:getctag/>", "<D:nothing/>",
                              headers={"Brief": "t", "Prefer": "return-minimal"})
        book = [r for r in books if r.href == BOOK][0]
        self.assertTrue(book.text(CS + "getctag"))
        self.assertEqual([c.tag for c in book.ok(D + "resourcetype")],
                         [D + "collection", C + "addressbook"])
        self.assertNotIn(D + "nothing", book.props)
        # Apple groups are plain cards, served back byte for byte.
        group = ("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iOS 17.0//EN\r\n"
                 "N:Friends\r\nFN:Friends\r\nX-ADDRESSBOOKSERVER-KIND:group\r\n"
                 "X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1b3a1a44-5d0c-4b7e-9f3e-0c5b9a8f2d11\r\n"
                 "UID:9d6c7a38-2b1f-4f0e-a8f5-3e2f1c0b9a77\r\nEND:VCARD\r\n").encode()
        st, _, _ = self.put_card("9d6c7a38-2b1f-4f0e-a8f5-3e2f1c0b9a77.vcf", group)
        self.assertEqual(st, 201)
        st, _, got = self.dav("GET", BOOK + "9d6c7a38-2b1f-4f0e-a8f5-3e2f1c0b9a77.vcf")
        self.assertEqual(got, group)
        v4 = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:g4\r\nFN:Team\r\nKIND:group\r\n"
              "MEMBER:urn:uuid:1b3a1a44-5d0c-4b7e-9f3e-0c5b9a8f2d11\r\nEND:VCARD\r\n").encode()
        self.assertEqual(self.put_card("g4.vcf", v4)[0], 201)
        rs, _ = self.report('<C:addressbook-multiget %s><D:prop><C:address-data/></D:prop>'
                            '<D:href>%sg4.vcf</D:href></C:addressbook-multiget>' % (NS_DECL, BOOK))
        self.assertIn("X-ADDRESSBOOKSERVER-KIND:group", rs[0].text(C + "address-data"))


if __name__ == "__main__":
    unittest.main()
