"""gunicorn settings; each can be overridden on the command line or by env vars."""

import os

from clinic.logs import logging_config

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Workers x threads, measured with bench/load.py (bench/README.md) on 2 cores: a request
# spends most of its time in Python (templates, forms, availability), not waiting on
# PostgreSQL, so throughput is capped by the cores. 2x2, 2x4, 3x2, 3x4, 4x2 and 5x2 all gave
# the same capacity within run-to-run noise (~330 page views/s, ~110 bookings/s); more
# threads or processes only lengthen the queue. 3x2 (one process per core plus one, to cover
# database waits) stays. Each thread holds at most one pooled connection, so a process
# never uses more than `threads` of its DB_POOL_MAX connections.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
# gunicorn >= 25 opens a control socket for `gunicornc` at one fixed path per user
# ($HOME/.gunicorn/gunicorn.ctl): every instance on a machine (tests' live servers, the
# benches, `make run`) binds the same path and takes it from the one before. Nothing here
# uses it; an unused admin interface is better off.
control_socket_disable = True
# The app logs one privacy-safe line per request (clinic.middleware); gunicorn's own
# access log would print full URLs, tokens included.
accesslog = None
# gunicorn's lines go through the app's logging config, so the same handler (and its
# redaction of link keys, clinic/logs.py) writes every line of the process.
logconfig_dict = logging_config(level=os.environ.get("LOG_LEVEL", "INFO"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
