"""The assignment scenario of issue 5 end to end with two different clients: alice uses
python3-caldav, bob sends raw HTTP PUTs the way DAVx5 with tasks.org does (If-Match, only
STATUS/PERCENT-COMPLETE touched). Also SCHEDULE-AGENT=CLIENT, external attendees,
Schedule-Tag / If-Schedule-Tag-Match, an invitation to a meeting, free/busy by POST."""
import re
import unittest

import caldav

from caldav_util import (PW, Dav, add_users, comp, components, new_uid, prop, prop_line,
                         unfold_lines, vcal)
from kith_harness import KithTestCase


class ScheduleTest(KithTestCase):
    def setUp(self):
        super().setUp()
        add_users(self.kith, "alice", "bob", "carol")
        self.server = self.kith.serve()
        url = "http://127.0.0.1:%d/" % self.server.http_port
        self.alice = caldav.DAVClient(url, username="alice", password=PW).principal()
        self.bob = Dav(self.server, "bob")

    def alice_tasks(self):
        return [c for c in self.alice.calendars() if str(c.url).rstrip("/").endswith("/tasks")][0]

    def bob_copy(self, coll, uid):
        """(href, etag, text) of bob's object with uid in coll."""
        for href in self.bob.hrefs(coll):
            st, h, data = self.bob.get(href)
            if st == 200 and ("UID:" + uid).encode() in data:
                return href, h["etag"], data.decode()
        return None

    def assign(self, uid, attendees):
        lines = ["SUMMARY:Call Joe Bloggs back", "DUE:20260320T170000Z", "PRIORITY:1",
                 "STATUS:NEEDS-ACTION", "ORGANIZER;CN=Alice:mailto:alice@example.com"]
        lines += attendees
        return self.alice_tasks().save_todo(vcal(comp("VTODO", uid, *lines)))

    def test_assignment_round_trip(self):
        uid = new_uid()
        self.assign(uid, ["ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:"
                          "mailto:bob@example.com"])
        # Alice's copy says delivered (SCHEDULE-STATUS 1.2).
        mine = self.alice_tasks().todo_by_uid(uid).data
        self.assertRegex(prop_line(unfold_lines(mine), "ATTENDEE"), r"SCHEDULE-STATUS=\"?1\.2")
        # Bob's tasks collection and inbox have it.
        href, etag, text = self.bob_copy("/dav/calendars/bob/tasks/", uid)
        self.assertIn("SUMMARY:Call Joe Bloggs back", text)
        inbox = self.bob_copy("/dav/calendars/bob/inbox/", uid)
        self.assertIsNotNone(inbox)
        self.assertIn("METHOD:REQUEST", inbox[2])

        # Bob starts: tasks.org changes STATUS and PERCENT-COMPLETE only.
        started = text.replace("STATUS:NEEDS-ACTION", "STATUS:IN-PROCESS\r\nPERCENT-COMPLETE:40")
        st, h, _ = self.bob.put(href, started, {"If-Match": etag})
        self.assertEqual(st, 204)
        todo = components(self.alice_tasks().todo_by_uid(uid).data, "VTODO")[0]
        self.assertIn("PARTSTAT=IN-PROCESS", prop_line(todo, "ATTENDEE"))
        self.assertEqual(prop(todo, "STATUS"), "IN-PROCESS")
        self.assertEqual(prop(todo, "PERCENT-COMPLETE"), "40")

        # Bob finishes.
        href, etag, text = self.bob_copy("/dav/calendars/bob/tasks/", uid)
        done = re.sub(r"STATUS:IN-PROCESS", "STATUS:COMPLETED", text)
        done = done.replace("PERCENT-COMPLETE:40", "PERCENT-COMPLETE:100\r\nCOMPLETED:20260318T120000Z")
        st, _, _ = self.bob.put(href, done, {"If-Match": etag})
        self.assertEqual(st, 204)
        todo = components(self.alice_tasks().todo_by_uid(uid).data, "VTODO")[0]
        self.assertIn("PARTSTAT=COMPLETED", prop_line(todo, "ATTENDEE"))
        self.assertEqual(prop(todo, "STATUS"), "COMPLETED")
        self.assertEqual(prop(todo, "PERCENT-COMPLETE"), "100")
        self.assertEqual(prop(todo, "COMPLETED"), "20260318T120000Z")
        alice_inbox = Dav(self.server, "alice").hrefs("/dav/calendars/alice/inbox/")
        self.assertEqual(len(alice_inbox), 1)

    def test_delete_by_organizer_cancels_attendee_copy(self):
        uid = new_uid()
        self.assign(uid, ["ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com"])
        self.assertIsNotNone(self.bob_copy("/dav/calendars/bob/tasks/", uid))
        # Alice deletes it: bob's copy is cancelled, his inbox has the CANCEL.
        self.alice_tasks().todo_by_uid(uid).delete()
        _, _, text = self.bob_copy("/dav/calendars/bob/tasks/", uid)
        self.assertEqual(prop(components(text, "VTODO")[0], "STATUS"), "CANCELLED")
        self.assertIn("METHOD:CANCEL", self.bob_copy("/dav/calendars/bob/inbox/", uid)[2])

    def test_schedule_agent_client_and_external_attendees(self):
        uid = new_uid()
        self.assign(uid, ["ATTENDEE;SCHEDULE-AGENT=CLIENT:mailto:carol@example.com",
                          "ATTENDEE:mailto:joe@customer.example"])
        carol = Dav(self.server, "carol")
        self.assertEqual(carol.hrefs("/dav/calendars/carol/tasks/"), [])
        self.assertEqual(carol.hrefs("/dav/calendars/carol/inbox/"), [])
        lines = components(self.alice_tasks().todo_by_uid(uid).data, "VTODO")[0]
        ext = [l for l in lines if "joe@customer.example" in l][0]
        self.assertRegex(ext, r"SCHEDULE-STATUS=\"?5\.3")

    def test_schedule_tag_and_if_schedule_tag_match(self):
        alice = Dav(self.server, "alice")
        uid = new_uid()
        body = vcal(comp("VEVENT", uid, "DTSTART:20260310T090000Z", "DTEND:20260310T100000Z",
                         "SUMMARY:Meeting", "ORGANIZER:mailto:alice@example.com",
                         "ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com"))
        path = "/dav/calendars/alice/calendar/%s.ics" % uid
        st, h, _ = alice.put(path, body)
        self.assertEqual(st, 201)
        tag = h.get("schedule-tag")
        self.assertTrue(tag)
        # The meeting landed in bob's calendar.
        self.assertIsNotNone(self.bob_copy("/dav/calendars/bob/calendar/", uid))
        st, _, _ = alice.put(path, body.replace("Meeting", "Meeting 2"),
                             {"If-Schedule-Tag-Match": '"not-the-tag"'})
        self.assertEqual(st, 412)
        st, h2, _ = alice.put(path, body.replace("Meeting", "Meeting 2"),
                              {"If-Schedule-Tag-Match": tag})
        self.assertEqual(st, 204)
        self.assertNotEqual(h2.get("schedule-tag"), tag)
        # Bob accepts: alice's copy gets PARTSTAT, her Schedule-Tag stays.
        href, etag, text = self.bob_copy("/dav/calendars/bob/calendar/", uid)
        st, _, _ = self.bob.put(href, text.replace("PARTSTAT=NEEDS-ACTION", "PARTSTAT=ACCEPTED"),
                                {"If-Match": etag})
        self.assertEqual(st, 204)
        st, _, data = alice.get(path)
        self.assertIn(b"PARTSTAT=ACCEPTED", data)

    def test_freebusy_by_post_to_outbox(self):
        cal = Dav(self.server, "bob")
        cal.put("/dav/calendars/bob/calendar/busy.ics",
                vcal(comp("VEVENT", "busy", "DTSTART:20260310T090000Z", "DTEND:20260310T100000Z")))
        req = vcal(comp("VFREEBUSY", new_uid(), "DTSTART:20260310T000000Z",
                        "DTEND:20260311T000000Z", "ORGANIZER:mailto:alice@example.com",
                        "ATTENDEE:mailto:bob@example.com", "ATTENDEE:mailto:nobody@example.com"),
                   extra="METHOD:REQUEST\r\n")
        st, _, data = Dav(self.server, "alice").req(
            "POST", "/dav/calendars/alice/outbox/", req, {"Content-Type": "text/calendar"})
        self.assertEqual(st, 200, data)
        text = data.decode()
        self.assertIn("FREEBUSY;FBTYPE=BUSY:20260310T090000Z/20260310T100000Z", text)
        self.assertIn("3.7", text)


if __name__ == "__main__":
    unittest.main()
