"""Look-ups over the merged projects that every renderer needs, built once per compilation.

`ProjectIndex.of(projects)` groups the projects by primary 施策, by 再掲 施策, by risk scenario
and by basic goal, each list in the projects' order, so a sheet or chapter that walks the
master's codes costs one dictionary look-up per code instead of a pass over every project.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # models.py builds on this module
    from .models import MeasureKpi, Project


@dataclass
class ProjectIndex:
    by_measure: dict[str, list[Project]] = field(default_factory=dict)  # primary 施策 (総合計画 projects)
    relisted: dict[str, list[Project]] = field(default_factory=dict)  # 再掲 施策 -> projects
    by_scenario: dict[str, list[Project]] = field(default_factory=dict)
    by_goal: dict[str, list[Project]] = field(default_factory=dict)
    kpis_by_measure: dict[str, list[MeasureKpi]] = field(default_factory=dict)

    @classmethod
    def of(cls, projects: list[Project], kpis: list[MeasureKpi] = ()) -> "ProjectIndex":  # type: ignore[assignment]
        ix = cls()
        for p in projects:
            if p.in_plan:
                ix.by_measure.setdefault(p.measure_code, []).append(p)
                for code in dict.fromkeys(p.relisted_measures):
                    if code != p.measure_code:
                        ix.relisted.setdefault(code, []).append(p)
            for code in dict.fromkeys(p.scenarios):
                ix.by_scenario.setdefault(code, []).append(p)
            for code in dict.fromkeys(p.goals):
                ix.by_goal.setdefault(code, []).append(p)
        for k in kpis:
            ix.kpis_by_measure.setdefault(k.measure_code, []).append(k)
        return ix

    def placed_in(self, measure: str) -> list[Project]:
        """Projects under a 施策, primary first, then the re-listed ones."""
        return self.by_measure.get(measure, []) + self.relisted.get(measure, [])
