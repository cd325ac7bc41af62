"""Gunicorn's settings for Concord's production web server.

`concord serve --production` runs gunicorn with these (its --bind, --workers and --threads
override three of them) on the project's WSGI application (settings.WSGI_APPLICATION); anyone
who runs gunicorn themselves gets the same server with
``gunicorn -c python:core.gunicorn_conf concord.wsgi:application``. Every name below that is one
of gunicorn's settings is read by gunicorn; the functions are ignored. (It lives in core, which
names no project: the application is given to it, not named here.)

Why each is as it is:

- threaded workers (gthread), 2 x cores + 1 processes of 2 threads, at most 8 processes: a worker
  waiting on the database does not hold up the next request, a long request (an inline import, a
  large download to a slow client) is not killed by the worker timeout, and a small machine is
  not over-committed (each process holds its own copy of what Django has not shared).
- the application is loaded once, in the master process, before the workers are forked
  (``preload_app``): a mistake in the settings stops the start-up once, plainly, and the loaded
  code is shared between the workers (concord/wsgi.py freezes it out of the garbage collector's
  way first).
- a worker is replaced after about a thousand requests, so that slow growth of its memory never
  adds up.
- the access log goes to standard output and gunicorn's own messages to standard error, for the
  service manager's journal; each access line ends with the request's time in milliseconds and
  its X-Request-ID, which Concord's own log lines carry too.
- gunicorn takes no header's word that a request came over HTTPS, or for the script name: by
  default it believes X-Forwarded-Proto from any local address, which would make every request
  a local process sends look secure. Concord decides that itself, and only when told which
  header the proxy sets (CONCORD_PROXY_HTTPS_HEADER; concord/settings.py).
- no control socket: nothing administers the server through one, and the service account needs
  no home folder to hold it.
"""

from __future__ import annotations

import os

#: The most worker processes `workers_for` proposes, however many cores the machine has: beyond
#: it, add machines behind the load balancer (docs/deployment.md).
MAX_WORKERS = 8


def available_cores() -> int:
    """The processor cores this process may run on (a container's or a CPU set's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def workers_for(cores: int) -> int:
    """Gunicorn's rule of thumb, two processes per core and one more, capped."""
    return max(1, min(2 * cores + 1, MAX_WORKERS))


bind = ["127.0.0.1:8000"]
workers = workers_for(available_cores())
worker_class = "gthread"
threads = 2
preload_app = True

# Seconds. A worker whose main loop is silent this long is stuck and is replaced; requests are
# handled in its threads, so a long request does not count against it.
timeout = 60
# On a restart or stop, requests under way are given this long to finish.
graceful_timeout = 30
# A proxy in front reuses its connections to the server for this long.
keepalive = 5
max_requests = 1000
max_requests_jitter = 100

accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
)

secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
forwarder_headers = ""
control_socket_disable = True
proc_name = "concord"
