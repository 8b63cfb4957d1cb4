"""Bad input gets a clear error and changes nothing (issue 2 "Done when").

Every test starts from a book holding the demo store, feeds `kith` something broken, and
checks: a non-zero exit, a message on stderr naming the problem (with the file and line
number for card errors), the book's export byte-for-byte unchanged, and `kith check` happy.
"""
import os
import re
import unittest

from kith_harness import DEMO_VCF, KithTestCase, parse_summary, split_cards

BOOK = "alice/contacts"


class BadInputCase(KithTestCase):

    def setUp(self):
        super().setUp()
        self.kith.add_user("alice")
        r = self.kith.import_cards(BOOK, DEMO_VCF)
        self.assertOk(r)
        r, self.before = self.kith.export(BOOK, "vcard4")
        self.assertOk(r)
        self.n_before = len(split_cards(self.before))

    def write(self, name, data):
        path = self.kith.path(name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        return path

    def assertUnchanged(self):
        r, after = self.kith.export(BOOK, "vcard4")
        self.assertOk(r)
        self.assertEqual(after, self.before, "the book changed")
        self.assertConsistent()

    def assertCardError(self, path, line, *words):
        """Import of path fails, names path:line and the words, changes nothing."""
        r = self.kith.import_cards(BOOK, path)
        self.assertNotEqual(r.rc, 0, r)
        name = os.path.basename(path)
        self.assertRegex(r.err, r"%s:%d\b" % (re.escape(name), line))
        for word in words:
            self.assertIn(word, r.err.lower())
        summary = parse_summary(r.out)
        self.assertIsNotNone(summary, r)
        self.assertEqual(summary["imported"] + summary["updated"], 0, r)
        self.assertUnchanged()
        return r


class TestBadCards(BadInputCase):

    def test_truncated_card_without_end(self):
        path = self.write("truncated.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:trunc-1\r\n"
                          "FN:Half a Card\r\nTEL:030 1234567\r\n")
        self.assertCardError(path, 1, "end:vcard")

    def test_truncated_last_card_after_good_ones_reports_its_line(self):
        # The good cards before it are kept (cli_import.c: a bad card is skipped), and the
        # torn one is named by its first line.
        good = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:good-%d\r\nFN:Good %d\r\nEND:VCARD\r\n")
        text = good % (1, 1) + good % (2, 2) + "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:torn\r\nFN:T"
        path = self.write("torn.vcf", text)
        r = self.kith.import_cards(BOOK, path)
        self.assertEqual(r.rc, 1, r)
        self.assertRegex(r.err, r"torn\.vcf:11\b")
        self.assertEqual(parse_summary(r.out)["imported"], 2)
        self.assertEqual(parse_summary(r.out)["skipped"], 1)
        self.assertEqual(self.kith.book_counts("alice")[BOOK], self.n_before + 2)
        self.assertConsistent()

    def test_garbled_card(self):
        path = self.write("garbled.vcf", b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:garbled-1\r\n"
                          b"FN:Garbled\r\nthis line has no colon at all\r\n"
                          b"\x01\x02\xff\xfe\x00junk\r\nEND:VCARD\r\n")
        self.assertCardError(path, 5)

    def test_card_with_invalid_utf8_is_rejected(self):
        path = self.write("latin1.vcf", b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:latin1-1\r\n"
                          b"FN:J\xfcrgen M\xfcller\r\nEND:VCARD\r\n")
        self.assertCardError(path, 4)

    def test_file_that_is_not_vcard_at_all(self):
        path = self.write("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
        r = self.kith.import_cards(BOOK, path)
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("photo.png", r.err)
        self.assertUnchanged()

    def test_empty_file_imports_nothing(self):
        path = self.write("empty.vcf", b"")
        r = self.kith.import_cards(BOOK, path)
        self.assertIn(r.rc, (0, 1), r)
        self.assertEqual(parse_summary(r.out)["imported"], 0, r)
        self.assertUnchanged()

    def test_card_with_a_100k_line(self):
        path = self.write("longline.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:long-1\r\n"
                          "FN:Long Note\r\nNOTE:" + "x" * 102400 + "\r\nEND:VCARD\r\n")
        self.assertCardError(path, 5, "limit")

    def test_card_with_a_100k_line_folded(self):
        value = "y" * 102400
        folded = "\r\n ".join(value[i:i + 74] for i in range(0, len(value), 74))
        path = self.write("longfold.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:long-2\r\n"
                          "FN:Long Folded Note\r\nNOTE:" + folded + "\r\nEND:VCARD\r\n")
        self.assertCardError(path, 5, "limit")

    def test_single_card_of_50_megabytes(self):
        payload = b"QUFB" * (50 * 1024 * 1024 // 4)
        folded = b"\r\n ".join(payload[i:i + 74] for i in range(0, len(payload), 74))
        path = self.write("huge.vcf", b"BEGIN:VCARD\r\nVERSION:4.0\r\nUID:huge-1\r\nFN:Huge\r\n"
                          b"PHOTO:data:image/jpeg;base64," + folded + b"\r\nEND:VCARD\r\n")
        del payload, folded
        self.assertGreater(os.path.getsize(path), 50 * 1024 * 1024)
        self.assertCardError(path, 5, "limit")

    def test_card_with_too_many_properties(self):
        notes = "".join("NOTE:n%d\r\n" % i for i in range(5000))
        path = self.write("props.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:props-1\r\n"
                          "FN:Many\r\n" + notes + "END:VCARD\r\n")
        r = self.assertCardError(path, 2003)  # the 2001st property
        self.assertIn("2000", r.err)


class TestBadArguments(BadInputCase):

    def test_missing_file(self):
        missing = self.kith.path("no-such-file.vcf")
        r = self.kith.import_cards(BOOK, missing)
        self.assertEqual(r.rc, 1, r)
        self.assertIn(missing, r.err)
        self.assertIn("no such file", r.err.lower())
        self.assertUnchanged()

    def test_directory_instead_of_file(self):
        r = self.kith.import_cards(BOOK, self.tmp)
        self.assertEqual(r.rc, 1, r)
        self.assertIn(self.tmp, r.err)
        self.assertUnchanged()

    def test_book_that_does_not_exist(self):
        r = self.kith.import_cards("alice/nonexistent", DEMO_VCF)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("alice/nonexistent", r.err)
        self.assertUnchanged()

    def test_user_that_does_not_exist(self):
        r = self.kith.import_cards("mallory/contacts", DEMO_VCF)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("mallory/contacts", r.err)
        self.assertUnchanged()

    def test_export_of_missing_book(self):
        r, data = self.kith.export("alice/nonexistent", "vcard4")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("alice/nonexistent", r.err)
        self.assertIsNone(data, "export left a file behind")
        self.assertEqual(os.listdir(self.tmp).count("export-vcard4.vcf"), 0)

    def test_data_dir_under_a_regular_file(self):
        blocker = self.write("not-a-dir", b"just a file\n")
        bad = os.path.join(blocker, "store")
        for args in (["import", "--into", BOOK, DEMO_VCF], ["user", "list"], ["check"],
                     ["book", "list"]):
            with self.subTest(command=args[0]):
                r = self.kith.run(*args, data=bad)
                self.assertEqual(r.rc, 1, r)
                self.assertIn(bad, r.err)
                # The reason, not just "I/O error": the path is not a directory.
                self.assertIn("not a directory", r.err.lower())
        with open(blocker, "rb") as f:
            self.assertEqual(f.read(), b"just a file\n")
        self.assertUnchanged()

    def test_user_add_in_unusable_data_dir(self):
        blocker = self.write("not-a-dir", b"x")
        r = self.kith.run("user", "add", "bob", "--password-stdin", stdin="pw\n",
                          data=os.path.join(blocker, "d"))
        self.assertEqual(r.rc, 1, r)
        self.assertIn(blocker, r.err)

    def test_backup_into_existing_store_is_refused(self):
        target = self.kith.path("copy")
        self.assertOk(self.kith.run("backup", target))
        r = self.kith.run("backup", target)
        self.assertEqual(r.rc, 1, r)
        self.assertIn(target, r.err)
        self.assertUnchanged()


if __name__ == "__main__":
    unittest.main()
