"""CardDAV against the real server: PUT checks, address-data, multiget, addressbook-query,
sync-collection (RFC 6352, RFC 6578) and bad input that must change nothing."""
import unittest

from carddav_helpers import (BOOK, C, CS, D, NS_DECL, XML_HEAD, DavTestCase, card,
                             multistatus)


class PutTests(DavTestCase):
    def test_put_then_get_returns_the_same_bytes_and_etag(self):
        data = card("u-1", "Anna Müller", extra="X-ODD;Q=\"a:b\":kept\nitem1.X-ABLabel:Beach")
        status, h, _ = self.put_card("u-1.vcf", data)
        self.assertEqual(status, 201)
        status, g, body = self.dav("GET", BOOK + "u-1.vcf")
        self.assertEqual(status, 200)
        self.assertEqual(body, data)
        self.assertEqual(g["etag"], h["etag"])
        self.assertTrue(g["content-type"].startswith("text/vcard"))

    def test_garbage_is_refused_with_valid_address_data_and_nothing_stored(self):
        status, _, body = self.put_card("junk.vcf", b"this is not a vCard\r\n")
        self.assertIn(status, (400, 403))
        self.assertIn(b"valid-address-data", body)
        self.assertEqual(self.dav("GET", BOOK + "junk.vcf")[0], 404)

    def test_card_without_uid_is_refused(self):
        data = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Uid\r\nN:Uid;No;;;\r\nEND:VCARD\r\n"
        status, _, body = self.put_card("nouid.vcf", data)
        self.assertIn(status, (400, 403))
        self.assertIn(b"valid-address-data", body)
        self.assertEqual(self.dav("GET", BOOK + "nouid.vcf")[0], 404)

    def test_duplicate_uid_names_the_other_card(self):
        self.assertEqual(self.put_card("a.vcf", card("same", "First One"))[0], 201)
        status, _, body = self.put_card("b.vcf", card("same", "Second One"))
        self.assertIn(status, (403, 409))
        self.assertIn(b"no-uid-conflict", body)
        self.assertIn(BOOK.encode() + b"a.vcf", body)
        self.assertEqual(self.dav("GET", BOOK + "b.vcf")[0], 404)

    def test_urn_uuid_and_bare_uid_are_the_same_uid(self):
        u = "5f0c2d1e-1111-4222-8333-444455556666"
        self.assertEqual(self.put_card("x.vcf", card(u, "Ann X"))[0], 201)
        status, _, body = self.put_card("y.vcf", card("urn:uuid:" + u, "Ann Y", "4.0"))
        self.assertIn(b"no-uid-conflict", body)

    def test_same_uid_in_another_book_is_fine(self):
        self.assertEqual(self.put_card("a.vcf", card("shared-uid", "Ann")).__getitem__(0), 201)
        self.assertEqual(self.dav("MKCOL", "/dav/addressbooks/alice/work/", XML_HEAD +
                                  '<D:mkcol %s><D:set><D:prop><D:resourcetype><D:collection/>'
                                  '<C:addressbook/></D:resourcetype></D:prop></D:set></D:mkcol>'
                                  % NS_DECL)[0], 201)
        status, _, _ = self.put_card("a.vcf", card("shared-uid", "Ann"),
                                     book="/dav/addressbooks/alice/work/")
        self.assertEqual(status, 201)

    def test_other_content_type_is_refused(self):
        status, _, body = self.put_card("t.vcf", card("t", "T T"),
                                        headers={"Content-Type": "text/calendar"})
        self.assertIn(status, (400, 403, 415))
        self.assertEqual(self.dav("GET", BOOK + "t.vcf")[0], 404)


