"""The `kith` command line as a user meets it: help, usage errors, configuration checks.

Exit status contract (issue 2): 0 ok, 1 error, 2 usage.
"""
import os
import re
import unittest

from kith_harness import SRC, KithTestCase

SHIPPED_CONF = os.path.join(SRC, "conf", "kith.conf")


class TestHelp(KithTestCase):

    def commands(self):
        """The command names `kith --help` lists under "commands:"."""
        r = self.kith.run("--help", data=False)
        self.assertOk(r)
        names = []
        listing = r.out.split("commands:", 1)[1] if "commands:" in r.out else ""
        for line in listing.splitlines():
            m = re.match(r"^\s+([a-z][a-z-]*)\s{2,}\S", line)
            if m:
                names.append(m.group(1))
        return names

    def test_global_help_prints_usage_and_lists_the_commands(self):
        r = self.kith.run("--help", data=False)
        self.assertOk(r)
        self.assertIn("usage: kith", r.out)
        names = self.commands()
        for name in ("serve", "user", "book", "import", "export", "check", "backup"):
            self.assertIn(name, names)

    def test_short_h_is_help_too(self):
        r = self.kith.run("-h", data=False)
        self.assertOk(r)
        self.assertIn("usage: kith", r.out)

    def test_every_command_has_help_with_usage_on_stdout(self):
        for name in self.commands():
            with self.subTest(command=name):
                r = self.kith.run(name, "--help")
                self.assertOk(r)
                self.assertTrue("usage" in r.out.lower(), "kith %s --help: %r" % (name, r))
                self.assertIn(name, r.out, "kith %s --help does not name itself" % name)

    def test_help_does_not_create_a_store(self):
        for name in ("serve", "user", "book", "import", "export", "check", "backup"):
            self.kith.run(name, "--help")
        self.assertFalse(os.path.exists(self.kith.data) and os.listdir(self.kith.data),
                         "--help wrote into the data directory")


class TestUsageErrors(KithTestCase):

    def test_no_command_is_a_usage_error(self):
        r = self.kith.run()
        self.assertExit(r, 2)
        self.assertIn("usage", r.err.lower())

    def test_unknown_command_exits_2_and_names_it(self):
        r = self.kith.run("frobnicate")
        self.assertExit(r, 2)
        self.assertIn("frobnicate", r.err)

    def test_unknown_global_option_exits_2(self):
        r = self.kith.run("--frobnicate", "check", data=False)
        self.assertExit(r, 2)
        self.assertIn("frobnicate", r.err)

    def test_unknown_option_of_each_command_exits_2(self):
        for cmd in (["serve"], ["user", "list"], ["book", "list"], ["import"], ["export"],
                    ["check"], ["backup"]):
            with self.subTest(command=cmd[0]):
                r = self.kith.run(*cmd, "--no-such-option")
                self.assertExit(r, 2)
                self.assertEqual(r.out, "", "usage errors go to stderr")

    def test_missing_arguments_are_usage_errors(self):
        cases = [
            ["import", "--into", "alice/contacts"],          # no FILE
            ["import", os.path.join(self.tmp, "x.vcf")],     # no --into
            ["export", "--from", "alice/contacts"],          # no --format
            ["export", "--from", "alice/contacts", "--format", "vcard5"],
            ["user", "add"],
            ["user", "frob", "alice"],
            ["book", "add"],
            ["backup"],
        ]
        for args in cases:
            with self.subTest(args=args):
                self.assertExit(self.kith.run(*args), 2)

    def test_malformed_book_argument_is_a_usage_error(self):
        self.kith.add_user("alice")
        for arg in ("alice", "alice/", "/contacts", "alice/contacts/extra"):
            with self.subTest(book=arg):
                r = self.kith.run("export", "--from", arg, "--format", "vcard4")
                self.assertExit(r, 2)
                self.assertIn("USER/BOOK", r.err)


class TestCheckConfig(KithTestCase):

    def write_conf(self, transform):
        """A copy of the shipped config with transform(lines) applied; (path, lines)."""
        with open(SHIPPED_CONF, encoding="utf-8") as f:
            lines = f.read().split("\n")
        lines = transform(lines)
        path = self.kith.path("typo.conf")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        return path, lines

    def test_shipped_config_is_valid(self):
        r = self.kith.run("serve", "--check-config", global_args=["--config", SHIPPED_CONF])
        self.assertOk(r)

    def test_shipped_config_documents_every_key_config_help_lists(self):
        r = self.kith.run("config-help", data=False)
        self.assertOk(r)
        with open(SHIPPED_CONF, encoding="utf-8") as f:
            conf = f.read()
        keys = set(re.findall(r"^\s*([a-z_]+)\s*=", conf, re.M))
        listed = set(re.findall(r"^([a-z][a-z_]*[a-z])\s*=", r.out, re.M))
        self.assertTrue(listed, "config-help printed no 'key =' lines: %r" % r.out[:500])
        self.assertEqual(sorted(listed - keys), [], "keys missing from conf/kith.conf")

    def find_line(self, lines, pattern):
        for i, line in enumerate(lines):
            if re.match(pattern, line):
                return i
        self.fail("no line matching %r in the shipped config" % pattern)

    def test_misspelt_key_exits_1_naming_file_and_line(self):
        holder = {}

        def typo(lines):
            i = self.find_line(lines, r"^log_level\s*=")
            lines[i] = lines[i].replace("log_level", "log_levle")
            holder["line"] = i + 1
            return lines

        path, _ = self.write_conf(typo)
        r = self.kith.run("serve", "--check-config", global_args=["--config", path])
        self.assertExit(r, 1)
        self.assertIn("%s:%d" % (path, holder["line"]), r.err)
        self.assertIn("log_levle", r.err)

    def test_bad_value_exits_1_naming_file_and_line(self):
        holder = {}

        def bad(lines):
            i = self.find_line(lines, r"^max_connections\s*=")
            lines[i] = "max_connections = lots"
            holder["line"] = i + 1
            return lines

        path, _ = self.write_conf(bad)
        r = self.kith.run("serve", "--check-config", global_args=["--config", path])
        self.assertExit(r, 1)
        self.assertIn("%s:%d" % (path, holder["line"]), r.err)

    def test_missing_config_file_exits_1_naming_it(self):
        path = self.kith.path("nowhere.conf")
        r = self.kith.run("serve", "--check-config", global_args=["--config", path])
        self.assertExit(r, 1)
        self.assertIn(path, r.err)

    def test_config_error_stops_every_command_not_only_serve(self):
        path, _ = self.write_conf(lambda lines: lines + ["[server]", "no_such_key = 1"])
        r = self.kith.run("check", global_args=["--config", path])
        self.assertExit(r, 1)
        self.assertIn("no_such_key", r.err)


if __name__ == "__main__":
    unittest.main()
