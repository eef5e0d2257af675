"""Who sees the anonymous trends, and for which schools.

The SLT coordinator sees the municipalities of their SLT region, the municipal administrator
their municipality, and school leadership their own schools. Everyone else gets 404. Every
view of the figures is audited, without any pupil.

What a user may select is a node of the publication's map (varde/insights/publication.py):
all their schools, a whole municipality among them, or one school. "All" is their region,
their municipality or their school when it is one node, and the sum of the nodes otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from varde.audit.models import AuditAction
from varde.audit.services import audit_record
from varde.insights.publication import municipality_node, region_node, school_node
from varde.insights.report import Node, Selection
from varde.people.models import School

MUNICIPALITY_CHOICE = "kommune-"


def insight_schools_for_user(user: Any) -> list[School]:
    """The schools whose figures `user` may see; 404 when there are none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404
    regions = user.slt_region_ids()
    municipalities = user.admin_municipality_ids()
    leadership = user.leadership_school_ids()
    if not (regions or municipalities or leadership):
        raise Http404
    if not (regions or municipalities):
        # School leadership: their schools came with their role assignments.
        led = {a.school.pk: a.school for a in user.assignments if a.school_id in leadership}
        return sorted(led.values(), key=lambda s: (s.municipality.name, s.name))
    schools = list(
        School.objects.filter(
            Q(municipality__slt_region_id__in=regions)
            | Q(municipality_id__in=municipalities)
            | Q(pk__in=leadership)
        )
        .select_related("municipality__slt_region")
        .order_by("municipality__name", "name")
    )
    if not schools:
        raise Http404
    return schools


def insights_shown(
    user: Any, *, action: str, schools: list[School], detail: dict[str, Any]
) -> None:
    """Audit that figures for these schools were shown (or exported). Fails closed."""
    municipality_ids = {s.municipality_id for s in schools}
    audit_record(
        actor=user,
        action=action,
        object_type="insights",
        reason="Anonyme tall" if action == AuditAction.READ else "Eksport av anonyme tall",
        municipality_id=municipality_ids.pop() if len(municipality_ids) == 1 else None,
        school_id=schools[0].pk if len(schools) == 1 else None,
        detail=detail,
    )


@dataclass(frozen=True)
class InsightScope:
    """The schools a user sees, and which whole municipalities and regions they make up."""

    schools: list[School]
    regions: frozenset[int]
    municipalities: frozenset[int]  # seen whole: administered, or in a region

    def choices(self) -> list[tuple[str, str]]:
        """The filter's options: all, each whole municipality (when there are several), each
        school."""
        several = len({s.municipality_id for s in self.schools}) > 1
        found = [("", _("Alle skoler"))]
        if several:
            seen = set()
            for school in self.schools:
                municipality = school.municipality
                if municipality.pk in self.municipalities and municipality.pk not in seen:
                    seen.add(municipality.pk)
                    name = _("Alle skoler i %(name)s") % {"name": municipality.name}
                    found.append((f"{MUNICIPALITY_CHOICE}{municipality.pk}", name))
        for school in self.schools:
            name = f"{school.name} ({school.municipality.name})" if several else school.name
            found.append((str(school.pk), name))
        return found

    def selection(self, choice: str) -> tuple[Selection, list[School]]:
        """The selection for a choice from `choices`, and its schools."""
        if choice.startswith(MUNICIPALITY_CHOICE):
            pk = int(choice.removeprefix(MUNICIPALITY_CHOICE))
            schools = [s for s in self.schools if s.municipality_id == pk]
            municipality = schools[0].municipality
            node = Node(municipality_node(pk), municipality.name)
            return self._of([node], schools), schools
        if choice:
            schools = [s for s in self.schools if str(s.pk) == choice]
            return self._of([Node(school_node(schools[0].pk), schools[0].name)], schools), schools
        return self._of(self._largest_nodes(), self.schools), self.schools

    def _largest_nodes(self) -> list[Node]:
        """All the user's schools as the fewest nodes: whole regions, then whole
        municipalities, then single schools."""
        nodes: list[Node] = []
        seen: set[str] = set()
        for school in self.schools:
            municipality = school.municipality
            if municipality.slt_region_id in self.regions:
                region = municipality.slt_region
                node = Node(region_node(region.pk), region.name)
            elif municipality.pk in self.municipalities:
                node = Node(municipality_node(municipality.pk), municipality.name)
            else:
                node = Node(school_node(school.pk), school.name)
            if node.key not in seen:
                seen.add(node.key)
                nodes.append(node)
        return nodes

    def _of(self, parts: list[Node], schools: list[School]) -> Selection:
        """A selection of `parts`: its rows are the places one level down when it is one
        region or municipality, and the parts themselves otherwise."""
        if len(parts) == 1 and parts[0].key.startswith("r"):
            rows, seen = [], set()
            for school in schools:
                m = school.municipality
                if m.pk not in seen:
                    seen.add(m.pk)
                    rows.append(Node(municipality_node(m.pk), m.name))
            return Selection(tuple(parts), tuple(rows), _("Kommune"))
        if len(parts) == 1 and parts[0].key.startswith("m"):
            rows = [Node(school_node(s.pk), s.name) for s in schools]
            return Selection(tuple(parts), tuple(rows), _("Skole"))
        if len(parts) == 1:
            return Selection(tuple(parts), tuple(parts), _("Skole"))
        return Selection(tuple(parts), tuple(parts), _("Område"))


def insight_scope(user: Any) -> InsightScope:
    """What `user` may select on the trend page; 404 when nothing."""
    schools = insight_schools_for_user(user)
    regions = frozenset(user.slt_region_ids())
    municipalities = set(user.admin_municipality_ids())
    municipalities |= {
        s.municipality_id
        for s in schools
        if s.municipality.slt_region_id is not None and s.municipality.slt_region_id in regions
    }
    return InsightScope(schools, regions, frozenset(municipalities))
