"""The response cache never shows a client stale or someone else's data.

Kith keeps answers to repeated PROPFIND and REPORT requests while the store is unchanged
([http] cache_size, protocols/http/http_cache.c). These exchanges repeat the requests a
polling client repeats and check that every kind of change shows at once: a PUT, a
DELETE, a PROPPATCH, a write by another `kith` process beside the server, a different
user asking the same thing, a different Depth; that answers too large for the cache
stream complete; and that the server behaves the same with the cache off."""
import os
import unittest

from carddav_helpers import (BOOK, D, NS_DECL, PASSWORD, XML_HEAD, DavTestCase, card,
                             multistatus)

PROPFIND = (XML_HEAD + '<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/">'
            '<D:prop><D:resourcetype/><D:getetag/><CS:getctag/><D:displayname/></D:prop>'
            '</D:propfind>').encode()


class ResponseCacheTests(DavTestCase):
    def propfind(self, path=BOOK, depth="1", user="alice"):
        status, _, data = self.dav("PROPFIND", path, PROPFIND, {"Depth": depth}, user=user)
        self.assertEqual(status, 207, data[:500])
        return data

    def etags(self, data):
        responses, _ = multistatus(data)
        return {r.href: r.text(D + "getetag") for r in responses if r.href != BOOK}

    def restart_with_config(self, text):
        """Stop the server and start it again with a configuration file holding text."""
        self.kith.stop_servers()
        conf = self.kith.path("kith-%d.conf" % len(self.kith.servers))
        with open(conf, "w") as f:
            f.write(text)
        plain = self.kith.popen

        def popen(*args, data=None, **kw):
            return plain("--config", conf, *args, data=data, **kw)

        self.kith.popen = popen
        self.server = self.kith.serve()

    def test_every_change_shows_in_the_next_identical_request(self):
        first = self.propfind()
        self.assertEqual(first, self.propfind(), "unchanged book, different answers")

        st, h, _ = self.put_card("c1.vcf", card("c1", "Carla One"))
        self.assertEqual(st, 201)
        etag = h.get("etag") or h.get("ETag")
        after_put = self.etags(self.propfind())
        self.assertEqual(after_put.get(BOOK + "c1.vcf"), etag)

        st, h, _ = self.put_card("c1.vcf", card("c1", "Carla Changed"))
        self.assertEqual(st, 204)
        changed = self.etags(self.propfind())
        self.assertNotEqual(changed[BOOK + "c1.vcf"], after_put[BOOK + "c1.vcf"])

        st, _, _ = self.dav("DELETE", BOOK + "c1.vcf")
        self.assertEqual(st, 204)
        self.assertNotIn(BOOK + "c1.vcf", self.etags(self.propfind()))

        patch = (XML_HEAD + '<D:propertyupdate %s><D:set><D:prop><D:displayname>Renamed'
                 '</D:displayname></D:prop></D:set></D:propertyupdate>' % NS_DECL).encode()
        self.assertEqual(self.dav("PROPPATCH", BOOK, patch)[0], 207)
        responses, _ = multistatus(self.propfind(depth="0"))
        self.assertEqual(responses[0].text(D + "displayname"), "Renamed")

    def test_a_write_by_another_process_shows_at_once(self):
        before = self.etags(self.propfind())
        src = self.kith.path("more.vcf")
        with open(src, "wb") as f:
            f.write(card("imp-1", "Ivo Imported") + card("imp-2", "Ina Imported"))
        self.assertOk(self.kith.import_cards("alice/contacts", src))
        after = self.etags(self.propfind())
        self.assertEqual(len(after), len(before) + 2, after)

    def test_users_asking_the_same_thing_get_their_own_answers(self):
        body = (XML_HEAD + '<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/>'
                '</D:prop></D:propfind>').encode()
        seen = {}
        for user in ("alice", "bob", "alice", "bob"):
            st, _, data = self.dav("PROPFIND", "/principals/users/", body, {"Depth": "0"},
                                   user=user)
            self.assertEqual(st, 207)
            responses, _ = multistatus(data)
            principal = responses[0].ok(D + "current-user-principal")
            seen.setdefault(user, set()).add(principal.findtext(D + "href"))
        self.assertEqual(seen, {"alice": {"/principals/users/alice/"},
                                "bob": {"/principals/users/bob/"}})

    def test_depth_is_part_of_the_request(self):
        self.assertEqual(self.put_card("d1.vcf", card("d1", "Dora Depth"))[0], 201)
        one, _ = multistatus(self.propfind(depth="1"))
        zero, _ = multistatus(self.propfind(depth="0"))
        self.assertEqual(len(zero), 1)
        self.assertEqual(len(one), 2)

    def test_answers_larger_than_the_cache_stream_complete(self):
        # 64K of cache: one answer may take 8K; 150 members answer about 40K.
        self.restart_with_config("[http]\ncache_size = 64K\n")
        src = self.kith.path("many.vcf")
        with open(src, "wb") as f:
            for i in range(150):
                f.write(card("many-%03d" % i, "Many Person%03d" % i))
        self.assertOk(self.kith.import_cards("alice/contacts", src))
        a, b = self.propfind(), self.propfind()
        self.assertEqual(a, b)
        self.assertGreater(len(a), 8 * 1024)
        self.assertEqual(len(self.etags(a)), 150)

    def test_cache_off_serves_the_same(self):
        self.assertEqual(self.put_card("o1.vcf", card("o1", "Otto Off"))[0], 201)
        cached = self.propfind()
        self.restart_with_config("[http]\ncache_size = 0\n")
        uncached = self.propfind()
        self.assertEqual(self.etags(cached), self.etags(uncached))
        self.assertEqual(self.put_card("o2.vcf", card("o2", "Olga Off"))[0], 201)
        self.assertEqual(len(self.etags(self.propfind())), 2)


if __name__ == "__main__":
    unittest.main()
