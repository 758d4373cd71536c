"""A photo reused in another visit is told in words: whose visit, when, and what changed."""

from __future__ import annotations

from bot.i18n import translator
from handlers.flag_text import flag_sentence

GEOMETRIC = {
    "photo_index": 0,
    "other_visit_id": 12,
    "other_day": "2026-03-02",
    "other_helper": "王建國",
    "other_household": "李家",
    "stage": "geometric",
    "inliers": 52,
    "scale": 1.0,
    "rotation_degrees": 0,
    "mirrored": 0,
    "crop_percent": 15,
}


def test_a_geometric_match_names_the_other_visit_in_both_languages() -> None:
    zh = flag_sentence("near_duplicate_photo", GEOMETRIC, translator("zh-CN"))
    assert zh.startswith("第 1 张照片与 3 月 2 日王建國走访李家的照片是同一张（裁剪约 15%")
    assert "52" in zh and "12" in zh
    en = flag_sentence("near_duplicate_photo", GEOMETRIC, translator("en"))
    assert en.startswith(
        "Photo 1 is the same picture as the photo of 王建國's visit to 李家 on 3/2"
    )
    assert "cropped about 15%" in en and "52 matching points" in en


def test_a_scaled_fingerprint_match_says_so_and_old_flags_still_read() -> None:
    scaled = {**GEOMETRIC, "crop_percent": 0, "scale": 0.5, "rotation_degrees": 90}
    en = flag_sentence("near_duplicate_photo", scaled, translator("en"))
    assert "scaled to about 50%" in en and "turned by 90°" in en and "cropped" not in en
    mirrored = flag_sentence(
        "near_duplicate_photo", {**GEOMETRIC, "mirrored": 1}, translator("zh-CN")
    )
    assert "镜像" in mirrored
    fingerprint = {
        k: v
        for k, v in GEOMETRIC.items()
        if k not in ("stage", "crop_percent", "scale", "inliers", "rotation_degrees")
    }
    fingerprint |= {"stage": "fingerprint", "distance": 4, "threshold": 12}
    assert "指纹差异 4" in flag_sentence("near_duplicate_photo", fingerprint, translator("zh-CN"))
    old = {"photo_index": 1, "other_visit_id": 3, "distance": 5, "threshold": 12}
    assert flag_sentence("near_duplicate_photo", old, translator("en")) == (
        "Photo 2 looks the same as a photo of visit #3 (difference 5, threshold 12)."
    )
