"""vdirsyncer (Debian) keeps a Kith address book of 10,000 cards and a local folder in sync
both ways, and khard reads that folder: issue 3's "vdirsyncer syncs 10k cards both ways with
nothing lost or altered, and a conflict is reported, not silently resolved", as a user of
vdirsyncer would check it.

- Kith -> local: N_CARDS generated vCard 3.0 cards (non-ASCII names, folded lines, unknown
  X- properties, some base64 PHOTOs) imported with `kith import`; vdirsyncer, given only
  the root URL, finds the book and writes one .vcf per card whose content equals the
  server's card and the generated card. A second sync changes nothing on either side.
- local -> Kith: cards created in the folder and cards edited there reach the server with
  exactly the content that was written. (vdirsyncer 0.19 asks for the RFC 6352 default,
  vCard 3.0, so all cards here are 3.0: a 4.0 card would come back converted.)
- another client -> local: cards created and edited on the server (PUT) arrive unaltered.
- Deletions both ways.
- A card edited on both sides with `conflict_resolution` unset: vdirsyncer exits non-zero
  and names the card, neither side is overwritten (also when synced again), a change to
  another card in the same run still goes through; `conflict_resolution = "b wins"` then
  settles it.
- khard lists every card of the synced folder, edited ones under their new names.

"Content" is a card's unfolded content lines in order (kith_harness.split_cards): folding
and line ends may differ, no property, parameter or value may.

Size: 10,000 cards in both builds of scripts/test. The clang ASan/UBSan build is slower,
but most of the time goes to vdirsyncer and khard (Python): on two shared cores the whole
test took 1 to 3 minutes in either build (docs/testing.md), well inside ctest's 600 s.
Every vdirsyncer and khard run has its own timeout, so the test is bounded.

vdirsyncer lists with PROPFIND Depth 1, reads every new or changed card with ONE multiget
of all their hrefs (10,000 in the first sync; it does not split them, pimutils/vdirsyncer#687)
and writes with If-None-Match / If-Match (CLIENTS.md A1). Skipped when vdirsyncer or khard is missing
(`apt-get install -y vdirsyncer khard`)."""
import os
import shutil
import subprocess
import sys
import time
import unittest

from carddav_helpers import BOOK, C, NS_DECL, PASSWORD, DavTestCase, multistatus
from kith_harness import card_uid, gen_cards, split_cards

N_CARDS = 10000
N_LOCAL_NEW = N_CARDS // 20  # created in the local folder, uploaded by vdirsyncer
TOOL_TIMEOUT = 300  # seconds for one vdirsyncer or khard run


def have(cmd):
    return shutil.which(cmd) is not None


def raw_cards(data):
    """The cards of a generated vCard file as bytes, one card each (CRLF, folded)."""
    return [b"BEGIN:VCARD\r\n" + part for part in data.split(b"BEGIN:VCARD\r\n")[1:]]


def edited(data, fn_prefix, note):
    """A card's bytes with FN prefixed and a NOTE added: what a user's edit looks like."""
    text = data.decode("utf-8").replace("\nFN:", "\nFN:%s " % fn_prefix, 1)
    head, tail = text.rsplit("END:VCARD", 1)
    return (head + "NOTE:" + note + "\r\nEND:VCARD" + tail).encode("utf-8")


