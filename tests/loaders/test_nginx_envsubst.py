"""The official nginx image's templates, rendered as its entrypoint does (loaders/nginx/envsubst)."""
from __future__ import annotations

from auditor.loaders.nginx.envsubst import render, runs_official_image, template_output
from auditor.model import Loc, Service


def test_defined_variables_are_substituted_others_stay():
    text = "server_name ${NGINX_HOST};\nproxy_pass http://$BACKEND:${PORT}$request_uri;\nset $x $host;\n"
    out = render(text, {"NGINX_HOST": "a.example.org", "BACKEND": "api", "host": "no"})
    # `$host` is nginx's (the environment defines `host` only by accident: envsubst would take it
    # too, as the entrypoint does); `${PORT}` has no value: it stays, unknown
    assert out == "server_name a.example.org;\nproxy_pass http://api:${PORT}$request_uri;\nset $x no;\n"


def test_filter_and_line_breaks():
    env = {"NGINX_ENVSUBST_FILTER": "^APP_", "APP_HOST": "a\nb", "OTHER": "x"}
    assert render("${APP_HOST} ${OTHER}\n", env) == "a b ${OTHER}\n"


def test_where_templates_are_rendered():
    assert template_output("/etc/nginx/templates/default.conf.template", {}) == "/etc/nginx/conf.d/default.conf"
    assert template_output("/etc/nginx/templates/sub/a.conf.template", {}) == "/etc/nginx/conf.d/sub/a.conf"
    assert template_output("/etc/nginx/conf.d/default.conf.template", {}) is None
    env = {"NGINX_ENVSUBST_TEMPLATE_DIR": "/tpl", "NGINX_ENVSUBST_TEMPLATE_SUFFIX": ".tmpl",
           "NGINX_ENVSUBST_OUTPUT_DIR": "/etc/nginx/sites"}
    assert template_output("/tpl/app.conf.tmpl", env) == "/etc/nginx/sites/app.conf"
    assert template_output("/etc/nginx/templates/app.conf.template", env) is None


def test_official_image_only():
    def svc(image, build=None):
        return Service(name="n", project="p", image=image, build=build, loc=Loc(path="c.yaml"))
    assert runs_official_image(svc("nginx:1.27-alpine"))
    assert runs_official_image(svc("docker.io/library/nginx"))
    assert runs_official_image(svc("nginxinc/nginx-unprivileged:stable"))
    assert not runs_official_image(svc("jc21/nginx-proxy-manager:2"))
    assert not runs_official_image(svc("nginx:1.27", build="./proxy"))
