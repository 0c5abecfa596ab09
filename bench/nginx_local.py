"""Run the shipped deploy/nginx.conf outside Docker: non-root, temporary paths, any upstream."""

import getpass
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

from tests.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
MIME_TYPES = Path("/etc/nginx/mime.types")


def render(text, values):
    """Fill in ${BYLINE_*} names the way envsubst does; nginx's own $variables stay."""

    def value(match):
        return str(values[match.group(1)])

    return re.sub(r"\$\{(BYLINE_[A-Z_]+)\}", value, text)


def main_config(workdir, site, *, worker_processes=1, extra=""):
    """A whole nginx.conf around the site file, with every path under `workdir`."""
    mime = f"include {MIME_TYPES};" if MIME_TYPES.exists() else "types { text/html html; }"
    # Started by root (CI, containers), workers would become `nobody` and lose the temporary
    # directories: keep them as the user who started nginx.
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""
    return f"""
{user}
daemon off;
worker_processes {worker_processes};
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {site};
    {extra}
}}
"""


def wait_for_port(port, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def start(workdir, *, upstream, static_root, media_root, port=None, worker_processes=1, extra=""):
    """Start nginx with the shipped configuration; return (process, port)."""
    if NGINX is None:
        raise RuntimeError("no nginx binary: apt-get install -y nginx")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    site = workdir / "byline.conf"
    site.write_text(
        render(
            TEMPLATE.read_text(),
            {
                "BYLINE_LISTEN": f"127.0.0.1:{port}",
                "BYLINE_UPSTREAM": upstream,
                "BYLINE_CACHE_DIR": workdir / "cache",
                "BYLINE_STATIC_ROOT": static_root,
                "BYLINE_MEDIA_ROOT": media_root,
            },
        )
    )
    conf = workdir / "nginx.conf"
    conf.write_text(main_config(workdir, site, worker_processes=worker_processes, extra=extra))
    test = subprocess.run(
        [NGINX, "-t", "-q", "-e", str(workdir / "error.log"), "-p", str(workdir), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    if test.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration:\n{test.stderr}")
    process = subprocess.Popen(
        [NGINX, "-e", str(workdir / "error.log"), "-p", str(workdir), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port)
    except RuntimeError:
        process.kill()
        raise RuntimeError(f"nginx did not start: {process.stderr.read().decode()}") from None
    return process, port


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
