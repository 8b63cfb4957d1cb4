"""vdirsyncer (Debian) syncs a few thousand cards both ways with Kith, khard reads the
synced folder. vdirsyncer lists with PROPFIND Depth 1, reads with multiget, writes with
If-None-Match / If-Match (CLIENTS.md A1). Skipped when vdirsyncer or khard is missing
(`apt-get install -y vdirsyncer khard`)."""
import os
import shutil
import subprocess
import unittest

from carddav_helpers import BOOK, C, NS_DECL, PASSWORD, DavTestCase, card, multistatus
from kith_harness import gen_cards, split_cards, card_uid

N_CARDS = 3000


def have(cmd):
    return shutil.which(cmd) is not None


@unittest.skipUnless(have("vdirsyncer") and have("khard"), "vdirsyncer and khard not installed")
class VdirsyncerTests(DavTestCase):
    def setUp(self):
        super().setUp()
        self.vdir = self.kith.path("vdir")
        os.makedirs(self.vdir)
        self.write_config(None)

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

    def vds(self, *args, stdin=None):
        env = dict(os.environ, LC_ALL="C.UTF-8", HOME=self.kith.tmp)
        p = subprocess.run(["vdirsyncer", "-c", self.config] + list(args), input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                           timeout=600, text=True)
        return p.returncode, p.stdout

    def local_dir(self):
        return os.path.join(self.vdir, "contacts")

    def local_cards(self):
        out = {}
        for name in os.listdir(self.local_dir()):
            with open(os.path.join(self.local_dir(), name), "rb") as f:
                data = f.read()
            out[card_uid(split_cards(data)[0])] = data
        return out

    def server_index(self):
        """{uid: (href, etag, bytes)} of every card, read as vdirsyncer reads them."""
        status, _, body = self.dav("PROPFIND", BOOK, '<D:propfind xmlns:D="DAV:"><D:prop>'
                                   '<D:getetag/></D:prop></D:propfind>', {"Depth": "1"})
        self.assertEqual(status, 207)
        hrefs = [r.href for r in multistatus(body)[0] if r.href != BOOK]
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

    def server_cards(self):
        return {u: v[2] for u, v in self.server_index().items()}

    def assertSameOnBothSides(self):
        local, remote = self.local_cards(), self.server_cards()
        self.assertEqual(sorted(local), sorted(remote))
        diff = [u for u in local if split_cards(local[u]) != split_cards(remote[u])]
        self.assertEqual(diff, [], "cards differ: %s" % diff[:5])
        return local

    def local_path(self, uid):
        for name in os.listdir(self.local_dir()):
            with open(os.path.join(self.local_dir(), name), "rb") as f:
                if card_uid(split_cards(f.read())[0]) == uid:
                    return os.path.join(self.local_dir(), name)
        raise AssertionError("no local file for " + uid)

    def edit_local(self, uid, local, new_fn):
        path = self.local_path(uid)
        data = local[uid].decode().replace("\nFN:", "\nFN:%s " % new_fn, 1).encode()
        with open(path, "wb") as f:
            f.write(data)
        return path

    def href_of(self, uid):
        href, etag, _ = self.server_index()[uid]
        return href, etag

    def edit_remote(self, uid, remote, new_fn):
        href, etag = self.href_of(uid)
        data = remote[uid].decode().replace("\nFN:", "\nFN:%s " % new_fn, 1).encode()
        st, _, body = self.put_card(href.rsplit("/", 1)[1], data, {"If-Match": etag})
        self.assertEqual(st, 204, body)

    def test_two_way_sync_with_conflict_and_khard(self):
        src = gen_cards(self.kith.path("cards.vcf"), N_CARDS, version="3.0", seed=7)
        self.assertOk(self.kith.import_cards("alice/contacts", src))
        rc, out = self.vds("discover", stdin="y\n" * 5)
        self.assertEqual(rc, 0, out)
        rc, out = self.vds("sync")
        self.assertEqual(rc, 0, out)
        local = self.assertSameOnBothSides()
        self.assertEqual(len(local), N_CARDS)
        # Nothing lost or altered against the generated cards (same lines per UID).
        with open(src, "rb") as f:
            gen = {card_uid(c): c for c in split_cards(f.read())}
        self.assertEqual(sorted(gen), sorted(local))
        changed = [u for u in gen if sorted(gen[u]) != sorted(split_cards(local[u])[0])]
        self.assertEqual(changed, [], "altered: %s" % changed[:3])

        uids = sorted(local)
        remote = self.server_cards()
        # Edits on both sides, new cards on both sides, deletions both ways.
        for u in uids[0:5]:
            self.edit_local(u, local, "LocalEdit")
        for u in uids[5:10]:
            self.edit_remote(u, remote, "RemoteEdit")
        for i in range(3):
            with open(os.path.join(self.local_dir(), "new-local-%d.vcf" % i), "wb") as f:
                f.write(card("new-local-%d" % i, "Local New%d" % i))
            self.assertEqual(self.put_card("new-remote-%d.vcf" % i,
                                           card("new-remote-%d" % i, "Remote New%d" % i))[0], 201)
        for u in uids[10:13]:
            os.unlink(self.local_path(u))
        for u in uids[13:16]:
            href, _ = self.href_of(u)
            self.assertEqual(self.dav("DELETE", href)[0], 204)
        rc, out = self.vds("sync")
        self.assertEqual(rc, 0, out)
        after = self.assertSameOnBothSides()
        self.assertEqual(len(after), N_CARDS + 6 - 6)
        self.assertTrue(all(b"FN:LocalEdit" in after[u] for u in uids[0:5]))
        self.assertTrue(all(b"FN:RemoteEdit" in after[u] for u in uids[5:10]))
        self.assertTrue(all(u not in after for u in uids[10:16]))

        # A conflict: the same card edited on both sides is reported, not resolved.
        victim = uids[20]
        self.edit_local(victim, after, "Mine")
        self.edit_remote(victim, self.server_cards(), "Theirs")
        rc, out = self.vds("sync")
        self.assertNotEqual(rc, 0, out)
        self.assertIn("conflict", out.lower())
        self.assertIn(b"FN:Mine", self.local_cards()[victim])
        self.assertIn(b"FN:Theirs", self.server_cards()[victim])
        # Resolved explicitly, both sides end identical.
        self.write_config("b wins")
        rc, out = self.vds("sync")
        self.assertEqual(rc, 0, out)
        final = self.assertSameOnBothSides()
        self.assertIn(b"FN:Theirs", final[victim])

        # khard works on the synced folder.
        kconf = self.kith.path("khard.conf")
        with open(kconf, "w") as f:
            f.write("[addressbooks]\n[[kith]]\npath = %s/\n[general]\ndebug = no\n"
                    "default_action = list\neditor = /bin/true\nmerge_editor = /bin/true\n"
                    % self.local_dir())
        env = dict(os.environ, LC_ALL="C.UTF-8", HOME=self.kith.tmp)
        p = subprocess.run(["khard", "-c", kconf, "list", "--parsable"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().splitlines()), len(final))
        p = subprocess.run(["khard", "-c", kconf, "list", "--parsable", "RemoteEdit"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                           timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(len(p.stdout.strip().splitlines()), 5)


if __name__ == "__main__":
    unittest.main()
