"""An incremental sync-collection costs what its changes cost, not what the book holds:
after 10 changes, a 5,000-card book answers with the same 10 responses in about the time
a 500-card book takes (within 3x; relative timing only, median of many runs)."""
import statistics
import sys
import time
import unittest

from carddav_helpers import NS_DECL, XML_HEAD, DavTestCase, card
from kith_harness import gen_cards

RUNS = 25


class SyncCostTests(DavTestCase):
    def prepare(self, book, count, seed):
        self.assertOk(self.kith.run("book", "add", "alice/" + book))
        src = gen_cards(self.kith.path(book + ".vcf"), count, version="3.0", seed=seed)
        self.assertOk(self.kith.import_cards("alice/" + book, src))
        path = "/dav/addressbooks/alice/%s/" % book
        _, token = self.sync(path=path)
        for i in range(10):
            st, _, _ = self.put_card("change-%d.vcf" % i, card("%s-c%d" % (book, i), "Ch %d" % i),
                                     book=path)
            self.assertEqual(st, 201)
        return path, token

    def timed_sync(self, path, token):
        body = XML_HEAD + ('<D:sync-collection %s><D:sync-token>%s</D:sync-token>'
                           '<D:sync-level>1</D:sync-level><D:prop><D:getetag/>'
                           '<C:address-data/></D:prop></D:sync-collection>' % (NS_DECL, token))
        times, count = [], None
        for _ in range(RUNS):
            t0 = time.perf_counter()
            status, _, data = self.dav("REPORT", path, body, {"Depth": "1"})
            times.append(time.perf_counter() - t0)
            self.assertEqual(status, 207)
            count = data.count(b"<D:response>")
        return statistics.median(times), count

    def test_incremental_sync_does_not_grow_with_the_book(self):
        small, small_token = self.prepare("small", 500, 3)
        big, big_token = self.prepare("big", 5000, 4)
        t_small, n_small = self.timed_sync(small, small_token)
        t_big, n_big = self.timed_sync(big, big_token)
        sys.stderr.write("sync after 10 changes: 500 cards %.2f ms, 5000 cards %.2f ms\n"
                         % (t_small * 1000, t_big * 1000))
        self.assertEqual((n_small, n_big), (10, 10))
        self.assertLess(t_big, 3 * t_small,
                        "5000-card book %.2f ms vs 500-card book %.2f ms"
                        % (t_big * 1000, t_small * 1000))


if __name__ == "__main__":
    unittest.main()
