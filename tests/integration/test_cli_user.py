"""`kith user add|list|passwd|del` and `kith book add|list` as an administrator uses them."""
import unittest

from kith_harness import KithTestCase


class TestUsers(KithTestCase):

    def users(self):
        r = self.kith.run("user", "list")
        self.assertOk(r)
        return [line.split("\t")[0] for line in r.out.splitlines() if line.strip()]

    def test_empty_store_lists_no_users(self):
        self.assertEqual(self.users(), [])

    def test_add_then_list_shows_the_user_with_email(self):
        r = self.kith.run("user", "add", "alice", "--email", "alice@example.com",
                          "--password-stdin", stdin="pw-alice\n")
        self.assertOk(r)
        self.assertIn("alice", r.out)
        r = self.kith.run("user", "list")
        self.assertOk(r)
        self.assertIn("alice", self.users())
        self.assertIn("alice@example.com", r.out)

    def test_new_user_gets_the_contacts_book(self):
        self.kith.add_user("alice")
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": 0})
        self.assertConsistent()

    def test_duplicate_user_exits_1_and_keeps_the_first(self):
        self.kith.add_user("alice")
        r = self.kith.run("user", "add", "alice", "--password-stdin", stdin="other\n")
        self.assertExit(r, 1)
        self.assertIn("alice", r.err)
        self.assertIn("exists", r.err)
        self.assertEqual(self.users(), ["alice"])
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": 0})
        self.assertConsistent()

    def test_bad_user_names_exit_1_and_add_nothing(self):
        for name in ("Alice", "bob smith", "eve/evil", "../x", "caf\u00e9", "..", "x" * 300):
            with self.subTest(name=name[:20]):
                r = self.kith.run("user", "add", name, "--password-stdin", stdin="pw\n")
                self.assertExit(r, 1)
                self.assertIn("name", r.err)
        self.assertEqual(self.users(), [])
        self.assertConsistent()

    def test_add_without_password_on_stdin_exits_1(self):
        r = self.kith.run("user", "add", "alice", "--password-stdin", stdin="")
        self.assertExit(r, 1)
        self.assertIn("password", r.err)
        self.assertEqual(self.users(), [])

    def test_add_without_a_terminal_or_password_stdin_exits_1(self):
        r = self.kith.run("user", "add", "alice", stdin="pw\n")
        self.assertExit(r, 1)
        self.assertIn("--password-stdin", r.err)
        self.assertEqual(self.users(), [])

    def test_passwd_of_existing_user_succeeds(self):
        self.kith.add_user("alice")
        r = self.kith.run("user", "passwd", "alice", "--password-stdin", stdin="new-pw\n")
        self.assertOk(r)
        self.assertConsistent()

    def test_passwd_of_unknown_user_exits_1(self):
        r = self.kith.run("user", "passwd", "nobody", "--password-stdin", stdin="pw\n")
        self.assertExit(r, 1)
        self.assertIn("nobody", r.err)

    def test_del_removes_the_user_and_their_books(self):
        self.kith.add_user("alice")
        self.kith.add_user("bob")
        self.assertOk(self.kith.run("book", "add", "alice/clients"))
        r = self.kith.run("user", "del", "alice")
        self.assertOk(r)
        self.assertEqual(self.users(), ["bob"])
        self.assertEqual(self.kith.book_counts(), {"bob/contacts": 0})
        self.assertConsistent()

    def test_del_of_unknown_user_exits_1(self):
        r = self.kith.run("user", "del", "nobody")
        self.assertExit(r, 1)
        self.assertIn("nobody", r.err)

    def test_deleted_name_can_be_added_again(self):
        self.kith.add_user("alice")
        self.assertOk(self.kith.run("user", "del", "alice"))
        self.kith.add_user("alice")
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": 0})
        self.assertConsistent()


class TestBooks(KithTestCase):

    def test_book_add_then_list(self):
        self.kith.add_user("alice")
        r = self.kith.run("book", "add", "alice/clients", "--name", "Clients 2024")
        self.assertOk(r)
        r = self.kith.run("book", "list", "alice")
        self.assertOk(r)
        self.assertIn("Clients 2024", r.out)
        self.assertEqual(self.kith.book_counts("alice"), {"alice/clients": 0, "alice/contacts": 0})

    def test_book_list_without_user_lists_everyones(self):
        self.kith.add_user("alice")
        self.kith.add_user("bob")
        self.assertEqual(self.kith.book_counts(), {"alice/contacts": 0, "bob/contacts": 0})

    def test_book_for_unknown_user_exits_1(self):
        r = self.kith.run("book", "add", "nobody/clients")
        self.assertExit(r, 1)
        self.assertIn("nobody", r.err)
        self.assertEqual(self.kith.book_counts(), {})

    def test_duplicate_book_exits_1(self):
        self.kith.add_user("alice")
        r = self.kith.run("book", "add", "alice/contacts")
        self.assertExit(r, 1)
        self.assertIn("exists", r.err)

    def test_bad_book_name_exits_1(self):
        self.kith.add_user("alice")
        for slug in ("with space", "..", "a:b"):
            with self.subTest(slug=slug):
                r = self.kith.run("book", "add", "alice/" + slug)
                self.assertExit(r, 1)
        self.assertEqual(self.kith.book_counts("alice"), {"alice/contacts": 0})


if __name__ == "__main__":
    unittest.main()
