"""A farm of gateways: two httpd instances sharing one store (Redis or
memcached) and one secret file.  A user logged on at one node is logged on at
both; logging off at one ends the session at both."""
import pytest

from conftest import gateway_conf
from harness import backend_view, get, header, logon


@pytest.fixture(scope="module")
def memcached_server():
    import services
    m = services.Memcached().start()
    yield m
    m.stop()


def farm(make_httpd, backend, creds, secret, store_line, module):
    conf = gateway_conf(backend.port, creds.path, secret).replace(
        "AuthGWStore shmcb", store_line)
    mods = ("core", "forms", module)
    return (make_httpd(conf, modules=mods, name="node1"),
            make_httpd(conf, modules=mods, name="node2"))


@pytest.fixture(params=["redis", "memcache"])
def nodes(request, make_httpd, backend, creds, secret):
    if request.param == "redis":
        srv = request.getfixturevalue("redis_server")
        line = "AuthGWStore redis:127.0.0.1:%d" % srv.port
    else:
        srv = request.getfixturevalue("memcached_server")
        line = "AuthGWStore memcache:127.0.0.1:%d" % srv.port
    return farm(make_httpd, backend, creds, secret, line, "socache_" + request.param)


def user_at(node, cookie):
    r = get(node.url("/farm"), session=cookie)
    if r.status_code != 200:
        return None
    return header(backend_view(r), "X-Remote-User")


def test_logon_at_one_node_serves_both(nodes):
    a, b = nodes
    lg = logon(a.base_url, "alice", "Al1ce-pass")
    assert lg.resp.status_code == 302 and lg.cookie
    assert user_at(a, lg.cookie) == "alice"
    assert user_at(b, lg.cookie) == "alice"


def test_logoff_at_one_node_ends_session_at_both(nodes):
    a, b = nodes
    lg = logon(b.base_url, "bob", "B0b-pass")
    assert user_at(a, lg.cookie) == "bob"
    r = get(a.url("/.authgw/logoff"), session=lg.cookie)
    assert r.status_code == 200
    assert user_at(a, lg.cookie) is None
    r = get(b.url("/farm"), session=lg.cookie)
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/.authgw/logon")
