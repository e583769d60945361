"""The POST /items model for the peers: pydantic (FastAPI, Starlette, BlackSheep) and msgspec (Litestar, Falcon)."""

from __future__ import annotations

from typing import Any

import msgspec
import pydantic


class POwner(pydantic.BaseModel):
    id: int
    name: str
    email: str


class PDimensions(pydantic.BaseModel):
    width: float
    height: float
    depth: float


class PVariant(pydantic.BaseModel):
    sku: str
    color: str
    size: str
    stock: int
    price: float


class PItem(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    name: str
    description: str
    price: float
    tags: list[str]
    owner: POwner
    dimensions: PDimensions
    variants: list[PVariant]


class MOwner(msgspec.Struct, forbid_unknown_fields=True):
    id: int
    name: str
    email: str


class MDimensions(msgspec.Struct, forbid_unknown_fields=True):
    width: float
    height: float
    depth: float


class MVariant(msgspec.Struct, forbid_unknown_fields=True):
    sku: str
    color: str
    size: str
    stock: int
    price: float


class MItem(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    description: str
    price: float
    tags: list[str]
    owner: MOwner
    dimensions: MDimensions
    variants: list[MVariant]


def summary(item: Any) -> dict[str, Any]:
    from bench.common import item_summary

    return item_summary(item.name, item.owner.id, [v.stock for v in item.variants])
