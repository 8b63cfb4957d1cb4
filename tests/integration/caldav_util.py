"""Helpers the CalDAV integration tests share: users with e-mails, iCalendar snippets,
raw DAV requests and a tiny iCalendar line reader (standard library only)."""
import re
import uuid

from kith_harness import http_request

PW = "secret-pw"
CAL_NS = "urn:ietf:params:xml:ns:caldav"


def add_users(kith, *names):
    for n in names:
        r = kith.run("user", "add", n, "--email", "%s@example.com" % n, "--password-stdin",
                     stdin=PW + "\n")
        if r.rc != 0:
            raise AssertionError("user add %s: %r" % (n, r))


def vcal(*components, extra=""):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Kith tests//EN\r\n" + extra +
            "".join(components) + "END:VCALENDAR\r\n")


def comp(kind, uid, *lines):
    body = "".join(l + "\r\n" for l in lines)
    return ("BEGIN:%s\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\n%sEND:%s\r\n"
            % (kind, uid, body, kind))


def unfold_lines(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    text = re.sub(r"\r?\n[ \t]", "", text)
    return [l.rstrip("\r") for l in text.split("\n") if l.strip()]


def components(text, kind):
    """Each component of kind as a list of its (unfolded) lines."""
    out, cur = [], None
    for line in unfold_lines(text):
        if line == "BEGIN:" + kind:
            cur = []
        elif line == "END:" + kind and cur is not None:
            out.append(cur)
            cur = None
        elif cur is not None:
            cur.append(line)
    return out


def prop(lines, name):
    """Value of the first property name (parameters dropped), or None."""
    for l in lines:
        head, _, value = l.partition(":")
        if head.split(";")[0].upper() == name:
            return value
    return None


def prop_line(lines, name):
    for l in lines:
        if l.partition(":")[0].split(";")[0].upper() == name:
            return l
    return None


class Dav:
    """Raw HTTP as a client library would send it."""

    def __init__(self, server, user):
        self.server, self.auth = server, (user, PW)

    def req(self, method, path, body=None, headers=None):
        return self.server.request(method, path, body=body, headers=headers, auth=self.auth)

    def put(self, path, text, headers=None):
        h = {"Content-Type": "text/calendar; charset=utf-8"}
        h.update(headers or {})
        return self.req("PUT", path, text, h)

    def get(self, path):
        return self.req("GET", path)

    def hrefs(self, coll):
        """Member hrefs of a collection (PROPFIND Depth 1)."""
        body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
                '</D:prop></D:propfind>')
        st, _, data = self.req("PROPFIND", coll, body, {"Depth": "1"})
        assert st == 207, (st, data)
        return [h for h in re.findall(r"<D:href>([^<]*)</D:href>", data.decode())
                if h.rstrip("/") != coll.rstrip("/")]

    def query(self, coll, filter_xml, data_xml="<C:calendar-data/>"):
        body = ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="%s">'
                '<D:prop><D:getetag/>%s</D:prop><C:filter>%s</C:filter></C:calendar-query>'
                % (CAL_NS, data_xml, filter_xml))
        return self.req("REPORT", coll, body, {"Depth": "1"})


def calendar_datas(xml_bytes):
    """The calendar-data texts of a multistatus (XML-unescaped)."""
    import html
    return [html.unescape(m) for m in
            re.findall(r"<CAL:calendar-data>(.*?)</CAL:calendar-data>", xml_bytes.decode(), re.S)]


def new_uid():
    return str(uuid.uuid4())


def caldav_principal(server, user):
    """The python3-caldav principal of user on server (imported here: the rest of this
    module is standard library only)."""
    import caldav
    url = "http://127.0.0.1:%d/" % server.http_port
    return caldav.DAVClient(url, username=user, password=PW).principal()


def tasks_calendar(principal):
    """The user's default tasks collection as python3-caldav lists it."""
    return [c for c in principal.calendars() if str(c.url).rstrip("/").endswith("/tasks")][0]


def write_vdirsyncer_pair(cfg_path, server, user, local_dir, status_dir, collections,
                          item_types=()):
    """A vdirsyncer config with one pair "<user>_cal" between a filesystem vdir of .ics
    files and the user's CalDAV home, optionally limited to some component types."""
    def quoted(names):
        return "[%s]" % ", ".join('"%s"' % n for n in names)

    remote = ['type = "caldav"', 'url = "http://127.0.0.1:%d/"' % server.http_port,
              'username = "%s"' % user, 'password = "%s"' % PW]
    if item_types:
        remote.append("item_types = " + quoted(item_types))
    sections = [("general", ['status_path = "%s"' % status_dir]),
                ("pair %s_cal" % user, ['a = "%s_local"' % user, 'b = "%s_remote"' % user,
                                        "collections = " + quoted(collections)]),
                ("storage %s_local" % user, ['type = "filesystem"', 'path = "%s"' % local_dir,
                                             'fileext = ".ics"']),
                ("storage %s_remote" % user, remote)]
    with open(cfg_path, "w") as f:
        f.write("\n".join("[%s]\n%s\n" % (name, "\n".join(lines)) for name, lines in sections))
    return "%s_cal" % user
