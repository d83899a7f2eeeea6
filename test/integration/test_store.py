"""The session store under many logons: shmcb spreads sessions over all its
subcaches (the key's first byte picks one), so the default store keeps the
sessions of a few thousand logons, not the last thousand or so."""

import concurrent.futures
import http.client
import urllib.parse

import harness


def logon_many(h, page, n):
    body = urllib.parse.urlencode({"username": "alice", "password": "Al1ce-pass",
                                   "return": "/", "csrf_token": page.csrf})
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Cookie": "AuthGWPre=" + page.pre_cookie}

    def one(_):
        c = http.client.HTTPConnection("127.0.0.1", h.port, timeout=20)
        try:
            c.request("POST", "/.authgw/logon", body=body, headers=headers)
            r = c.getresponse()
            r.read()
            for k, v in r.getheaders():
                if k.lower() == "set-cookie" and v.startswith("AuthGWSession="):
                    return v.split(";", 1)[0].split("=", 1)[1]
            raise AssertionError("logon answered %d without a session" % r.status)
        finally:
            c.close()

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        return list(ex.map(one, range(n)))


def test_first_sessions_survive_thousands_of_logons(make_gateway, backend):
    h = make_gateway(mpm={"ThreadsPerChild": 16, "ThreadLimit": 16,
                          "MaxRequestWorkers": 32, "MaxSpareThreads": 32})
    page = harness.get_logon_page(h.base_url, "/")
    first = logon_many(h, page, 40)
    logon_many(h, page, 2500)
    for c in first:
        h.forbid_in_log(c)
        r = harness.get(h.url("/still"), session=c)
        assert r.status_code == 200, (r.status_code, r.headers.get("Location"))
