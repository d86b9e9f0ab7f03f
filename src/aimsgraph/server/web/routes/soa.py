"""The Statement of Applicability: an audit-ready page that prints on A4 landscape, and its CSV,
XLSX and Markdown files (the same header block and lines in each)."""

from __future__ import annotations

import io

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from .... import history
from ....edits import list_records, people
from ....organization import STATUSES, has_organization
from ....soa import FLAGGED, UNDECIDED, statement, statement_csv, statement_markdown, statement_xlsx
from ...auth import Principal, current_principal
from ...deps import StoreDep, default_law
from ..links import catalog
from ..templating import PageNotFound, render
from ..trend import progress_svg, summary

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
    document = statement(store, default_law(request).as_of) if has_organization(store) else None
    groups = []
    if document is not None and any(r["line"] for r in document.lines):
        for framework, counts in document.summary():
            groups.append((framework, counts,
                           [r for r in document.lines if r["framework"] == framework]))
    editing = document is not None and principal.role in ("editor", "admin")
    progress = store.cached(("soa-progress", default_law(request).as_of),
                            lambda: history.soa_progress(store, default_law(request).as_of)) \
        if document is not None else []
    return render(request, "soa.html", "soa", "Statement of Applicability", groups=groups,
                  document=document, flagged=FLAGGED, undecided=UNDECIDED,
                  total=sum(len(lines) for _, _, lines in groups),
                  provision_of=lambda r: by_number.get((r["framework"], r["control"])),
                  editing=editing, statuses=[(k, k) for k in STATUSES],
                  records={r.id: r for r in list_records(store, "soa")} if editing else {},
                  evidence=evidence_by_line(store) if editing else {},
                  people=people(store) if editing else [],
                  progress=progress, progress_svg=progress_svg(progress) if progress else "",
                  progress_summary=summary(progress) if progress else "")


def evidence_by_line(store) -> dict[str, list]:  # type: ignore[no-untyped-def]
    """The evidence records of each SoA line, for the forms that retire them."""
    found: dict[str, list] = {}
    for record in list_records(store, "evidence"):
        found.setdefault(record.row["supports"], []).append(record)
    return found


@router.get("/ui/soa/download.{fmt}")
def soa_download(fmt: str, request: Request, store: StoreDep) -> Response:
    if fmt not in DOWNLOADS:
        raise PageNotFound(f"No SoA download as {fmt!r}", "Formats: csv, xlsx, md.")
    if not has_organization(store):
        raise PageNotFound("No Statement of Applicability is loaded",
                           "Start the service with --data and a folder with controls.csv.")
    document = statement(store, default_law(request).as_of)
    media, extension = DOWNLOADS[fmt]
    if fmt == "xlsx":
        out = io.BytesIO()
        statement_xlsx(document, out)
        body: bytes = out.getvalue()
    else:
        body = (statement_csv(document) if fmt == "csv"
                else statement_markdown(document)).encode()
    return Response(body, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="statement-of-applicability.{extension}"'})
