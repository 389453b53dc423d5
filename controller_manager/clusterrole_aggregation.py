"""ClusterRole aggregation ("clusterrole-aggregation"): an aggregated role's rules are the union
of the rules of every ClusterRole its `aggregationRule.clusterRoleSelectors` select.

ClusterRole events ──► every aggregated ClusterRole's name (any role may match any selector)
reconcile(name): aggregationRule set ──► matching roles (by name, itself left out), their rules
    in that order without repeats ──► differs from `rules` ──► update (a conflict retries)
This is how the default `admin`, `edit` and `view` get their rules (aggregate-to-* labels).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from controller_manager.ownership import meta
from kubemini.api.registry import by_kind
from kubemini.api.selectors.labels import labels_match, selector_from_label_selector
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import NotFound
from kubemini.client.shared_informers import SharedInformers

CLUSTER_ROLE = by_kind("ClusterRole")


def aggregated_rules(role: Mapping[str, Any], roles: Iterable[Mapping[str, Any]]) -> list[dict]:
    """The union of the rules of the roles `role`'s selectors match (pure)."""
    selectors = [
        selector_from_label_selector(selector)
        for selector in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or ()
    ]
    name = meta(role).get("name")
    rules: list[dict] = []
    for other in sorted(roles, key=lambda r: meta(r).get("name", "")):
        if meta(other).get("name") == name:
            continue
        labels = meta(other).get("labels") or {}
        if not any(labels_match(selector, labels) for selector in selectors):
            continue
        for rule in other.get("rules") or ():
            if rule not in rules:
                rules.append(copy.deepcopy(dict(rule)))
    return rules


class ClusterRoleAggregationController(ClientController):
    name = "clusterrole-aggregation"

    def setup(self, informers: SharedInformers) -> None:
        self.roles = self.add_informer(informers.informer(CLUSTER_ROLE), key_for=self._aggregated_names)

    def _aggregated_names(self, _changed: Mapping[str, Any]) -> list[str]:
        return [meta(role)["name"] for role in self.roles.list() if role.get("aggregationRule")]

    async def reconcile(self, key: str) -> Result | None:
        role = self.roles.get(key)
        if role is None or not role.get("aggregationRule"):
            return None
        rules = aggregated_rules(role, self.roles.list())
        if rules == list(role.get("rules") or []):
            return None
        updated = copy.deepcopy(dict(role))
        updated["rules"] = rules
        try:
            await self.client.update(CLUSTER_ROLE, updated)
        except NotFound:
            pass  # deleted meanwhile: nothing to aggregate
        return None
