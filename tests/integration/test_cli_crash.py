"""`kill -9` of an import halfway (issue 2 "Done when"): the store that is left passes
`kith check`, holds only whole cards, and the next import completes the book."""
import signal
import subprocess
import time
import unittest

from kith_harness import (KithTestCase, cards_by_uid, gen_cards, parse_summary, prop_name,
                          scaled)

# Enough that the import runs for several seconds after its first commit, so the kill
# lands halfway (about 1,500 cards/s here); the sanitizer build imports several times
# slower, so fewer cards take as long there.
CARDS = scaled(20000, 5000)
BOOK = "alice/contacts"


def fields(card, name):
    return sorted(line.split(":", 1)[1] for line in card if prop_name(line) == name)


class TestKilledImport(KithTestCase):

    def kill_import_halfway(self, path):
        """Start the import, SIGKILL it once some cards are committed; returns that count."""
        log = open(self.kith.path("import.log"), "wb")
        proc = self.kith.popen("import", "--quiet", "--into", BOOK, path,
                               stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        deadline = time.monotonic() + 60
        committed = 0
        while proc.poll() is None and time.monotonic() < deadline:
            committed = self.kith.book_counts("alice").get(BOOK, 0)
            if committed > 0:
                break
            time.sleep(0.05)
        time.sleep(0.3)  # let it get well into the next batch
        self.assertIsNone(proc.poll(), "the import ended before it could be killed; "
                          "committed %d of %d" % (committed, CARDS))
        self.assertGreater(committed, 0, "no batch committed within 60 s")
        proc.send_signal(signal.SIGKILL)  # its own PID only
        self.assertEqual(proc.wait(timeout=10), -signal.SIGKILL)
        return committed

    def test_kill_9_leaves_whole_cards_and_reimport_completes(self):
        path = gen_cards(self.kith.path("many.vcf"), CARDS, seed=9)
        with open(path, "rb") as f:
            source = cards_by_uid(f.read())
        self.assertEqual(len(source), CARDS)
        self.kith.add_user("alice")

        self.kill_import_halfway(path)

        self.assertConsistent()
        kept = self.kith.book_counts("alice")[BOOK]
        self.assertGreater(kept, 0)
        self.assertLess(kept, CARDS, "the import was not interrupted")
        r, data = self.kith.export(BOOK, "vcard4")
        self.assertOk(r)
        exported = cards_by_uid(data)  # raises on a card without END:VCARD
        self.assertIn("exported %d cards" % kept, r.err)
        self.assertEqual(len(exported), kept)
        for uid, card in exported.items():
            self.assertIn(uid, source)
            for name in ("FN", "N", "TEL", "EMAIL", "ADR"):
                self.assertEqual(fields(card, name), fields(source[uid], name),
                                 "card %s is not whole (%s)" % (uid, name))

        r = self.kith.import_cards(BOOK, path, timeout=300)
        self.assertOk(r)
        self.assertEqual(parse_summary(r.out), {"imported": CARDS - kept, "updated": 0,
                                                "unchanged": kept, "skipped": 0})
        self.assertEqual(self.kith.book_counts("alice")[BOOK], CARDS)
        self.assertConsistent()


if __name__ == "__main__":
    unittest.main()
