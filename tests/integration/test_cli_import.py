"""`kith import` and `kith export` round trips, as a user migrating address books sees them.

Re-importing never duplicates and changes nothing that did not change (issue 2 "Done
when"); export returns every card with unknown properties intact (MAPPING.md R1); `kith
check` accepts the store after every step.
"""
import os
import re
import shutil
import tempfile
import unittest

from kith_harness import (DEMO_VCF, Kith, KithTestCase, cards_by_uid, gen_cards,
                          parse_summary, prop_name, scaled, split_cards)

GENERATED = scaled(2000, 500)  # the sanitizer build is about ten times slower


def exported_count(result):
    m = re.search(r"exported (\d+) cards", result.err)
    return int(m.group(1)) if m else None


def photo_payload(card):
    """The base64 text of a card's PHOTO in either rendering, or None."""
    for line in card:
        if prop_name(line) == "PHOTO":
            value = line.split(":", 1)[1]
            if value.startswith("data:"):
                value = value.split(",", 1)[1]
            return value
    return None


def x_lines(card):
    return [line for line in card if prop_name(line).startswith("X-")
            and not prop_name(line).startswith("X-CRM-")]


class ImportCase(KithTestCase):

    template = None  # a data dir to start from instead of an empty store with alice

    def setUp(self):
        super().setUp()
        if self.template:
            shutil.copytree(self.template, self.kith.data)
        else:
            self.kith.add_user("alice")

    def import_ok(self, path, book="alice/contacts", expect=None):
        r = self.kith.import_cards(book, path)
        self.assertOk(r)
        counts = parse_summary(r.out)
        self.assertIsNotNone(counts, "no summary line: %r" % r)
        if expect is not None:
            self.assertEqual(counts, expect, r)
        self.assertConsistent()
        return counts

    def export_ok(self, fmt, book="alice/contacts"):
        r, data = self.kith.export(book, fmt)
        self.assertOk(r)
        self.assertIsNotNone(data)
        return r, data


class TestDemoImport(ImportCase):

    def test_demo_file_imports_every_card(self):
        with open(DEMO_VCF, "rb") as f:
            source = split_cards(f.read())
        n = len(source)
        self.import_ok(DEMO_VCF, expect={"imported": n, "updated": 0, "unchanged": 0,
                                         "skipped": 0})
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": n})

    def test_demo_export_keeps_kinds_relationships_and_names(self):
        self.import_ok(DEMO_VCF)
        r, data = self.export_ok("vcard4")
        cards = cards_by_uid(data)
        with open(DEMO_VCF, "rb") as f:
            source = cards_by_uid(f.read())
        self.assertEqual(sorted(cards), sorted(source))
        self.assertEqual(exported_count(r), len(source))
        text = data.decode("utf-8")
        for needle in ("KIND:org", "X-CRM-ENTITY:department", "TYPE=x-crm-parent-org",
                       "TYPE=manager", "TYPE=assistant", "Łukasz", "Wiśniewski", "王",
                       "X-PHONETIC-FIRST-NAME:Wei", "Claudia Müller"):
            self.assertIn(needle, text)

    def test_demo_reimport_changes_nothing(self):
        n = self.import_ok(DEMO_VCF)["imported"]
        self.import_ok(DEMO_VCF, expect={"imported": 0, "updated": 0, "unchanged": n,
                                         "skipped": 0})

    def test_same_cards_in_two_books_are_independent_copies(self):
        self.assertOk(self.kith.run("book", "add", "alice/archive"))
        n = self.import_ok(DEMO_VCF)["imported"]
        self.import_ok(DEMO_VCF, book="alice/archive",
                       expect={"imported": n, "updated": 0, "unchanged": 0, "skipped": 0})
        self.assertEqual(self.kith.book_counts("alice"),
                         {"alice/contacts": n, "alice/archive": n})

    def test_several_files_in_one_command(self):
        extra = gen_cards(self.kith.path("extra.vcf"), 10, seed=77)
        r = self.kith.import_cards("alice/contacts", DEMO_VCF, extra)
        self.assertOk(r)
        self.assertEqual(parse_summary(r.out)["imported"], 23 + 10)
        self.assertConsistent()

    def test_export_to_stdout(self):
        self.import_ok(DEMO_VCF)
        r = self.kith.run("export", "--from", "alice/contacts", "--format", "vcard3")
        self.assertOk(r)
        cards = split_cards(r.out.encode("utf-8"))
        self.assertEqual(len(cards), 23)
        self.assertTrue(all(c[1] == "VERSION:3.0" for c in cards))
        self.assertEqual(exported_count(r), 23)

    def test_vcard21_quoted_printable_and_charset_are_decoded(self):
        path = self.kith.path("old-phone.vcf")
        with open(path, "wb") as f:
            f.write(b"BEGIN:VCARD\r\nVERSION:2.1\r\nUID:v21-card-1\r\n"
                    b"N;CHARSET=ISO-8859-1:M\xfcller;J\xfcrgen\r\n"
                    b"FN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:J=C3=BCrgen M=C3=BCller\r\n"
                    b"TEL;CELL;VOICE:0151 2345678\r\n"
                    b"NOTE;ENCODING=QUOTED-PRINTABLE:Erste Zeile=0D=0A=\r\nzweite Zeile\r\n"
                    b"END:VCARD\r\n")
        self.import_ok(path, expect={"imported": 1, "updated": 0, "unchanged": 0,
                                     "skipped": 0})
        _, data = self.export_ok("vcard4")
        card = split_cards(data)[0]
        self.assertIn("FN:Jürgen Müller", card)
        self.assertTrue(any(l.startswith("N:Müller;Jürgen") for l in card), card)
        self.assertTrue(any(prop_name(l) == "TEL" and "cell" in l.lower() for l in card), card)
        self.assertTrue(any(l.startswith("NOTE:Erste Zeile") for l in card), card)

    def test_short_n_from_older_versions_gets_all_five_components_in_4_0(self):
        # RFC 6350 6.2.2: N in 4.0 always has five components; 2.1 and 3.0 writers often
        # stop after the given name.
        path = self.kith.path("short-n.vcf")
        with open(path, "wb") as f:
            f.write(b"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:short-n-1\r\nFN:Ann Lee\r\n"
                    b"N:Lee;Ann\r\nEND:VCARD\r\n")
        self.import_ok(path)
        _, data = self.export_ok("vcard4")
        self.assertIn("N:Lee;Ann;;;", split_cards(data)[0])


