"""gunicorn's settings for `make run` (read from the repository root, where every start-up runs).

gunicorn refuses some requests itself, in English HTML, before the application sees them. Its limits
are set above the application's own (app/limits.py), so that what the application can check, it
answers first: an address of 4,097 to 8,190 characters gets our Vietnamese 414 (JSON under /api/),
101 to 200 header fields our 431. Only beyond gunicorn's own maxima (8,190 is the largest request
line it accepts) does gunicorn answer.
"""

limit_request_line = 8190  # the request line (method, address, version); app.limits.MAX_URL is 4,096
limit_request_fields = 200  # header fields; app.limits.MAX_HEADERS is 100
limit_request_field_size = 8190  # one header field (gunicorn's default; no check of ours comes before it)
