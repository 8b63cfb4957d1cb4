"""Integration: `kith serve` with its LDAP listeners, driven as real clients drive it.

Starts the real binary with --ldap and --ldaps on free loopback ports over a store holding
the demo company (scripts/demo/example-ltd.vcf) plus a few cards of our own, then speaks
LDAP with ldapsearch/ldapwhoami (ldap-utils), python3-ldap3 and python3-ldap, sending the
filters, attributes and controls of Thunderbird, Outlook, iOS, macOS, Evolution, desk
phones (Yealink, Snom, Grandstream, Polycom) and schema browsers (CLIENTS.md Part B), and
throws bad PDUs at it. [phone] country_code is 49, trunk 0 (the defaults).
"""
import os
import socket
import ssl
import struct
import subprocess
import sys
import time
import unittest

import kith_harness as kh

try:
    import ldap3
    from ldap3.core.exceptions import LDAPException
except ImportError:  # pragma: no cover
    ldap3 = None
try:
    import ldap
    from ldap.controls import SimplePagedResultsControl
    from ldap.controls.vlv import VLVRequestControl
    from ldap.controls.sss import SSSRequestControl
except ImportError:  # pragma: no cover
    ldap = None

SUFFIX = "dc=example,dc=com"
PW = "secret-" + "pw"
USER_DN = "uid=alice,ou=Users," + SUFFIX
ANNA = "5f0c1a2b-0000-4000-8000-0000000000a1"
EVE = "5f0c1a2b-0000-4000-8000-0000000000e5"

CARDS = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:%s\r\nFN:Anna Müller\r\nN:Müller;Anna;;;\r\n"
    "ORG:Spreewerk KG;Einkauf\r\nTITLE:Einkäuferin\r\nEMAIL;TYPE=work:anna.mueller@spreewerk.example\r\n"
    "TEL;TYPE=work:030 9117-0000\r\nTEL;TYPE=cell:0171 5551234\r\n"
    "ADR;TYPE=work:;;Hauptstr. 1;Berlin;;10115;Deutschland\r\n"
    "PHOTO:data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAP//////////////////////////w==\r\n"
    "END:VCARD\r\n" % ANNA)
PRIVATE = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:%s\r\nFN:Eve Hidden\r\nN:Hidden;Eve;;;\r\n"
           "TEL;TYPE=work:030 5550000\r\nEND:VCARD\r\n" % EVE)


def ldapsearch(port, *args, uri=None, bind=True, env=None):
    cmd = ["ldapsearch", "-x", "-LLL", "-o", "ldif-wrap=no", "-H",
           uri or "ldap://127.0.0.1:%d" % port]
    if bind:
        cmd += ["-D", USER_DN, "-w", PW]
    cmd += list(args)
    e = dict(os.environ, LDAPTLS_REQCERT="never", **(env or {}))
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=e, timeout=60)


