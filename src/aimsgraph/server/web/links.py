"""The provision index the pages link through, and the page addresses (root-relative, so the
view also works behind a proxy that sets ``root_path``)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Request

from ...coverage import Provision, natural_key, provision_index
from ...namespaces import FRAMEWORKS
from ...queries import QueryCatalog
from ...store import GraphStore
from .cache import per_store

#: short names for table headings; the key is the framework's command-line key
SHORT = {"iso42001": "ISO/IEC 42001", "iso27001": "ISO/IEC 27001:2022",
         "iso27001-2013": "ISO/IEC 27001:2013", "iso27701": "ISO/IEC 27701", "aiact": "EU AI Act",
         "gdpr": "GDPR", "oecd": "OECD AI Principles", "nist-ai-rmf": "NIST AI RMF"}
KEY_OF = {iri: key for key, iri in FRAMEWORKS.items()}


@dataclass(frozen=True)
class Framework:
    iri: str
    key: str  # the command-line key (iso42001), or the IRI for a framework aimsgraph does not ship
    notation: str
    title: str
    version: str
    issued: str

    @property
    def short(self) -> str:
        return SHORT.get(self.key, self.notation)


class Catalog:
    """Frameworks and provisions of one store, by IRI and by (framework key, number)."""

    def __init__(self, store: GraphStore) -> None:
        queries = QueryCatalog()
        self.frameworks = {
            r["framework"] or "": Framework(r["framework"] or "", KEY_OF.get(r["framework"] or "",
                                                                           r["framework"] or ""),
                                            r["notation"] or "", r["title"] or "",
                                            r["version"] or "", r["issued"] or "")
            for r in queries.get("frameworks").run(store).records()}
        self.provisions = provision_index(store, queries)
        self.by_number = {(p.framework, p.notation): p for p in self.provisions.values()}
        self.children: dict[str, list[Provision]] = {}
        for p in sorted(self.provisions.values(), key=lambda p: natural_key(p.notation)):
            if p.parent:
                self.children.setdefault(p.parent, []).append(p)

    def ordered_frameworks(self) -> list[Framework]:
        """Shipped frameworks in the order of FRAMEWORKS, then any others by notation."""
        order = {iri: i for i, iri in enumerate(FRAMEWORKS.values())}
        return sorted(self.frameworks.values(),
                      key=lambda f: (order.get(f.iri, len(order)), f.notation))

    def framework(self, key: str) -> Framework | None:
        iri = FRAMEWORKS.get(key, key)
        return self.frameworks.get(iri)

    def find(self, key: str, notation: str) -> Provision | None:
        framework = self.framework(key)
        return self.by_number.get((framework.iri, notation)) if framework else None

    def ancestors(self, iri: str) -> list[Provision]:
        found, up = [], self.provisions[iri].parent
        while up and up in self.provisions and len(found) < 20:
            found.append(self.provisions[up])
            up = self.provisions[up].parent
        return found[::-1]


def catalog(request: Request) -> Catalog:
    return per_store(request, "catalog", lambda: Catalog(request.app.state.store))


#: the only schemes an IRI from the graph is rendered as a link with; any other IRI (such as
#: ``javascript:`` or ``data:`` in loaded RDF) is shown as text
LINK_SCHEMES = ("http", "https")


def external(iri: str) -> str:
    """``iri`` if a browser may follow it as a link (http or https with a host), else ""."""
    try:
        parts = urlsplit(iri.strip())
    except ValueError:
        return ""
    return iri if parts.scheme.lower() in LINK_SCHEMES and parts.netloc else ""


class Links:
    """Addresses of the pages, root-relative."""

    def __init__(self, request: Request, index: Catalog) -> None:
        self.root = request.scope.get("root_path", "").rstrip("/")
        self.index = index

    def url(self, path: str, **query: str | None) -> str:
        params = {k: v for k, v in query.items() if v not in (None, "")}
        return self.root + path + ("?" + urlencode(params) if params else "")

    @staticmethod
    def external(iri: str) -> str:
        return external(iri)

    def static(self, name: str) -> str:
        return f"{self.root}/ui/static/{name}"

    def provision(self, iri: str, anchor: str = "") -> str:
        p = self.index.provisions.get(iri)
        if p is None:
            return self.url("/ui/provision", iri=iri)
        key = KEY_OF.get(p.framework)
        path = (f"/ui/provisions/{key}/{quote(p.notation, safe='')}" if key
                else f"/ui/provision?{urlencode({'iri': iri})}")
        return self.root + path + (f"#{anchor}" if anchor else "")

    def system(self, key: str, anchor: str = "") -> str:
        return f"{self.root}/ui/systems/{quote(key, safe='')}" + (f"#{anchor}" if anchor else "")

    def soa_line(self, line_iri: str) -> str:
        return f"{self.root}/ui/soa#line-{line_iri.rsplit('/', 1)[-1]}"
