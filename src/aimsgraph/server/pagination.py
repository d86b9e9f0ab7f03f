"""Pages of lists that grow with the organization: ``limit``/``offset`` parameters, the page
with its ``total`` in the body, and RFC 8288 ``Link`` headers (first, prev, next, last) plus
``X-Total-Count`` on the response.

    @router.get("/things", response_model=ThingPage, responses={**problems(422), **PAGE_HEADERS})
    def things(request: Request, response: Response, page: PageDep) -> dict:
        return {**other_fields, **paginate(request, response, page, all_things)}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response
from starlette.datastructures import URL

from .models import encode_iri

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")
                     ] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, description="index of the first item")] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(page_params)]

#: the headers a paged 200 answer carries, for the operation's ``responses=``
PAGE_HEADERS: dict[int | str, dict[str, Any]] = {200: {"headers": {
    "Link": {"description": "RFC 8288 links to the first, previous, next and last pages",
             "schema": {"type": "string"}},
    "X-Total-Count": {"description": "items in the whole list", "schema": {"type": "integer"}},
}}}


def links(request: Request, page: Page, total: int) -> str:
    """The ``Link`` header value for ``page`` of ``total`` items (under ``--base-url``'s path
    when there is one, as every other link)."""
    here = URL(str(request.base_url).rstrip("/") + request.url.path
               + (f"?{request.url.query}" if request.url.query else ""))

    def at(offset: int, rel: str) -> str:
        url = str(here.include_query_params(offset=offset, limit=page.limit))
        return f'<{encode_iri(url)}>; rel="{rel}"'

    last = max(0, (total - 1) // page.limit * page.limit)
    out = [at(0, "first")]
    if page.offset > 0:
        out.append(at(max(0, min(page.offset, total) - page.limit), "prev"))
    if page.offset + page.limit < total:
        out.append(at(page.offset + page.limit, "next"))
    out.append(at(last, "last"))
    return ", ".join(out)


def paginate(request: Request, response: Response, page: Page, items: Sequence[T],
             key: str = "items") -> dict[str, Any]:
    """``{total, offset, limit, <key>: this page}``, and the page's headers on ``response``."""
    total = len(items)
    response.headers["Link"] = links(request, page, total)
    response.headers["X-Total-Count"] = str(total)
    return {"total": total, "offset": page.offset, "limit": page.limit,
            key: list(items[page.offset:page.offset + page.limit])}
