"""An app whose start-up fails: uvicorn must report it and exit non-zero."""

from hornbeam import App

app = App()


@app.on_startup
def connect() -> None:
    raise RuntimeError("cannot reach the database at db:5432")
