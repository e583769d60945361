"""``make loadtest``: wrk against the sample under uvicorn (``python -m loadtest``); not part of ``make test``."""
