"""Gunicorn settings: the one web server command for `make run` and production.

`gunicorn crm_site.wsgi` reads this file from the working directory. Workers come from
WEB_CONCURRENCY (gunicorn's own variable; 2 for `make run` on a 2-core machine, about 2 × cores
in production), the address from GUNICORN_BIND (or --bind).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
max_requests = 2000
max_requests_jitter = 200
timeout = 60
accesslog = "-"
# Gunicorn 27's control socket lives in $HOME by default: two servers on one machine (make run
# beside a test run) would fight over it, and nothing here uses it.
control_socket_disable = True