class GeneratedRoundTrip:
    """Mixed into one TestCase per vCard version (VERSION)."""

    VERSION = None

    @classmethod
    def setUpClass(cls):
        # One generated file per class: the tests only read it.
        cls.gen_dir = tempfile.mkdtemp(prefix="kith-it-gen-")
        cls.source_path = gen_cards(os.path.join(cls.gen_dir, "cards.vcf"), GENERATED,
                                    version=cls.VERSION, seed=int(float(cls.VERSION) * 10),
                                    photos=20)
        with open(cls.source_path, "rb") as f:
            cls.source_bytes = f.read()
        cls.source = cards_by_uid(cls.source_bytes)
        # The first import is done once; every test starts from a copy of its store (no
        # process has it open then, so copying the LMDB files is safe).
        kith = Kith(cls.gen_dir, os.path.join(cls.gen_dir, "template"))
        kith.add_user("alice")
        cls.first_import = kith.import_cards("alice/contacts", cls.source_path)
        cls.template = kith.data

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.gen_dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.assertEqual(len(self.source), GENERATED)
        self.assertOk(self.first_import)
        self.first = parse_summary(self.first_import.out)

    def test_first_import_counts_every_card(self):
        self.assertEqual(self.first, {"imported": GENERATED, "updated": 0, "unchanged": 0,
                                      "skipped": 0})
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": GENERATED})
        self.assertConsistent()

    def test_reimport_changes_nothing(self):
        self.import_ok(self.source_path, expect={"imported": 0, "updated": 0,
                                                 "unchanged": GENERATED, "skipped": 0})
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": GENERATED})

    def test_changed_fn_updates_exactly_one_card(self):
        m = re.search(rb"\r\nFN:([^\r\n]{1,40})\r\n(?! )", self.source_bytes)
        old = m.group(0)
        new = b"\r\nFN:" + m.group(1) + b" (ge\xc3\xa4ndert)\r\n"
        changed = self.kith.path("changed.vcf")
        with open(changed, "wb") as f:
            f.write(self.source_bytes.replace(old, new, 1))
        self.import_ok(changed, expect={"imported": 0, "updated": 1,
                                        "unchanged": GENERATED - 1, "skipped": 0})
        _, data = self.export_ok("vcard4")
        self.assertIn(new.strip(), data)
        self.assertEqual(len(split_cards(data)), GENERATED)

    def test_export_vcard4_reimports_unchanged(self):
        r, data = self.export_ok("vcard4")
        self.assertEqual(exported_count(r), GENERATED)
        exported = cards_by_uid(data)
        self.assertEqual(sorted(exported), sorted(self.source))
        self.assertTrue(all(c[1] == "VERSION:4.0" for c in exported.values()))
        path = self.kith.path("reimport4.vcf")
        with open(path, "wb") as f:
            f.write(data)
        self.import_ok(path, expect={"imported": 0, "updated": 0, "unchanged": GENERATED,
                                     "skipped": 0})

    def test_export_vcard3_keeps_unknown_properties_and_photo(self):
        r, data = self.export_ok("vcard3")
        self.assertEqual(exported_count(r), GENERATED)
        exported = cards_by_uid(data)
        self.assertEqual(sorted(exported), sorted(self.source))
        photos = 0
        for uid, card in self.source.items():
            out = exported[uid]
            self.assertEqual(out[1], "VERSION:3.0")
            for line in x_lines(card):
                self.assertIn(line, out, "unknown line lost or changed in %s" % uid)
            if photo_payload(card) is not None:
                photos += 1
                self.assertEqual(photo_payload(out), photo_payload(card), uid)
                self.assertTrue(any(prop_name(l) == "PHOTO" and "ENCODING=B" in l.upper()
                                    for l in out), out)
        self.assertGreater(photos, GENERATED // 10, "the generator made too few photos")

    def test_export_vcard3_reimports_unchanged(self):
        _, data = self.export_ok("vcard3")
        path = self.kith.path("reimport3.vcf")
        with open(path, "wb") as f:
            f.write(data)
        self.import_ok(path, expect={"imported": 0, "updated": 0, "unchanged": GENERATED,
                                     "skipped": 0})

    def test_exported_lines_are_folded_at_75_octets_with_crlf(self):
        for fmt in ("vcard3", "vcard4"):
            _, data = self.export_ok(fmt)
            lines = data.split(b"\r\n")
            self.assertEqual(lines[-1], b"", "export does not end with CRLF")
            self.assertNotIn(b"\n", data.replace(b"\r\n", b""), "bare LF in export")
            self.assertLessEqual(max(len(l) for l in lines), 75)
            for line in lines:
                line.decode("utf-8")  # a fold inside a UTF-8 sequence fails here


class TestGeneratedV40(GeneratedRoundTrip, ImportCase):
    VERSION = "4.0"


class TestGeneratedV30(GeneratedRoundTrip, ImportCase):
    VERSION = "3.0"


if __name__ == "__main__":
    unittest.main()