class ReportTests(DavTestCase):
    def setUp(self):
        super().setUp()
        self.cards = {
            "anna.vcf": card("anna", "Anna Müller",
                             extra="EMAIL;TYPE=INTERNET,WORK:anna.mueller@example.com\n"
                                   "TEL;TYPE=CELL:+49 151 2345678"),
            "bob.vcf": card("bob", "Bob Builder", "4.0",
                            extra="EMAIL:bob@build.example\nNICKNAME:bobby"),
            "cem.vcf": card("cem", "Cem Yılmaz", extra="EMAIL:cem@example.org"),
        }
        for name, data in self.cards.items():
            self.assertEqual(self.put_card(name, data)[0], 201)

    def multiget(self, hrefs, data='<C:address-data/>'):
        body = ('<C:addressbook-multiget %s><D:prop><D:getetag/>%s</D:prop>%s'
                '</C:addressbook-multiget>'
                % (NS_DECL, data, "".join("<D:href>%s</D:href>" % h for h in hrefs)))
        return self.report(body)

    def test_multiget_answers_each_href_and_404_for_unknown(self):
        rs, _ = self.multiget([BOOK + "anna.vcf", BOOK + "nope.vcf", "/elsewhere/x.vcf"])
        by = {r.href: r for r in rs}
        self.assertEqual(by[BOOK + "anna.vcf"].text(C + "address-data").encode(),
                         self.cards["anna.vcf"].replace(b"\r\n", b"\n"))
        self.assertTrue(by[BOOK + "nope.vcf"].status.startswith("HTTP/1.1 404"))
        self.assertTrue(by["/elsewhere/x.vcf"].status.startswith("HTTP/1.1 404"))

    def test_multiget_over_50000_hrefs_is_403(self):
        body = self.report('<C:addressbook-multiget %s><D:prop><D:getetag/></D:prop>%s'
                           '</C:addressbook-multiget>'
                           % (NS_DECL, "<D:href>%sx.vcf</D:href>" % BOOK * 50001), expect=403)
        self.assertIn(b"number-of-matches-within-limits", body)

    def test_address_data_version_4_converts_and_3_keeps_bytes(self):
        rs, _ = self.multiget([BOOK + "anna.vcf"],
                              '<C:address-data Content-Type="text/vcard" version="4.0"/>')
        text = rs[0].text(C + "address-data")
        self.assertIn("VERSION:4.0", text)
        self.assertIn("FN:Anna Müller", text)
        rs, _ = self.multiget([BOOK + "bob.vcf"], '<C:address-data version="4.0"/>')
        self.assertEqual(rs[0].text(C + "address-data").encode(),
                         self.cards["bob.vcf"].replace(b"\r\n", b"\n"))

    def test_get_with_accept_version_4(self):
        status, headers, body = self.dav("GET", BOOK + "anna.vcf",
                                         headers={"Accept": "text/vcard; version=4.0"})
        self.assertEqual(status, 200)
        self.assertIn(b"VERSION:4.0", body)
        status, _, body3 = self.dav("GET", BOOK + "anna.vcf",
                                    headers={"Accept": "text/vcard; version=3.0"})
        self.assertEqual(status, 200)
        self.assertIn(b"VERSION:3.0", body3)

    def test_address_data_property_selection(self):
        rs, _ = self.multiget([BOOK + "anna.vcf"],
                              '<C:address-data><C:prop name="EMAIL"/></C:address-data>')
        text = rs[0].text(C + "address-data")
        self.assertIn("EMAIL", text)
        self.assertNotIn("FN:", text)

    def query(self, filt, limit=None, test="anyof"):
        lim = "<C:limit><C:nresults>%d</C:nresults></C:limit>" % limit if limit else ""
        return self.report('<C:addressbook-query %s><D:prop><D:getetag/></D:prop>'
                           '<C:filter test="%s">%s</C:filter>%s</C:addressbook-query>'
                           % (NS_DECL, test, filt, lim))

    def hrefs(self, rs):
        return sorted(r.href.rsplit("/", 1)[1] for r in rs if r.status is None)

    def test_query_fn_contains_uses_folding(self):
        rs, _ = self.query('<C:prop-filter name="FN"><C:text-match match-type="contains">'
                           'MÜLL</C:text-match></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["anna.vcf"])

    def test_query_email_equals_and_starts_with(self):
        rs, _ = self.query('<C:prop-filter name="EMAIL"><C:text-match match-type="equals">'
                           'BOB@build.example</C:text-match></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["bob.vcf"])
        rs, _ = self.query('<C:prop-filter name="EMAIL"><C:text-match match-type="ends-with">'
                           'example.org</C:text-match></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["cem.vcf"])
        # contains, through the substring index: an infix of the local part, any case
        rs, _ = self.query('<C:prop-filter name="EMAIL"><C:text-match match-type="contains">'
                           'NA.MUEL</C:text-match></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["anna.vcf"])
        rs, _ = self.query('<C:prop-filter name="EMAIL"><C:text-match match-type="contains">'
                           '@build.</C:text-match></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["bob.vcf"])

    def test_query_tel_and_negation_and_not_defined(self):
        rs, _ = self.query('<C:prop-filter name="TEL"><C:text-match match-type="starts-with">'
                           '+49 151</C:text-match></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["anna.vcf"])
        rs, _ = self.query('<C:prop-filter name="NICKNAME"><C:is-not-defined/></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["anna.vcf", "cem.vcf"])
        rs, _ = self.query('<C:prop-filter name="FN"><C:text-match negate-condition="yes">'
                           'a</C:text-match></C:prop-filter>')
        self.assertEqual(self.hrefs(rs), ["bob.vcf"])

    def test_query_limit_truncates_with_507(self):
        rs, _ = self.query('<C:prop-filter name="FN"/>', limit=2)
        self.assertEqual(len(self.hrefs(rs)), 2)
        trunc = [r for r in rs if r.status]
        self.assertEqual(len(trunc), 1)
        self.assertTrue(trunc[0].status.startswith("HTTP/1.1 507"))
        self.assertEqual(trunc[0].href, BOOK)

    def test_query_unknown_collation_is_403(self):
        body = self.report('<C:addressbook-query %s><C:filter><C:prop-filter name="FN">'
                           '<C:text-match collation="i;nope">x</C:text-match></C:prop-filter>'
                           '</C:filter></C:addressbook-query>' % NS_DECL, expect=403)
        self.assertIn(b"supported-collation", body)

    def test_malformed_report_xml_is_400(self):
        status, _, _ = self.dav("REPORT", BOOK, "<C:addressbook-query", {"Depth": "1"})
        self.assertEqual(status, 400)

    def test_sync_initial_incremental_deletion_and_stale_token(self):
        rs, token = self.sync()
        self.assertEqual(len(rs), 3)
        self.assertIn(":", token)
        self.assertIn("/", token)
        for r in rs:
            self.assertEqual(r.statuses[0], "HTTP/1.1 200 OK")
            self.assertTrue(r.text(D + "getetag"))
        rs, same = self.sync(token)
        self.assertEqual((rs, same), ([], token))
        self.assertEqual(self.dav("DELETE", BOOK + "bob.vcf")[0], 204)
        self.assertEqual(self.put_card("dan.vcf", card("dan", "Dan D"))[0], 201)
        rs, token2 = self.sync(token, props="<D:getetag/><C:address-data/>")
        by = {r.href.rsplit("/", 1)[1]: r for r in rs}
        self.assertEqual(sorted(by), ["bob.vcf", "dan.vcf"])
        self.assertTrue(by["bob.vcf"].status.startswith("HTTP/1.1 404"))
        self.assertIn("FN:Dan D", by["dan.vcf"].text(C + "address-data"))
        self.assertNotEqual(token2, token)
        body = self.sync(token2 + "99", expect=403)
        self.assertIn(b"valid-sync-token", body)
        body = self.sync("http://kith.invalid/sync/999-1", expect=403)
        self.assertIn(b"valid-sync-token", body)

    def test_sync_stale_token_is_400_for_thunderbird(self):
        body = self.sync("http://kith.invalid/sync/999-1", expect=400, headers={
            "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 "
                          "Thunderbird/115.3.1"})
        self.assertIn(b"valid-sync-token", body)

    def test_sync_limit_continues_with_a_token(self):
        seen = set()
        token, rounds = "", 0
        while True:
            rounds += 1
            rs, token = self.sync(token, limit=2)
            trunc = [r for r in rs if r.status and r.status.startswith("HTTP/1.1 507")]
            seen.update(r.href for r in rs if r.status is None)
            if not trunc:
                break
            self.assertEqual(trunc[0].href, BOOK)
            self.assertLess(rounds, 5)
        self.assertEqual(len(seen), 3)
        self.assertEqual(rounds, 2)

    def test_ctag_and_sync_token_change_with_content(self):
        body = '<D:propfind %s xmlns:CS="http://calendarserver.org/ns/"><D:prop><CS:getctag/>' \
               '<D:sync-token/></D:prop></D:propfind>' % NS_DECL
        status, _, data = self.dav("PROPFIND", BOOK, XML_HEAD + body, {"Depth": "0"})
        rs, _ = multistatus(data)
        ctag = rs[0].text(CS + "getctag")
        self.assertEqual(ctag, rs[0].text(D + "sync-token"))
        self.put_card("eve.vcf", card("eve", "Eve E"))
        status, _, data = self.dav("PROPFIND", BOOK, XML_HEAD + body, {"Depth": "0"})
        self.assertNotEqual(multistatus(data)[0][0].text(CS + "getctag"), ctag)


if __name__ == "__main__":
    unittest.main()
