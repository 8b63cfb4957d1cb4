"""events.py: the calendar scripts/bench-caldav loads, and the answers it must get back.

Event i of N is one of three kinds (i % 3): a single event in UTC, a weekly event in
Europe/Berlin without end, a monthly event in America/New_York with COUNT=24, 45 minutes
each (singles 30). One recurring event in five (i % 10 in 1, 2) has an overridden
instance (moved five hours later, RECURRENCE-ID in the same object) and an EXDATE.

Besides the iCalendar text, this module works out from the same parameters, without any
iCalendar library, which instances fall into a time range: the (UID, UTC start) pairs an
expanded calendar-query must return, and the UIDs an unexpanded one must list. So the
benchmark checks a server's answer against arithmetic, not against another server.
Python standard library only (zoneinfo reads the system's tz database).
"""
import datetime
import re
from zoneinfo import ZoneInfo

UTC = datetime.timezone.utc
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
FMT = "%Y%m%dT%H%M%S"


def uid(i):
    return "ev%05d" % i


def params(i):
    """The event's parameters: kind, zone (None for UTC), first local start, duration,
    and for one recurring event in five the moved and the excluded local start."""
    day, hour = 1 + i % 28, 8 + i % 9
    p = {"kind": i % 3, "moved": None, "gone": None}
    if p["kind"] == 0:
        mon = (i // 3) % 24
        p.update(zone=None, first=datetime.datetime(2025 + mon // 12, 1 + mon % 12, day, hour),
                 minutes=30)
        return p
    first = datetime.datetime(2025, 1 + i % 12, day, hour)
    p.update(zone=BERLIN if p["kind"] == 1 else NEW_YORK, first=first, minutes=45)
    if i % 10 in (1, 2):
        if p["kind"] == 1:
            p["moved"] = first + datetime.timedelta(weeks=60)
            p["gone"] = first + datetime.timedelta(weeks=61)
        else:
            p["moved"] = first.replace(year=2026)
            p["gone"] = first.replace(year=2026, month=1 + first.month % 12)
    return p


def ics(i):
    """The iCalendar object of event i (CRLF lines)."""
    p = params(i)
    head = ["BEGIN:VEVENT", "UID:" + uid(i), "DTSTAMP:20260101T000000Z", "SUMMARY:Event %d" % i]
    comps = []
    if p["zone"] is None:
        end = p["first"] + datetime.timedelta(minutes=p["minutes"])
        comps.append(head + ["DTSTART:" + p["first"].strftime(FMT) + "Z",
                             "DTEND:" + end.strftime(FMT) + "Z", "END:VEVENT"])
    else:
        tz = ";TZID=" + p["zone"] + ":"
        master = head + ["DTSTART" + tz + p["first"].strftime(FMT), "DURATION:PT45M",
                         "RRULE:FREQ=WEEKLY" if p["kind"] == 1 else "RRULE:FREQ=MONTHLY;COUNT=24"]
        if p["gone"]:
            master.append("EXDATE" + tz + p["gone"].strftime(FMT))
        comps.append(master + ["END:VEVENT"])
        if p["moved"]:
            comps.append(["BEGIN:VEVENT", "UID:" + uid(i), "DTSTAMP:20260101T000000Z",
                          "RECURRENCE-ID" + tz + p["moved"].strftime(FMT),
                          "DTSTART" + tz + (p["moved"] + datetime.timedelta(hours=5)).strftime(FMT),
                          "DURATION:PT45M", "SUMMARY:Event %d (moved)" % i, "END:VEVENT"])
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//kith bench-caldav//EN"]
    for c in comps:
        lines += c
    return "\r\n".join(lines + ["END:VCALENDAR"]) + "\r\n"


def changed(text):
    """The same event with another SUMMARY: same UID, new bytes."""
    return text.replace("SUMMARY:Event", "SUMMARY:Changed event", 1)


def local_starts(p, before):
    """The rule's local starts in order, stopping past `before` (UTC) for the open rule."""
    k = 0
    while True:
        if p["kind"] == 1:
            s = p["first"] + datetime.timedelta(weeks=k)
        elif k < 24:
            m = p["first"].month - 1 + k
            s = p["first"].replace(year=p["first"].year + m // 12, month=1 + m % 12)
        else:
            return
        if to_utc(s, p["zone"]) >= before:
            return
        yield s
        k += 1


def to_utc(local, zone):
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def instances(i, start, end):
    """UTC starts of event i's instances that overlap [start, end) (aware datetimes)."""
    p = params(i)
    dur = datetime.timedelta(minutes=p["minutes"])
    if p["zone"] is None:
        s = p["first"].replace(tzinfo=UTC)
        return [s] if s < end and s + dur > start else []
    out = []
    # an override moves an instance by five hours: look that much further ahead
    for local in local_starts(p, end + datetime.timedelta(hours=6)):
        if local == p["gone"]:
            continue
        if local == p["moved"]:
            local = local + datetime.timedelta(hours=5)
        s = to_utc(local, p["zone"])
        if s < end and s + dur > start:
            out.append(s)
    return out


def expected(n, start, end):
    """{uid: [UTC starts]} of the events with at least one instance in [start, end)."""
    out = {}
    for i in range(n):
        got = instances(i, start, end)
        if got:
            out[uid(i)] = got
    return out


def parse_utc(text):
    """An iCalendar UTC date-time (20260301T000000Z) as an aware datetime."""
    return datetime.datetime.strptime(text, FMT + "Z").replace(tzinfo=UTC)


def answered_instances(body):
    """(UID, DTSTART) pairs of the VEVENTs in a REPORT answer's calendar-data, as text.
    The calendar-data is XML-escaped text inside the multistatus; folding is undone."""
    text = body.decode("utf-8", "replace").replace("\r\n ", "").replace("\n ", "")
    pairs = []
    for comp in re.findall(r"BEGIN:VEVENT(.*?)END:VEVENT", text, re.S):
        u = re.search(r"^UID:(.*?)\r?$", comp, re.M)
        s = re.search(r"^DTSTART[^:\r\n]*:(.*?)\r?$", comp, re.M)
        pairs.append((u.group(1) if u else "", s.group(1) if s else ""))
    return pairs


def check_expanded(body, want):
    """None if the answer's instances are exactly `want` ({uid: [UTC starts]}), else why."""
    want_set = {(u, s.strftime(FMT) + "Z") for u, starts in want.items() for s in starts}
    got = answered_instances(body)
    got_set = set(got)
    if len(got) != len(got_set):
        return "%d VEVENTs but %d distinct (UID, DTSTART)" % (len(got), len(got_set))
    if got_set == want_set:
        return None
    missing, extra = sorted(want_set - got_set), sorted(got_set - want_set)
    return "%d instances, expected %d: %d missing (e.g. %s), %d unexpected (e.g. %s)" % (
        len(got_set), len(want_set), len(missing), missing[:2], len(extra), extra[:2])


def describe_answer(body, want):
    """A note on what a peer returned for the expanded query: expanded or not, how many."""
    if b"BEGIN:VCALENDAR" not in body:
        return "no calendar data in the answer"
    got = answered_instances(body)
    text = body.decode("utf-8", "replace")
    rrules = sum(len(re.findall(r"^RRULE:", c, re.M))
                 for c in re.findall(r"BEGIN:VEVENT(.*?)END:VEVENT", text, re.S))
    why = check_expanded(body, want)
    n_want = sum(len(v) for v in want.values())
    if why is None:
        return "%d instances, all as expected (overrides and EXDATEs applied)" % len(got)
    return "%d VEVENTs, %d with RRULE (%s); %d instances expected: %s" % (
        len(got), rrules, "unexpanded" if rrules else "expanded", n_want, why)
