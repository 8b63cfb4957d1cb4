"""An incremental sync-collection in a large book answers exactly what changed since its
token (RFC 6578 3.5.1): after 10 changes and a deletion among 5,000 imported cards, the
10 changed hrefs with the ETags their PUTs returned and the new data, the deleted href as
404, nothing else, and a new token that then has nothing to report.

How long that takes against the size of the book is measured by scripts/bench-carddav-scale
(1,000 against 50,000 cards), not here: tests never time."""
import unittest

from carddav_helpers import C, D, DavTestCase, card
from kith_harness import gen_cards, scaled

CARDS = scaled(5000, 500)
BOOK = "/dav/addressbooks/alice/big/"
PROPS = "<D:getetag/><C:address-data/>"


class SyncAfterChangesTests(DavTestCase):
    def setUp(self):
        super().setUp()
        self.assertOk(self.kith.run("book", "add", "alice/big"))
        src = gen_cards(self.kith.path("big.vcf"), CARDS, version="3.0", seed=4)
        self.assertOk(self.kith.import_cards("alice/big", src))

    def rewrite(self, href, tag):
        """The stored card with an X- line added: same UID, new bytes."""
        status, _, data = self.dav("GET", href)
        self.assertEqual(status, 200)
        return data.replace(b"END:VCARD\r\n", b"X-KITH-TEST:" + tag.encode() +
                            b"\r\nEND:VCARD\r\n")

    def put(self, href, data):
        status, headers, body = self.put_card(href.rsplit("/", 1)[1], data, book=BOOK)
        self.assertIn(status, (201, 204), body[:500])
        self.assertTrue(headers.get("etag"), "PUT %s gave no ETag" % href)
        return headers["etag"]

    def test_incremental_sync_answers_only_the_changes(self):
        rs, token = self.sync(path=BOOK)
        self.assertEqual(len(rs), CARDS)
        imported = sorted(r.href for r in rs)
        # 10 changes: 7 imported cards rewritten (the first one twice), 3 new cards;
        # and one imported card deleted.
        etags = {}
        for i, href in enumerate(imported[:7]):
            etags[href] = self.put(href, self.rewrite(href, "change-%d" % i))
        etags[imported[0]] = self.put(imported[0], self.rewrite(imported[0], "again"))
        for i in range(3):
            href = BOOK + "new-%d.vcf" % i
            etags[href] = self.put(href, card("new-%d" % i, "New Card%d" % i))
        deleted = imported[-1]
        self.assertEqual(self.dav("DELETE", deleted)[0], 204)

        rs, token2 = self.sync(token, props=PROPS, path=BOOK)
        self.assertEqual(sorted(r.href for r in rs), sorted(list(etags) + [deleted]))
        for r in rs:
            if r.href == deleted:
                self.assertTrue(r.status.startswith("HTTP/1.1 404"), r.status)
                self.assertIsNone(r.ok(D + "getetag"))
                continue
            self.assertEqual(r.statuses[0], "HTTP/1.1 200 OK", r.href)
            self.assertEqual(r.text(D + "getetag"), etags[r.href], r.href)
        data = {r.href: r.text(C + "address-data") for r in rs if r.href != deleted}
        self.assertIn("X-KITH-TEST:again", data[imported[0]])
        self.assertIn("X-KITH-TEST:change-3", data[imported[3]])
        self.assertIn("FN:New Card2", data[BOOK + "new-2.vcf"])

        self.assertTrue(token2)
        self.assertNotEqual(token2, token)
        rs, token3 = self.sync(token2, path=BOOK)
        self.assertEqual((rs, token3), ([], token2))


if __name__ == "__main__":
    unittest.main()
