"""Image inspections are reused for a while, forgotten on pull, and never remembered as missing."""

from __future__ import annotations

from kubelet.runtime.image_cache import ImageCache


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_fresh_entry_is_reused_and_an_old_one_is_not():
    clock = Clock()
    cache = ImageCache(ttl_seconds=10, clock=clock)
    cache.put("busybox:1.35", {"Id": "sha256:a"})
    clock.now += 9
    assert cache.get("busybox:1.35") == {"Id": "sha256:a"}
    clock.now += 2
    assert cache.get("busybox:1.35") is None


def test_forget_drops_the_entry_and_unknown_images_are_misses():
    cache = ImageCache()
    cache.put("busybox:1.35", {"Id": "sha256:a"})
    cache.forget("busybox:1.35")
    assert cache.get("busybox:1.35") is None
    assert cache.get("never-seen:1") is None