@unittest.skipUnless(have("vdirsyncer") and have("khard"), "vdirsyncer and khard not installed")
class VdirsyncerTests(DavTestCase):
    def setUp(self):
        super().setUp()
        self.started = time.monotonic()
        self.vdir = self.kith.path("vdir")
        os.makedirs(self.vdir)
        self.write_config(None)

    def step(self, what):
        """One line on stderr per phase, so a slow run shows where the time went."""
        sys.stderr.write("  vdirsyncer test, %d cards: %s at %.0f s\n"
                         % (N_CARDS, what, time.monotonic() - self.started))

    def write_config(self, resolution):
        lines = [
            "[general]",
            'status_path = "%s"' % self.kith.path("status"),
            "[pair contacts]",
            'a = "local"',
            'b = "remote"',
            'collections = ["from b"]',
        ]
        if resolution:
            lines.append('conflict_resolution = "%s"' % resolution)
        lines += [
            "[storage local]",
            'type = "filesystem"',
            'path = "%s/"' % self.vdir,
            'fileext = ".vcf"',
            "[storage remote]",
            'type = "carddav"',
            # Only the root URL: vdirsyncer discovers principal, home set and books.
            'url = "http://127.0.0.1:%d/"' % self.server.http_port,
            'username = "alice"',
            'password = "%s"' % PASSWORD,
        ]
        self.config = self.kith.path("vdirsyncer.conf")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")

    def tool_env(self):
        return dict(os.environ, LC_ALL="C.UTF-8", HOME=self.kith.tmp)

    def vds(self, *args, stdin=None):
        p = subprocess.run(["vdirsyncer", "-c", self.config] + list(args), input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=self.tool_env(), timeout=TOOL_TIMEOUT, text=True)
        return p.returncode, p.stdout

    def sync_ok(self):
        rc, out = self.vds("sync")
        self.assertEqual(rc, 0, out[-4000:])
        return out

    def khard(self, *args):
        kconf = self.kith.path("khard.conf")
        with open(kconf, "w") as f:
            f.write("[addressbooks]\n[[kith]]\npath = %s/\n[general]\ndebug = no\n"
                    "default_action = list\neditor = /bin/true\nmerge_editor = /bin/true\n"
                    "[contact table]\ndisplay = formatted_name\n" % self.local_dir())
        p = subprocess.run(["khard", "-c", kconf] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=self.tool_env(), text=True,
                           timeout=TOOL_TIMEOUT)
        self.assertEqual(p.returncode, 0, p.stderr[-4000:])
        return p.stdout.strip().splitlines()

    # The local folder.

    def local_dir(self):
        return os.path.join(self.vdir, "contacts")

    def local_files(self):
        """{file name: bytes} of the synced folder."""
        out = {}
        for name in os.listdir(self.local_dir()):
            with open(os.path.join(self.local_dir(), name), "rb") as f:
                out[name] = f.read()
        return out

    def local_cards(self):
        """{uid: bytes}; every file holds exactly one card."""
        out = {}
        for name, data in self.local_files().items():
            cards = split_cards(data)
            self.assertEqual(len(cards), 1, name)
            out[card_uid(cards[0])] = data
        return out

    def local_path(self, uid):
        for name, data in self.local_files().items():
            if card_uid(split_cards(data)[0]) == uid:
                return os.path.join(self.local_dir(), name)
        raise AssertionError("no local file for " + uid)

    def write_local(self, path, data):
        with open(path, "wb") as f:
            f.write(data)
        return data

    # The server, read the way vdirsyncer reads it.

    def server_etags(self):
        """{href: etag} of every card, from PROPFIND Depth 1."""
        status, _, body = self.dav("PROPFIND", BOOK, '<D:propfind xmlns:D="DAV:"><D:prop>'
                                   '<D:getetag/></D:prop></D:propfind>', {"Depth": "1"})
        self.assertEqual(status, 207)
        return {r.href: r.text("{DAV:}getetag") for r in multistatus(body)[0]
                if r.href != BOOK}

    def server_index(self):
        """{uid: (href, etag, bytes)} of every card: PROPFIND, then multiget by 1000."""
        hrefs = sorted(self.server_etags())
        out = {}
        for k in range(0, len(hrefs), 1000):
            rs, _ = self.report('<C:addressbook-multiget %s><D:prop><D:getetag/><C:address-data/>'
                                '</D:prop>%s</C:addressbook-multiget>'
                                % (NS_DECL, "".join("<D:href>%s</D:href>" % h
                                                    for h in hrefs[k:k + 1000])))
            for r in rs:
                data = r.text(C + "address-data").replace("\n", "\r\n").encode()
                out[card_uid(split_cards(data)[0])] = (r.href, r.text("{DAV:}getetag"), data)
        return out

    def server_get(self, href):
        """(etag, bytes) of one card by GET."""
        status, headers, body = self.dav("GET", href)
        self.assertEqual(status, 200, body[:500])
        return headers["etag"], body

    def assertSameOnBothSides(self):
        """Both sides hold the same UIDs with the same content; returns {uid: local bytes}."""
        local, remote = self.local_cards(), self.server_index()
        self.assertEqual(sorted(local), sorted(remote))
        diff = [u for u in local if split_cards(local[u]) != split_cards(remote[u][2])]
        if diff:
            self.assertEqual(split_cards(local[diff[0]]), split_cards(remote[diff[0]][2]),
                             "%d cards differ between the folder and the server, the first "
                             "(folder first): %s" % (len(diff), diff[0]))
        return local

    def assertContent(self, data, expected, what):
        self.assertEqual(split_cards(data), split_cards(expected), what)

    def test_10k_cards_both_ways_with_conflict_and_khard(self):
        # Kith -> local: the imported book arrives whole and unaltered.
        src = gen_cards(self.kith.path("cards.vcf"), N_CARDS, version="3.0", seed=7, photos=5)
        self.assertOk(self.kith.import_cards("alice/contacts", src))
        self.step("imported")
        rc, out = self.vds("discover", stdin="y\n" * 5)
        self.assertEqual(rc, 0, out)
        self.sync_ok()
        self.step("first sync")
        local = self.assertSameOnBothSides()
        with open(src, "rb") as f:
            gen = {card_uid(c): c for c in split_cards(f.read())}
        self.assertEqual(len(gen), N_CARDS)
        self.assertEqual(sorted(gen), sorted(local))
        altered = [u for u in gen if split_cards(local[u]) != [gen[u]]]
        self.assertEqual(altered, [], "altered: %s" % altered[:3])

        # Synced again with no change: nothing is copied, updated or deleted on either side.
        files, etags = self.local_files(), self.server_etags()
        out = self.sync_ok()
        for word in ("Copying", "Deleting"):
            self.assertNotIn(word, out)
        self.assertEqual(self.local_files(), files)
        self.assertEqual(self.server_etags(), etags)
        self.step("no-op sync")

        # Changes on both sides, then one sync.
        index = self.server_index()
        uids = sorted(local)
        expected = {}  # uid -> the bytes whose content both sides must end with
        for u in uids[0:5]:
            expected[u] = self.write_local(
                self.local_path(u), edited(local[u], "LocalEdit", "lokal geändert, Straße 5"))
        with open(gen_cards(self.kith.path("new.vcf"), N_LOCAL_NEW, version="3.0", seed=8,
                            photos=5), "rb") as f:
            new_local = raw_cards(f.read())
        for i, data in enumerate(new_local):
            uid = card_uid(split_cards(data)[0])
            expected[uid] = self.write_local(
                os.path.join(self.local_dir(), "new-local-%d.vcf" % i), data)
        for u in uids[5:10]:
            href, etag, data = index[u]
            new = edited(data, "RemoteEdit", "auf dem Server geändert: 東京")
            st, _, body = self.put_card(href.rsplit("/", 1)[1], new, {"If-Match": etag})
            self.assertEqual(st, 204, body)
            expected[u] = new
        with open(gen_cards(self.kith.path("remote.vcf"), 3, version="3.0", seed=10,
                            photos=100), "rb") as f:
            for i, data in enumerate(raw_cards(f.read())):
                st, _, body = self.put_card("new-remote-%d.vcf" % i, data,
                                            {"If-None-Match": "*"})
                self.assertEqual(st, 201, body)
                expected[card_uid(split_cards(data)[0])] = data
        for u in uids[10:13]:
            os.unlink(self.local_path(u))
        for u in uids[13:16]:
            href, etag, _ = index[u]
            self.assertEqual(self.dav("DELETE", href, headers={"If-Match": etag})[0], 204)
        self.step("changes made")
        self.sync_ok()
        self.step("two-way sync")
        after = self.assertSameOnBothSides()
        self.assertEqual(len(after), N_CARDS + N_LOCAL_NEW + 3 - 6)
        for u, data in expected.items():
            self.assertContent(after[u], data, u)
        for u in uids[10:16]:
            self.assertNotIn(u, after)
            self.assertEqual(self.dav("GET", index[u][0])[0], 404)
        untouched = [u for u in uids[16:] if split_cards(after[u]) != [gen[u]]]
        self.assertEqual(untouched, [], "changed without an edit: %s" % untouched[:3])

        # A conflict: reported with the card's UID, neither side overwritten, also on a
        # second try; another card's change in the same run still reaches the server.
        victim, bystander = uids[20], uids[21]
        href = index[victim][0]
        mine = self.write_local(self.local_path(victim),
                                edited(after[victim], "Mine", "edited in the folder"))
        etag, _ = self.server_get(href)
        theirs = edited(after[victim], "Theirs", "edited on the server")
        st, _, body = self.put_card(href.rsplit("/", 1)[1], theirs, {"If-Match": etag})
        self.assertEqual(st, 204, body)
        etag_theirs, _ = self.server_get(href)
        other = self.write_local(self.local_path(bystander),
                                 edited(after[bystander], "Bystander", "not in conflict"))
        for _ in range(2):
            rc, out = self.vds("sync")
            self.assertNotEqual(rc, 0, out[-4000:])
            self.assertIn("One item changed on both sides", out)
            self.assertIn("Item ID: %s" % victim, out)
            with open(self.local_path(victim), "rb") as f:
                self.assertEqual(f.read(), mine)
            etag, data = self.server_get(href)
            self.assertEqual(etag, etag_theirs)
            self.assertContent(data, theirs, "server side of the conflict")
        self.assertContent(self.server_get(index[bystander][0])[1], other, bystander)
        self.step("conflict reported")
        # Settled only by an explicit choice: then both sides hold the server's version.
        self.write_config("b wins")
        self.sync_ok()
        final = self.assertSameOnBothSides()
        self.assertContent(final[victim], theirs, "after b wins")
        self.assertContent(final[bystander], other, bystander)
        self.step("conflict resolved")

        # khard reads the synced folder: every card, the edited ones under their new names
        # (one listing: khard parses the whole folder on every run).
        listing = [line.split("\t") for line in self.khard("list", "--parsable")]
        self.assertEqual(sorted(row[0] for row in listing), sorted(final))
        fns = {row[0]: row[1] for row in listing}
        for word, who in (("LocalEdit", uids[0:5]), ("RemoteEdit", uids[5:10]),
                          ("Theirs", [victim]), ("Bystander", [bystander])):
            self.assertEqual(sorted(u for u in fns if fns[u].startswith(word + " ")), who, word)
        self.step("khard")
        self.assertConsistent()
        self.step("kith check")


if __name__ == "__main__":
    unittest.main()
