"""`kith serve` and `kith backup` as an administrator runs them: start, answer, stop on
SIGTERM with exit 0, HTTPS with a self-signed certificate made on first start (TLS 1.2+,
checked with Debian's openssl binary), and a consistent backup while the server runs."""
import os
import re
import shutil
import socket
import subprocess
import unittest

from kith_harness import DEMO_VCF, KithTestCase, gen_cards, http_request, split_cards

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"


def s_client(port, *extra):
    """openssl s_client against 127.0.0.1:port; (exit status, combined output)."""
    proc = subprocess.run([OPENSSL, "s_client", "-connect", "127.0.0.1:%d" % port, "-brief"]
                          + list(extra), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=20)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def cert_fingerprint(path):
    out = subprocess.run([OPENSSL, "x509", "-noout", "-fingerprint", "-sha256", "-in", path],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    return out.strip().split("=", 1)[1]


class TestServe(KithTestCase):

    def setUp(self):
        super().setUp()
        self.kith.add_user("alice", "first-pw")

    def test_root_answers_200_and_sigterm_exits_0(self):
        server = self.kith.serve()
        status, headers, body = server.request("GET", "/")
        self.assertEqual(status, 200)
        self.assertIn(b"Kith", body)
        self.assertEqual(server.stop(), 0, server.log())

    def test_log_has_one_access_line_per_request(self):
        server = self.kith.serve()
        for _ in range(3):
            server.request("GET", "/")
        self.assertEqual(server.stop(), 0)
        self.assertEqual(len(re.findall(r"req=\d+ .*GET / 200", server.log())), 3, server.log())

    def test_sigterm_with_an_idle_client_connection_still_exits_0(self):
        server = self.kith.serve()
        idle = socket.create_connection(("127.0.0.1", server.http_port))
        try:
            status, _, _ = server.request("GET", "/")
            self.assertEqual(status, 200)
            self.assertEqual(server.stop(), 0, server.log())
        finally:
            idle.close()

    def test_serving_does_not_disturb_the_store(self):
        self.assertOk(self.kith.import_cards("alice/contacts", DEMO_VCF))
        server = self.kith.serve()
        server.request("GET", "/")
        self.assertEqual(server.stop(), 0)
        self.assertConsistent()
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": 23})

    def test_port_in_use_exits_1_naming_the_address(self):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            addr = "127.0.0.1:%d" % s.getsockname()[1]
            r = self.kith.run("serve", "--http", addr, "--https", "", "--ldap", "",
                              "--ldaps", "", timeout=20)
        self.assertEqual(r.rc, 1, r)
        self.assertIn(addr, r.err)

    def test_bad_listen_address_is_a_usage_error(self):
        r = self.kith.run("serve", "--http", "localhost:http", "--https", "", "--ldap", "",
                          "--ldaps", "", timeout=20)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("localhost:http", r.err)

    def test_basic_auth_follows_user_passwd(self):
        server = self.kith.serve()
        path = "/dav/addressbooks/alice/"

        def status(password):
            return server.request("PROPFIND", path, headers={"Depth": "0"},
                                  auth=("alice", password))[0]

        self.assertEqual(status("wrong-pw"), 401)
        self.assertNotEqual(status("first-pw"), 401)
        r = self.kith.run("user", "passwd", "alice", "--password-stdin", stdin="second-pw\n")
        self.assertOk(r)
        self.assertEqual(status("first-pw"), 401)
        self.assertNotEqual(status("second-pw"), 401)
        self.assertEqual(server.stop(), 0)

    def test_deleted_user_is_refused_by_a_running_server(self):
        server = self.kith.serve()

        def status():
            return server.request("PROPFIND", "/dav/addressbooks/alice/",
                                  headers={"Depth": "0"}, auth=("alice", "first-pw"))[0]

        self.assertNotEqual(status(), 401)
        self.assertOk(self.kith.run("user", "del", "alice"))
        self.assertEqual(status(), 401)
        self.assertEqual(server.stop(), 0)

    def test_unauthenticated_dav_request_is_challenged(self):
        server = self.kith.serve()
        status, headers, _ = server.request("PROPFIND", "/dav/addressbooks/alice/",
                                            headers={"Depth": "0"})
        self.assertEqual(status, 401)
        self.assertIn("basic", headers.get("www-authenticate", "").lower())


class TestHttps(KithTestCase):

    def test_first_start_creates_a_self_signed_certificate(self):
        cert = os.path.join(self.kith.data, "tls", "cert.pem")
        self.kith.add_user("alice")
        self.assertFalse(os.path.exists(cert))
        server = self.kith.serve(https=True)
        self.assertTrue(os.path.exists(cert))
        self.assertTrue(os.path.exists(os.path.join(self.kith.data, "tls", "key.pem")))
        # The log names the fingerprint so a user can compare it with the client's.
        fp = cert_fingerprint(cert)
        self.assertIn(fp, server.log())
        status, _, body = server.request("GET", "/", tls=True)
        self.assertEqual(status, 200)
        self.assertIn(b"Kith", body)
        self.assertEqual(server.stop(), 0, server.log())

        # A second start keeps the certificate clients have already accepted.
        server = self.kith.serve(https=True)
        self.assertEqual(cert_fingerprint(cert), fp)
        self.assertEqual(server.stop(), 0)

    def test_key_file_is_private(self):
        server = self.kith.serve(https=True)
        mode = os.stat(os.path.join(self.kith.data, "tls", "key.pem")).st_mode
        self.assertEqual(mode & 0o077, 0, "key.pem is readable by group or others: %o" % mode)
        server.stop()

    def test_openssl_s_client_connects_with_tls_1_2_and_newer(self):
        server = self.kith.serve(https=True)
        rc, out = s_client(server.https_port)
        self.assertEqual(rc, 0, out)
        self.assertRegex(out, r"Protocol version: TLSv1\.[23]")
        rc, out = s_client(server.https_port, "-tls1_2")
        self.assertEqual(rc, 0, out)
        self.assertIn("Protocol version: TLSv1.2", out)
        self.assertEqual(server.stop(), 0)

    def test_tls_1_1_is_refused(self):
        server = self.kith.serve(https=True)
        # SECLEVEL=0 lets the client offer TLS 1.1; the server must still say no.
        rc, out = s_client(server.https_port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        self.assertNotEqual(rc, 0, out)
        self.assertNotIn("CONNECTION ESTABLISHED", out)
        self.assertEqual(server.stop(), 0)

    def test_plain_http_on_the_tls_port_does_not_hang_the_server(self):
        server = self.kith.serve(https=True)
        try:
            http_request(server.https_port, "GET", "/", timeout=5)
        except Exception:
            pass  # any failure is fine; the server must stay up
        status, _, _ = server.request("GET", "/", tls=True)
        self.assertEqual(status, 200)
        self.assertEqual(server.stop(), 0)


class TestBackupWhileServing(KithTestCase):

    def test_backup_of_a_running_server_has_the_same_books(self):
        self.kith.add_user("alice")
        self.kith.add_user("bob")
        self.assertOk(self.kith.run("book", "add", "alice/big"))
        self.assertOk(self.kith.import_cards("alice/contacts", DEMO_VCF))
        cards = gen_cards(self.kith.path("cards.vcf"), 2000, seed=5, photos=10)
        self.assertOk(self.kith.import_cards("alice/big", cards))
        before = self.kith.book_counts()

        server = self.kith.serve()
        self.assertEqual(server.request("GET", "/")[0], 200)
        copy = self.kith.path("backup")
        r = self.kith.run("backup", copy)
        self.assertOk(r)
        self.assertIn(copy, r.out)
        self.assertEqual(server.request("GET", "/")[0], 200, "server stopped answering")
        self.assertEqual(server.stop(), 0, server.log())

        self.assertConsistent(data=copy)
        self.assertEqual(self.kith.book_counts(data=copy), before)
        self.assertEqual(before, {"alice/contacts": 23, "alice/big": 2000, "bob/contacts": 0})
        users = self.kith.run("user", "list", data=copy)
        self.assertOk(users)
        self.assertEqual(sorted(l.split("\t")[0] for l in users.out.splitlines()),
                         ["alice", "bob"])
        r1, original = self.kith.export("alice/big", "vcard4")
        r2, restored = self.kith.export("alice/big", "vcard4", data=copy)
        self.assertOk(r1)
        self.assertOk(r2)
        self.assertEqual(len(split_cards(restored)), 2000)
        self.assertEqual(restored, original)

    def test_backup_keeps_passwords_usable(self):
        self.kith.add_user("alice", "alice-pw")
        copy = self.kith.path("backup")
        self.assertOk(self.kith.run("backup", copy))
        server = self.kith.serve(data=copy)
        status = server.request("PROPFIND", "/dav/addressbooks/alice/", headers={"Depth": "0"},
                                auth=("alice", "alice-pw"))[0]
        self.assertNotEqual(status, 401)
        self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    unittest.main()
