"""A vCard 3.0 client editing a card stored as 4.0 (MAPPING.md R4): what the 3.0 rendering
cannot carry (KIND:individual, RELATED parameters, PREF order) survives its PUT, what it
changed or deleted is changed or deleted, and its next GET in 3.0 shows what it sent."""
import unittest

from carddav_helpers import BOOK, DavTestCase
from kith_harness import unfold

V3 = {"Accept": "text/vcard; version=3.0"}
V4 = {"Accept": "text/vcard; version=4.0"}

STORED_V4 = "\r\n".join([
    "BEGIN:VCARD",
    "VERSION:4.0",
    "UID:urn:uuid:6b1f3a52-7c1e-4f7a-9a57-3c2d8f0e4b11",
    "KIND:individual",
    "FN:Joe Bloggs",
    "FN;ALTID=1;LANGUAGE=fr:Joseph Bloggs",
    "N:Bloggs;Joe;;;",
    "GENDER:M",
    "TEL;TYPE=cell;PREF=1:+44 7700 900123",
    "EMAIL;TYPE=work:joe@example.com",
    "RELATED;TYPE=parent,father;X-CRM-REL=9a0e:urn:uuid:0e5a4c1d-0000-4000-8000-000000000001",
    "ADR;TYPE=home;CC=GB:;;1 Sea Rd;Brighton;;BN1 1AA;UK",
    "X-ODD;Q=\"a:b\":kept as it was",
    "END:VCARD",
    "",
]).encode("utf-8")

FOUR_ONLY = [
    "KIND:individual",
    "RELATED;TYPE=parent,father;X-CRM-REL=9a0e:urn:uuid:0e5a4c1d-0000-4000-8000-000000000001",
    "ADR;TYPE=home;CC=GB:;;1 Sea Rd;Brighton;;BN1 1AA;UK",
    "GENDER:M",
    "FN;ALTID=1;LANGUAGE=fr:Joseph Bloggs",
    "X-ODD;Q=\"a:b\":kept as it was",
]


def content(data):
    """Unfolded lines of a card without REV and PRODID (folding is transport)."""
    return [l for l in unfold(data) if l.split(":")[0].split(";")[0].upper()
            not in ("REV", "PRODID")]


class VersionMergeTests(DavTestCase):
    def store_v4(self, name="joe.vcf"):
        status, h, _ = self.put_card(name, STORED_V4)
        self.assertEqual(status, 201)
        return h["etag"]

    def get(self, name, headers):
        status, h, body = self.dav("GET", BOOK + name, headers=headers)
        self.assertEqual(status, 200)
        return h["etag"], body

    def put_v3(self, name, lines, etag):
        data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
        status, h, body = self.put_card(name, data, headers={"If-Match": etag})
        self.assertEqual(status, 204, body)
        return h["etag"], data

    def test_tel_edit_in_3_keeps_every_4_only_line(self):
        self.store_v4()
        etag, v3 = self.get("joe.vcf", V3)
        lines = unfold(v3)
        self.assertNotIn("KIND:individual", lines)
        edited = [l.replace("+44 7700 900123", "+44 7700 900999") for l in lines]
        self.assertNotEqual(edited, lines)
        new_etag, sent = self.put_v3("joe.vcf", edited, etag)

        got_etag, v4 = self.get("joe.vcf", V4)
        self.assertEqual(got_etag, new_etag)
        got = unfold(v4)
        self.assertIn("TEL;TYPE=cell;PREF=1:+44 7700 900999", got)
        self.assertNotIn("TEL;TYPE=cell;PREF=1:+44 7700 900123", got)
        for line in FOUR_ONLY:
            self.assertIn(line, got)
        self.assertEqual(sum(1 for l in got if l.startswith("RELATED")), 1, got)
        self.assertEqual(sum(1 for l in got if l.startswith("ADR")), 1, got)

        # What the 3.0 client reads back is what it sent: no phantom change for a sync client.
        self.assertEqual(content(self.get("joe.vcf", V3)[1]), content(sent))

    def test_email_deleted_in_3_is_deleted(self):
        self.store_v4()
        etag, v3 = self.get("joe.vcf", V3)
        edited = [l for l in unfold(v3) if not l.upper().startswith("EMAIL")]
        self.put_v3("joe.vcf", edited, etag)
        got = unfold(self.get("joe.vcf", V4)[1])
        self.assertFalse([l for l in got if l.upper().startswith("EMAIL")], got)
        for line in FOUR_ONLY:
            self.assertIn(line, got)

    def test_related_deleted_in_3_is_deleted(self):
        self.store_v4()
        etag, v3 = self.get("joe.vcf", V3)
        lines = unfold(v3)
        groups = {l.split(".", 1)[0] for l in lines if "X-ABRELATEDNAMES" in l.upper()}
        self.assertEqual(len(groups), 1, lines)
        edited = [l for l in lines if l.split(".", 1)[0] not in groups]
        self.put_v3("joe.vcf", edited, etag)
        got = unfold(self.get("joe.vcf", V4)[1])
        self.assertFalse([l for l in got if "RELATED" in l.upper()], got)
        self.assertIn("KIND:individual", got)

    def test_unchanged_3_put_keeps_the_stored_bytes(self):
        etag = self.store_v4()
        _, v3 = self.get("joe.vcf", V3)
        new_etag, _ = self.put_v3("joe.vcf", unfold(v3), etag)
        self.assertEqual(new_etag, etag)
        self.assertEqual(self.get("joe.vcf", V4)[1], STORED_V4)

    def test_4_put_and_new_3_card_are_stored_as_sent(self):
        etag = self.store_v4()
        plain = STORED_V4.replace(b"KIND:individual\r\n", b"")
        status, _, _ = self.put_card("joe.vcf", plain, headers={"If-Match": etag})
        self.assertEqual(status, 204)
        self.assertEqual(self.get("joe.vcf", V4)[1], plain)
        v3 = (b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:n-1\r\nFN:New One\r\nN:One;New;;;\r\n"
              b"END:VCARD\r\n")
        self.assertEqual(self.put_card("n-1.vcf", v3)[0], 201)
        self.assertEqual(self.get("n-1.vcf", V3)[1], v3)


if __name__ == "__main__":
    unittest.main()
