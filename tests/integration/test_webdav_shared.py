"""Shared address books (MAPPING.md 2.5, until folder ACLs land): a book its owner marked
shared appears in every other user's address-book home as OWNER~BOOK, read-only, so
clients that only list the home (Thunderbird, DAVx5) find it; writes through that path
are refused and change nothing; a book that is not shared stays invisible."""
import unittest

from kith_harness import KithTestCase

ALICE = ("alice", "alice-pw")
BOB = ("bob", "bob-pw")
CARD = (b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:shared-1\r\nFN:Ada Shared\r\n"
        b"N:Shared;Ada;;;\r\nEND:VCARD\r\n")
PROPS = (b'<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/><d:resourcetype/>'
         b'<d:current-user-privilege-set/></d:prop></d:propfind>')


class SharedBooks(KithTestCase):
    def setUp(self):
        super().setUp()
        self.kith.add_user("alice", ALICE[1])
        self.kith.add_user("bob", BOB[1])
        self.assertOk(self.kith.run("book", "add", "alice/company", "--shared",
                                    "--name", "Company"))
        self.assertOk(self.kith.run("book", "add", "alice/private"))
        self.server = self.kith.serve()
        status, _, _ = self.server.request("PUT", "/dav/addressbooks/alice/company/shared-1.vcf",
                                           body=CARD, auth=ALICE,
                                           headers={"Content-Type": "text/vcard"})
        self.assertEqual(status, 201)

    def home(self, auth):
        status, _, body = self.server.request("PROPFIND", "/dav/addressbooks/%s/" % auth[0],
                                              body=PROPS, auth=auth, headers={"Depth": "1"})
        self.assertEqual(status, 207)
        return body.decode()

    def test_shared_book_is_listed_read_only_in_the_readers_home(self):
        body = self.home(BOB)
        self.assertIn("<D:href>/dav/addressbooks/bob/alice~company/</D:href>", body)
        self.assertNotIn("private", body)
        shared = body.split("alice~company/</D:href>")[1]
        self.assertIn("<D:displayname>Company</D:displayname>", shared)
        self.assertIn("<D:read/>", shared)
        self.assertNotIn("<D:write/>", shared.split("</D:response>")[0])
        # The owner sees the book once, under its own name.
        self.assertNotIn("~", self.home(ALICE))

    def test_cards_are_readable_and_writes_are_refused(self):
        path = "/dav/addressbooks/bob/alice~company/shared-1.vcf"
        status, _, body = self.server.request("GET", path, auth=BOB,
                                              headers={"Accept": "text/vcard; version=4.0"})
        self.assertEqual(status, 200)
        self.assertEqual(body, CARD)
        status, _, _ = self.server.request("PUT", path, body=CARD.replace(b"Ada", b"Eve"),
                                           auth=BOB, headers={"Content-Type": "text/vcard"})
        self.assertEqual(status, 403)
        status, _, _ = self.server.request("DELETE", path, auth=BOB)
        self.assertEqual(status, 403)
        status, _, body = self.server.request("GET", path, auth=BOB,
                                              headers={"Accept": "text/vcard; version=4.0"})
        self.assertEqual(body, CARD)

    def test_unshared_book_cannot_be_reached_by_alias(self):
        status, _, _ = self.server.request("PROPFIND", "/dav/addressbooks/bob/alice~private/",
                                           body=PROPS, auth=BOB, headers={"Depth": "0"})
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
