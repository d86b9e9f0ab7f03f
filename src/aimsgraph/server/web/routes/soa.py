"""The Statement of Applicability: a print-friendly page and its CSV, XLSX and Markdown files."""

from __future__ import annotations

import io
from itertools import groupby

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ....coverage import natural_key
from ....edits import list_records, people
from ....organization import STATUSES
from ....queries import QueryCatalog
from ....reports import soa_csv, soa_markdown, soa_rows, soa_xlsx
from ...auth import Principal, current_principal
from ...deps import StoreDep
from ..links import catalog
from ..templating import PageNotFound, render

router = APIRouter(include_in_schema=False)
DOWNLOADS = {"csv": ("text/csv; charset=utf-8", "csv"),
             "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                      "xlsx"),
             "md": ("text/markdown; charset=utf-8", "md")}


@router.get("/ui/soa", response_class=HTMLResponse)
def soa_page(request: Request, store: StoreDep,
             principal: Principal = Depends(current_principal)) -> HTMLResponse:  # noqa: B008
    index = catalog(request)
    by_number = {(p.framework_notation, p.notation): p.iri for p in index.provisions.values()}
    order = {f.notation: i for i, f in enumerate(index.ordered_frameworks())}  # 42001 first
    lines = sorted(soa_lines(store), key=lambda lr: (order.get(lr[1]["framework"], len(order)),
                                                     lr[1]["framework"],
                                                     natural_key(lr[1]["control"])))
    groups = [(framework, list(items)) for framework, items in
              groupby(lines, key=lambda lr: lr[1]["framework"])]
    editing = principal.role in ("editor", "admin")
    return render(request, "soa.html", "soa", "Statement of Applicability", groups=groups,
                  total=len(lines), provision_of=lambda r: by_number.get((r["framework"],
                                                                         r["control"])),
                  editing=editing, statuses=[(k, k) for k in STATUSES],
                  records={r.id: r for r in list_records(store, "soa")} if editing else {},
                  evidence=evidence_by_line(store) if editing else {},
                  people=people(store) if editing else [])


def evidence_by_line(store) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """The evidence records of each SoA line, for the forms that retire them."""
    found: dict[str, list] = {}
    for record in list_records(store, "evidence"):
        found.setdefault(record.row["supports"], []).append(record)
    return found


def soa_lines(store) -> list[tuple[str, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """(line id, SoA row): the id anchors each line so other pages can link to it."""
    ids = [(r["line"] or "").rsplit("/", 1)[-1]
           for r in QueryCatalog().get("soa").run(store).records()]
    return list(zip(ids, soa_rows(store), strict=True))


@router.get("/ui/soa/download.{fmt}")
def soa_download(fmt: str, store: StoreDep) -> Response:
    if fmt not in DOWNLOADS:
        raise PageNotFound(f"No SoA download as {fmt!r}", "Formats: csv, xlsx, md.")
    rows = soa_rows(store)
    media, extension = DOWNLOADS[fmt]
    if fmt == "xlsx":
        out = io.BytesIO()
        soa_xlsx(rows, out)
        body: bytes = out.getvalue()
    else:
        body = (soa_csv(rows) if fmt == "csv" else soa_markdown(rows)).encode()
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="statement-of-applicability.{extension}"'})