@unittest.skipIf(ldap3 is None or ldap is None, "needs python3-ldap3 and python3-ldap")
class LdapClients(kh.KithTestCase):
    def setUp(self):
        super().setUp()
        k = self.kith
        k.add_user("alice", PW)
        k.add_user("bob", PW)
        self.assertOk(k.import_cards("alice/contacts", kh.DEMO_VCF))
        own = k.path("own.vcf")
        with open(own, "w", encoding="utf-8", newline="") as f:
            f.write(CARDS)
        self.assertOk(k.import_cards("alice/contacts", own))
        priv = k.path("private.vcf")
        with open(priv, "w", encoding="utf-8", newline="") as f:
            f.write(PRIVATE)
        self.assertOk(k.import_cards("bob/contacts", priv))
        self.ldap_port = kh.free_port()
        self.ldaps_port = kh.free_port()
        self.server = k.serve(extra_args=["--ldap", "127.0.0.1:%d" % self.ldap_port,
                                          "--ldaps", "127.0.0.1:%d" % self.ldaps_port])
        self.assertTrue(kh.wait_for_port(self.ldap_port, self.server.proc))
        self.assertTrue(kh.wait_for_port(self.ldaps_port, self.server.proc))

    def conn3(self, user=USER_DN, pw=PW, info=ldap3.NONE):
        s = ldap3.Server("127.0.0.1", port=self.ldap_port, get_info=info)
        c = ldap3.Connection(s, user, pw, auto_bind=True, raise_exceptions=False)
        self.addCleanup(c.unbind)
        return c

    def names(self, c):
        return sorted(str(e.cn) if "cn" in e else e.entry_dn for e in c.entries)

    # ---------------------------------------------------------------- clients

    def test_thunderbird_autocomplete_and_offline_download(self):
        c = self.conn3()
        attrs = ["cn", "givenName", "sn", "mail", "telephoneNumber", "mobile", "o", "ou",
                 "title", "l", "postalCode", "labeledURI", "description", "jpegPhoto"]
        c.search(SUFFIX, "(|(cn=ann*mü*)(mail=ann*mü*)(sn=ann*mü*))", attributes=attrs,
                 size_limit=100)
        self.assertEqual(self.names(c), ["Anna Müller"])
        e = c.entries[0]
        self.assertEqual(str(e.l), "Berlin")
        self.assertEqual(bytes(e.jpegPhoto.value)[:2], b"\xff\xd8")
        c.search(SUFFIX, "(|(cn=*ller*)(mail=*ller*)(sn=*ller*))", attributes=attrs)
        self.assertIn("Anna Müller", self.names(c))
        # Offline replication: one search, sizeLimit 0, everything visible.
        c.search(SUFFIX, "(objectClass=*)", attributes=attrs, size_limit=0)
        self.assertEqual(c.result["result"], 0)
        dns = [e.entry_dn for e in c.entries]
        self.assertIn("uid=%s,ou=People,%s" % (ANNA, SUFFIX), dns)
        self.assertNotIn("uid=%s,ou=People,%s" % (EVE, SUFFIX), dns)

    def test_outlook_default_filter_and_aliases(self):
        c = self.conn3()
        c.search(SUFFIX, "(&(mail=*)(|(mail=anna*)(|(cn=anna*)(|(sn=anna*)(givenName=anna*)))))",
                 attributes=["cn", "mail", "company", "department", "ipPhone", "title"])
        self.assertEqual(self.names(c), ["Anna Müller"])
        e = c.entries[0]
        self.assertEqual(str(e.company), "Spreewerk KG")
        self.assertEqual(str(e.department), "Einkauf")
        self.assertEqual(str(e.ipPhone), "030 9117-0000")

    def test_ios_and_macos_searches(self):
        c = self.conn3()
        c.search(SUFFIX, "(|(o=anna*)(cn=anna*)(ou=anna*)(sn=anna*)(mail=anna*)(IMHandle=anna*)"
                 "(givenname=anna*)(postalAddress=anna*)(telephoneNumber=anna*))",
                 attributes=["cn"])
        self.assertEqual(self.names(c), ["Anna Müller"])
        # macOS: empty base, subtree scope.
        c.search("", "(|(givenname=anna)(sn=anna)(cn=anna)(mail=anna))",
                 attributes=["givenName", "sn", "cn", "mail"], time_limit=30)
        self.assertEqual(c.result["result"], 0)
        self.assertEqual(self.names(c), ["Anna Müller"])

    def test_desk_phone_name_number_and_caller_id(self):
        c = self.conn3()
        for number in ("030 9117-0000", "+49 30 91170000", "03091170000", "4930911*"):
            c.search(SUFFIX, "(|(telephoneNumber=%s)(mobile=%s)(ipPhone=%s))"
                     % ((number,) * 3), attributes=["cn", "telephoneNumber"])
            self.assertIn("Anna Müller", self.names(c), number)
        c.search(SUFFIX, "(&(telephoneNumber=*)(sn=Müll*))", attributes=["displayName"])  # Snom
        self.assertIn("Anna Müller", [str(e.displayName) for e in c.entries])
        c.search(SUFFIX, "(&(telephoneNumber=+49 171 5551234)(sn=*))", attributes=["cn"])
        self.assertEqual(self.names(c), [])  # the cell number is mobile, not telephoneNumber
        c.search(SUFFIX, "(|(telephoneNumber=+49 171 5551234)(Mobile=+49 171 5551234))",
                 attributes=["cn", "sn", "telephoneNumber", "Mobile"])  # Grandstream
        self.assertEqual(self.names(c), ["Anna Müller"])
        c.search(SUFFIX, "(telephoneNumber=foo*)", attributes=["cn"])  # iOS radar: cheap FALSE
        self.assertEqual((c.result["result"], len(c.entries)), (0, 0))
        c.search(SUFFIX, "(telephoneNumber=030 5550000)", attributes=["cn"])
        self.assertEqual(self.names(c), [])  # Eve is in bob's private book

    def test_yealink_v2_bind(self):
        l = ldap.initialize("ldap://127.0.0.1:%d" % self.ldap_port)
        l.protocol_version = 2
        l.simple_bind_s("alice", PW)
        r = l.search_s(SUFFIX, ldap.SCOPE_SUBTREE, "(|(cn=Anna*)(sn=Anna*))", ["cn"])
        self.assertEqual(len(r), 1)

    def test_evolution_paging(self):
        l = ldap.initialize("ldap://127.0.0.1:%d" % self.ldap_port)
        l.simple_bind_s(USER_DN, PW)
        seen, cookie, pages = [], b"", 0
        while True:
            ctrl = SimplePagedResultsControl(True, size=5, cookie=cookie)
            msgid = l.search_ext(SUFFIX, ldap.SCOPE_SUBTREE, "(cn=*)", ["cn"], serverctrls=[ctrl])
            _, data, _, ctrls = l.result3(msgid)
            seen += [dn for dn, _ in data]
            pages += 1
            cookie = [x for x in ctrls if x.controlType == ctrl.controlType][0].cookie
            if not cookie:
                break
        self.assertGreater(pages, 2)
        self.assertEqual(len(seen), len(set(seen)))
        all_ = l.search_s(SUFFIX, ldap.SCOPE_SUBTREE, "(cn=*)", ["cn"])
        self.assertEqual(sorted(seen), sorted(dn for dn, _ in all_))

    def test_polycom_vlv_with_sort_on_cn(self):
        l = ldap.initialize("ldap://127.0.0.1:%d" % self.ldap_port)
        l.simple_bind_s(USER_DN, PW)
        sss = SSSRequestControl(True, ["cn"])
        vlv = VLVRequestControl(True, before_count=0, after_count=2, offset=1, content_count=0)
        msgid = l.search_ext(SUFFIX, ldap.SCOPE_SUBTREE, "(objectclass=person)", ["cn"],
                             serverctrls=[sss, vlv])
        _, data, _, ctrls = l.result3(msgid)
        names = [d[1]["cn"][0].decode() for d in data]
        self.assertEqual(len(names), 3)
        self.assertEqual(names, sorted(names, key=str.casefold))
        vlv = VLVRequestControl(True, before_count=0, after_count=0, greater_than_or_equal="m")
        msgid = l.search_ext(SUFFIX, ldap.SCOPE_SUBTREE, "(objectclass=person)", ["cn"],
                             serverctrls=[sss, vlv])
        _, data, _, _ = l.result3(msgid)
        self.assertGreaterEqual(data[0][1]["cn"][0].decode().casefold(), "m")
        # VLV without sort: sortControlMissing (60).
        msgid = l.search_ext(SUFFIX, ldap.SCOPE_SUBTREE, "(objectclass=person)", ["cn"],
                             serverctrls=[VLVRequestControl(True, 0, 1, offset=1, content_count=0)])
        with self.assertRaises(ldap.LDAPError) as cm:
            l.result3(msgid)
        self.assertEqual(cm.exception.args[0]["result"], 60)

    def test_schema_browser_reads_root_dse_and_subschema(self):
        c = self.conn3(info=ldap3.ALL)
        info = c.server.info
        self.assertEqual(info.naming_contexts, [SUFFIX])
        self.assertIn("1.2.840.113556.1.4.319", [x[0] for x in info.supported_controls])
        self.assertIn("1.3.6.1.4.1.1466.20037", [x[0] for x in info.supported_extensions])
        self.assertEqual(info.vendor_name, ["Kith"])
        schema = c.server.schema
        self.assertIn("crmEntity", schema.object_classes)
        self.assertIn("telephoneNumber", schema.attribute_types)
        r = ldapsearch(self.ldap_port, "-b", "", "-s", "base", "+")
        self.assertIn("namingContexts: " + SUFFIX, r.stdout)

    # ---------------------------------------------------------------- operations

    def test_whoami_starttls_and_ldaps(self):
        env = dict(os.environ, LDAPTLS_REQCERT="never")
        r = subprocess.run(["ldapwhoami", "-x", "-ZZ", "-H", "ldap://127.0.0.1:%d" % self.ldap_port,
                            "-D", USER_DN, "-w", PW], stdout=subprocess.PIPE, text=True, env=env)
        self.assertEqual(r.stdout.strip(), "dn:" + USER_DN)
        r = subprocess.run(["ldapwhoami", "-x", "-H", "ldaps://127.0.0.1:%d" % self.ldaps_port,
                            "-D", "alice", "-w", PW], stdout=subprocess.PIPE, text=True, env=env)
        self.assertEqual(r.stdout.strip(), "dn:" + USER_DN)
        r = ldapsearch(self.ldap_port, "-ZZ", "-b", SUFFIX, "(sn=Müller)", "cn")
        self.assertIn("uid=%s" % ANNA, r.stdout)
        s = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.ldaps_port,
                            "-brief"], input="", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=30)
        self.assertIn("CONNECTION ESTABLISHED", s.stdout)
        s = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.ldap_port,
                            "-starttls", "ldap", "-brief"], input="", stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertIn("CONNECTION ESTABLISHED", s.stdout)

    def test_bind_policy(self):
        r = ldapsearch(self.ldap_port, "-D", USER_DN, "-w", "wrong", "-b", SUFFIX, bind=False)
        self.assertIn("Invalid credentials (49)", r.stderr)
        r = ldapsearch(self.ldap_port, "-b", SUFFIX, bind=False)
        self.assertIn("(48)", r.stderr)  # anonymous off by default
        for name in ("alice", "uid=alice,ou=users,DC=example,dc=com"):
            r = ldapsearch(self.ldap_port, "-D", name, "-w", PW, "-b", SUFFIX, "(sn=Müller)",
                           "cn", bind=False)
            self.assertEqual(r.returncode, 0, r.stderr)

    def test_password_change_applies_to_the_next_bind(self):
        # The first bind fills the bind cache; the change must not wait for it to expire.
        r = ldapsearch(self.ldap_port, "-b", SUFFIX, "(sn=Müller)", "cn")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertOk(self.kith.run("user", "passwd", "alice", "--password-stdin",
                                    stdin="a-new-password\n"))
        r = ldapsearch(self.ldap_port, "-b", SUFFIX, "(sn=Müller)", "cn")
        self.assertIn("Invalid credentials (49)", r.stderr)
        r = ldapsearch(self.ldap_port, "-D", USER_DN, "-w", "a-new-password", "-b", SUFFIX,
                       "(sn=Müller)", "cn", bind=False)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_read_only_compare_limits_and_critical_controls(self):
        c = self.conn3()
        dn = "uid=%s,ou=People,%s" % (ANNA, SUFFIX)
        self.assertTrue(c.compare(dn, "sn", "MÜLLER"))
        self.assertFalse(c.compare(dn, "sn", "Meier"))
        c.modify(dn, {"sn": [(ldap3.MODIFY_REPLACE, ["x"])]})
        self.assertEqual(c.result["result"], 53)
        c.delete(dn)
        self.assertEqual(c.result["result"], 53)
        c.search(SUFFIX, "(objectClass=person)", attributes=["cn"], size_limit=3)
        self.assertEqual((len(c.entries), c.result["result"]), (3, 4))
        c.search(SUFFIX, "(cn=*)", attributes=["cn"], controls=[("1.2.3.4.5", True, None)])
        self.assertEqual(c.result["result"], 12)
        c.search("ou=Nowhere," + SUFFIX, "(cn=*)")
        self.assertEqual((c.result["result"], c.result["dn"]), (32, SUFFIX))
        c.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["*", "+"])
        e = c.entries[0]
        self.assertEqual(str(e.entryUUID), ANNA)
        self.assertTrue(str(e.createTimestamp))
        self.assertNotIn("userPassword", e.entry_attributes)
        c.search("uid=alice,ou=Users," + SUFFIX, "(objectClass=*)", search_scope=ldap3.BASE,
                 attributes=["*"])
        self.assertNotIn("userPassword", c.entries[0].entry_attributes)

    def test_live_consistency_import_while_serving(self):
        c = self.conn3()
        c.search(SUFFIX, "(sn=Zwölfer)", attributes=["cn"])
        self.assertEqual(len(c.entries), 0)
        card = self.kith.path("new.vcf")
        with open(card, "w", encoding="utf-8", newline="") as f:
            f.write("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:5f0c1a2b-0000-4000-8000-0000000000f1"
                    "\r\nFN:Zoë Zwölfer\r\nN:Zwölfer;Zoë;;;\r\nTEL:0351 1234567\r\nEND:VCARD\r\n")
        self.assertOk(self.kith.import_cards("alice/contacts", card))
        c.search(SUFFIX, "(|(sn=Zwölfer)(telephoneNumber=+49 351 1234567))", attributes=["cn"])
        self.assertEqual(self.names(c), ["Zoë Zwölfer"])

    # ---------------------------------------------------------------- bad input

    def raw(self, data, wait=1.0):
        s = socket.create_connection(("127.0.0.1", self.ldap_port), timeout=5)
        s.sendall(data)
        s.settimeout(wait)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except socket.timeout:
            pass
        s.close()
        return got

    def test_bad_pdus_disconnect_while_others_carry_on(self):
        other = self.conn3()
        bad = {
            "truncated": bytes.fromhex("3010020102"),
            "indefinite": bytes.fromhex("3080020101") + b"\0\0",
            "2^31 length": bytes.fromhex("308480000000020101"),
            "garbage after message": bytes.fromhex("300c020101600702010304008000") + b"\xffgarbage",
            "not a sequence": b"GET / HTTP/1.0\r\n\r\n",
        }
        # A filter nested 10,000 deep: (!(!(!...(cn=x)...)))
        inner = bytes.fromhex("a3060402636e040178")
        f = inner
        for _ in range(10000):
            f = b"\xa2" + ber_len(len(f)) + f
        req = (bytes.fromhex("020102") + b"\x63" + ber_len(len(body(f))) + body(f))
        bad["10000-deep filter"] = b"\x30" + ber_len(len(req)) + req
        for name, pdu in bad.items():
            got = self.raw(pdu, wait=1.5)
            if name == "truncated":
                continue  # waits for the rest; the idle timeout ends it
            self.assertIn(b"1.3.6.1.4.1.1466.20036", got, name)  # Notice of Disconnection
            other.search(SUFFIX, "(cn=Anna Müller)", attributes=["cn"])
            self.assertEqual(self.names(other), ["Anna Müller"], name)
        self.assertIsNone(self.server.proc.poll())


def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def body(filt):
    base = b"\x04\x00"
    return (base + bytes.fromhex("0a0102") + bytes.fromhex("0a0100") + bytes.fromhex("020100")
            + bytes.fromhex("020100") + bytes.fromhex("010100") + filt + b"\x30\x00")


if __name__ == "__main__":
    unittest.main(verbosity=2)
