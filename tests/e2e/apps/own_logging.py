"""An app that configures logging itself: hornbeam must leave that configuration alone (test_logging.py)."""

from __future__ import annotations

import logging

from hornbeam import App, Request

logging.basicConfig(level=logging.INFO, format="OWN %(levelname)s %(name)s %(message)s")

app = App()


@app.get("/crash")
async def crash(request: Request[None, None]) -> str:
    raise RuntimeError("the database is on fire")
