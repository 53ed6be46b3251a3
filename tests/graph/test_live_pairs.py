"""graph.live.pair_servers: each live nginx block with the repository block it is a copy of."""
from __future__ import annotations

from auditor.graph.live import pair_servers
from auditor.model import LiveNginxServer, Loc, NginxListen, NginxLocation, NginxServer


def block(path: str, line: int, name: str, port: int, *locations: str) -> NginxServer:
    loc = Loc(path=path, line=line)
    return NginxServer(id=f"{path}:{line}", listens=(NginxListen(port=port, loc=loc),), server_names=(name,),
                       locations=tuple(NginxLocation(path=p, loc=loc) for p in locations), loc=loc)


def live(file: str, line: int, name: str, port: int, *locations: str) -> LiveNginxServer:
    return LiveNginxServer(file=file, server=block("live:nginx-T.txt", line, name, port, *locations))


def pairs(live_blocks, repo_blocks) -> list[tuple[int, int, str]]:
    return [(p.live.server.loc.line, p.repo.loc.line, p.direction) for p in pair_servers(live_blocks, repo_blocks)]


def test_two_blocks_sharing_name_and_port_pair_in_file_order():
    repo = [block("conf/site.conf", 1, "a.org", 80, "/api/", "/"), block("conf/site.conf", 20, "a.org", 80, "/loki/")]
    live_ = [live("/etc/nginx/sites-enabled/site.conf", 5, "a.org", 80, "/api/", "/"),
             live("/etc/nginx/sites-enabled/site.conf", 30, "a.org", 80, "/loki/")]
    assert pairs(live_, repo) == [(5, 1, "both"), (30, 20, "both")]


def test_blocks_of_two_files_pair_by_file_whatever_the_order():
    repo = [block("conf/app.conf", 1, "a.org", 80, "/"), block("conf/app-extra.conf", 1, "a.org", 80, "/metrics/")]
    live_ = [live("/etc/nginx/sites-enabled/app-extra", 3, "a.org", 80, "/metrics/"),  # Debian: no .conf
             live("/etc/nginx/sites-enabled/app.conf", 9, "a.org", 80, "/")]
    assert pairs(live_, repo) == [(3, 1, "both"), (9, 1, "both")]
    assert [p.repo.loc.path for p in pair_servers(live_, repo)] == ["conf/app-extra.conf", "conf/app.conf"]


def test_renamed_file_pairs_by_name_port_and_shared_locations():
    repo = [block("conf/site.conf", 1, "a.org", 80, "/api/", "/"), block("conf/site.conf", 20, "a.org", 80, "/loki/")]
    live_ = [live("/etc/nginx/conf.d/renamed.conf", 5, "a.org", 80, "/loki/"),
             live("/etc/nginx/conf.d/renamed.conf", 30, "a.org", 80, "/api/", "/")]
    assert pairs(live_, repo) == [(5, 20, "both"), (30, 1, "both")]


def test_a_block_added_on_the_host_is_compared_in_its_direction_only():
    repo = [block("conf/site.conf", 1, "a.org", 80, "/api/", "/")]
    live_ = [live("/etc/nginx/sites-enabled/site.conf", 5, "a.org", 80, "/api/", "/"),
             live("/etc/nginx/sites-enabled/site.conf", 30, "a.org", 80, "/debug/")]
    assert pairs(live_, repo) == [(5, 1, "both"), (30, 1, "live")]


def test_a_block_removed_on_the_host_is_compared_in_its_direction_only():
    repo = [block("conf/site.conf", 1, "a.org", 80, "/api/"), block("conf/site.conf", 20, "a.org", 80, "/loki/")]
    live_ = [live("/etc/nginx/sites-enabled/site.conf", 5, "a.org", 80, "/api/")]
    assert pairs(live_, repo) == [(5, 1, "both"), (5, 20, "repo")]


def test_blocks_without_a_shared_name_and_port_are_not_paired():
    repo = [block("conf/site.conf", 1, "a.org", 80, "/")]
    live_ = [live("/etc/nginx/sites-enabled/site.conf", 5, "b.org", 80, "/")]
    assert pairs(live_, repo) == []
