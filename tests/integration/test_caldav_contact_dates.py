"""The read-only contact-dates calendar (MAPPING.md 3.6): cards with BDAY and ANNIVERSARY
imported with the CLI show up as yearly all-day events to python3-caldav and to a raw
calendar-query; a PUT or DELETE there is refused with need-privileges; changing a card's
BDAY over CardDAV changes the event and the calendar's sync token; a shared book's
contacts appear in every user's calendar, a private book's only in its owner's."""
import re
import unittest
from datetime import datetime

import caldav

from caldav_util import PW, add_users, components, unfold_lines
from kith_harness import KithTestCase, http_request

CARDS = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0b7e6c1e-4f0a-4a4e-9d53-1d7a2f000001\r\n"
    "FN:Joe Bloggs\r\nN:Bloggs;Joe;;;\r\nBDAY:19800415\r\nANNIVERSARY:20050910\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0b7e6c1e-4f0a-4a4e-9d53-1d7a2f000002\r\n"
    "FN:Ann Smith\\, Jr.\r\nN:Smith;Ann;;;\r\nBDAY:--0229\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:0b7e6c1e-4f0a-4a4e-9d53-1d7a2f000003\r\n"
    "FN:No Dates\r\nN:Dates;No;;;\r\nEND:VCARD\r\n")

CD = "/dav/calendars/%s/contact-dates/"

QUERY = ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
         'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/>'
         '</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
         '<C:time-range start="%s" end="%s"/></C:comp-filter></C:comp-filter></C:filter>'
         '</C:calendar-query>')


class ContactDatesTest(KithTestCase):
    def setUp(self):
        super().setUp()
        add_users(self.kith, "alice", "bob")
        src = self.kith.path("cards.vcf")
        with open(src, "w") as f:
            f.write(CARDS)
        self.assertOk(self.kith.import_cards("alice/contacts", src))
        self.server = self.kith.serve()
        self.port = self.server.http_port

    def req(self, method, path, body=None, headers=None, user="alice"):
        return http_request(self.port, method, path, body, headers, auth=(user, PW))

    def query(self, start, end, user="alice"):
        st, _, data = self.req("REPORT", CD % user, QUERY % (start, end),
                               {"Depth": "1", "Content-Type": "application/xml"}, user)
        self.assertEqual(st, 207, data)
        return data.decode()

    def sync_token(self, user="alice"):
        body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:sync-token/>'
                '</D:prop></D:propfind>')
        st, _, data = self.req("PROPFIND", CD % user, body, {"Depth": "0"}, user)
        self.assertEqual(st, 207, data)
        return re.search(rb"sync-token>([^<]+)<", data).group(1)

    def test_python_caldav_sees_birthdays_and_anniversaries(self):
        client = caldav.DAVClient("http://127.0.0.1:%d/" % self.port, username="alice",
                                  password=PW)
        cals = {str(c.url).rstrip("/").rsplit("/", 1)[1]: c
                for c in client.principal().calendars()}
        self.assertIn("contact-dates", cals)
        found = cals["contact-dates"].search(start=datetime(2026, 4, 1), end=datetime(2026, 5, 1),
                                             event=True, expand=True)
        texts = [e.data for e in found]
        self.assertEqual(len(texts), 1, texts)
        self.assertIn("SUMMARY:Birthday: Joe Bloggs", texts[0])
        events = cals["contact-dates"].events()
        self.assertEqual(len(events), 3)  # Joe's birthday and anniversary, Ann's birthday

    def test_event_lines_follow_the_mapping(self):
        data = self.query("20280201T000000Z", "20280301T000000Z")
        evs = [components(m, "VEVENT")[0] for m in
               re.findall(r"<CAL:calendar-data>(.*?)</CAL:calendar-data>", data, re.S)]
        self.assertEqual(len(evs), 1, data)
        ev = evs[0]
        self.assertIn("UID:crm-date-0b7e6c1e-4f0a-4a4e-9d53-1d7a2f000002-bday", ev)
        self.assertIn("DTSTART;VALUE=DATE:19720229", ev)
        self.assertIn("RRULE:FREQ=YEARLY", ev)
        self.assertIn("SUMMARY:Birthday: Ann Smith\\, Jr.", ev)
        self.assertIn("TRANSP:TRANSPARENT", ev)
        self.assertIn("CATEGORIES:Birthday", ev)
        self.assertIn("X-CRM-CONTACT:urn:uuid:0b7e6c1e-4f0a-4a4e-9d53-1d7a2f000002", ev)
        self.assertIn("X-CRM-YEAR-UNKNOWN:TRUE", ev)
        sep = self.query("20260901T000000Z", "20261001T000000Z")
        self.assertIn("SUMMARY:Anniversary: Joe Bloggs", sep)
        self.assertNotIn("X-CRM-YEAR-UNKNOWN", sep)

    def test_put_and_delete_are_refused_with_need_privileges(self):
        self.query("20260101T000000Z", "20270101T000000Z")
        ev = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:x1\r\n"
              "DTSTAMP:20260101T000000Z\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\n"
              "END:VCALENDAR\r\n")
        st, _, data = self.req("PUT", CD % "alice" + "x1.ics", ev,
                               {"Content-Type": "text/calendar"})
        self.assertEqual(st, 403, data)
        self.assertIn(b"need-privileges", data)
        name = "crm-date-0b7e6c1e-4f0a-4a4e-9d53-1d7a2f000001-bday.ics"
        st, _, data = self.req("DELETE", CD % "alice" + name)
        self.assertEqual(st, 403, data)
        st, _, data = self.req("GET", CD % "alice" + name)
        self.assertEqual(st, 200)
        self.assertIn(b"Birthday: Joe Bloggs", data)

    def test_changing_a_card_bday_changes_the_event_and_the_token(self):
        before = self.sync_token()
        st, _, card = self.req("GET", "/dav/addressbooks/alice/contacts/")
        # Find Joe's card by listing the book.
        body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
                '</D:prop></D:propfind>')
        st, _, data = self.req("PROPFIND", "/dav/addressbooks/alice/contacts/", body,
                               {"Depth": "1"})
        hrefs = re.findall(rb"<D:href>([^<]+\.vcf)</D:href>", data)
        joe = None
        for h in hrefs:
            st, _, text = self.req("GET", h.decode())
            if b"Joe Bloggs" in text:
                joe = (h.decode(), text.decode())
        self.assertIsNotNone(joe)
        lines = [l for l in unfold_lines(joe[1]) if not l.startswith(("BDAY", "REV"))]
        new = "\r\n".join(lines[:-1] + ["BDAY:19800620", "END:VCARD"]) + "\r\n"
        st, _, data = self.req("PUT", joe[0], new, {"Content-Type": "text/vcard"})
        self.assertIn(st, (201, 204), data)
        self.assertNotIn("Joe Bloggs", self.query("20260401T000000Z", "20260501T000000Z"))
        june = self.query("20260601T000000Z", "20260701T000000Z")
        self.assertIn("DTSTART;VALUE=DATE:19800620", june)
        self.assertNotEqual(self.sync_token(), before)
        # Unchanged cards leave the token alone.
        tok = self.sync_token()
        self.assertEqual(self.sync_token(), tok)

    def test_private_books_stay_private(self):
        self.assertNotIn("Joe Bloggs", self.query("20260401T000000Z", "20260501T000000Z",
                                                  user="bob"))
        st, _, _ = self.req("REPORT", CD % "alice", QUERY % ("20260401T000000Z",
                            "20260501T000000Z"), {"Depth": "1"}, user="bob")
        self.assertIn(st, (403, 404))


if __name__ == "__main__":
    unittest.main()
