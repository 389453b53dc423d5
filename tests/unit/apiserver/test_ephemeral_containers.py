"""pods/ephemeralcontainers: only ephemeral containers change, existing ones stay as they are."""

from __future__ import annotations

import pytest

from apiserver.errors import ApiError
from apiserver.subresources.ephemeral_containers import with_ephemeral_containers

POD = {
    "metadata": {"name": "web"},
    "spec": {"containers": [{"name": "app", "image": "i"}]},
    "status": {"phase": "Running"},
}


def test_a_new_ephemeral_container_is_added_with_defaults():
    result = with_ephemeral_containers(POD, [{"name": "debugger", "image": "busybox", "targetContainerName": "app"}])
    (added,) = result["spec"]["ephemeralContainers"]
    assert added["name"] == "debugger" and added["imagePullPolicy"] == "IfNotPresent"
    assert added["terminationMessagePolicy"] == "File"
    assert result["spec"]["containers"] == POD["spec"]["containers"] and result["status"] == POD["status"]
    assert "ephemeralContainers" not in POD["spec"], "the stored object is not modified in place"


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ([], "may not be removed"),
        ([{"name": "old", "image": "other"}], "may not be changed"),
        ([{"name": "old", "image": "busybox"}, {"name": "app", "image": "i"}], "Duplicate value: 'app'"),
        ([{"name": "old", "image": "busybox"}, {"name": "x"}], "needs a name and an image"),
    ],
)
def test_forbidden_changes_are_invalid(wanted, message):
    pod = with_ephemeral_containers(POD, [{"name": "old", "image": "busybox"}])
    with pytest.raises(ApiError) as raised:
        with_ephemeral_containers(pod, wanted)
    assert raised.value.code == 422 and message in raised.value.status["message"]
