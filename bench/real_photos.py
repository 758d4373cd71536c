"""Real camera photographs for the photo-reuse benchmark and tests.

Generated scenes are too regular to show how local features behave on real texture (grass,
bark, rock, wood, leaves, walls), so `bench.reuse` and tests/photos/test_geometric.py use
real photographs from three sources (licences in docs/photos.md):

* Debian's desktop background packages: fetched with `apt-get download` (no root needed once
  the package lists exist) and unpacked with `dpkg -x` into a cache directory:
  `$BANGFU_PHOTO_CACHE`, else `~/.cache/bangfu/real-photos`. `.ci/run` fetches them before
  the tests. Run `python3 -m bench.real_photos` to fetch by hand; it needs only the standard
  library.
* Walls, brickwork and roofs from Wikimedia Commons, kept in `bench/photos/` (no package
  ships such photographs) and checked against their SHA-256 before use.
* Real repeated scenes, the honest pairs no photo can be synthesised into: the same wall from
  another viewpoint, a row of houses at another exposure, a scene from a step to the side.
  They are OpenCV's sample images in Debian's `opencv-doc` (a 95 MB download, so only the
  full benchmark fetches them, `python3 -m bench.real_photos --scenes`), SHA-256-checked.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# Package -> photographs in it (the packages also hold drawings and renderings, left out).
PACKAGES: dict[str, tuple[str, ...]] = {
    "lomiri-wallpapers-16.04": (
        "Bridge_by_Sander_Klootwijk.jpg",
        "Dragonfly_by_Bolly.jpg",
        "Picture_0B_by_freespace.jpg",
        "Picture_1A_by_freespace.jpg",
        "Wine_by_Jakkub_Mede.jpg",
        "aitzgorri_by_Aitzol_Berasategi.jpg",
        "analogpattern_by_Peter_Nerlich.jpg",
        "free_by_Peter_Nerlich.jpg",
        "friends_by_Aitzol_Berasategi.jpg",
        "life_by_Aitzol_Berasategi.jpg",
        "picosdeeuropa_by_Aitzol_Berasategi.jpg",
        "seeding_by_Clements_Engelhardt.jpg",
        "sunset_by_Aitzol_Berasategi.jpg",
    ),
    "lomiri-wallpapers-20.04": ("Kleiber_by_Lukas_Baubkus.jpg",),
    "mate-backgrounds": tuple(
        f"mate/nature/{name}.jpg"
        for name in (
            "Aqua",
            "Blinds",
            "Dune",
            "FreshFlower",
            "Garden",
            "GreenMeadow",
            "LadyBird",
            "RainDrops",
            "Storm",
            "TwoWings",
            "Wood",
            "YellowFlower",
        )
    ),
}
# Photographs kept in the repository (bench/photos/) and their SHA-256.
COMMITTED: dict[str, str] = {
    "carthage-antonine-baths.jpg": "1820ce512f3be769"
    "079b10d1f2d1a3ad4ebc49ba23c88a1573545d3997d796a3",
    "topkapi-palace-arcade.jpg": "99559be9462abbe0"
    "492fa12c00bf2b85baa6cede4e1dd6488a5e14dcc98866dc",
    "souk-el-attarine.jpg": "d3ca97e12bd3adbcc16baf13dbf82b19cc361ef78313205d1eaac8bace40a319",
}
COMMITTED_DIR = Path(__file__).resolve().parent / "photos"
# Honest pairs of real repeated scenes: the package, its folder, and per pair the two files
# with their SHA-256 and what differs between the two exposures.
SCENE_PACKAGE = "opencv-doc"
_SCENE_DIR = "usr/share/doc/opencv-doc/examples/data"
SCENE_PAIRS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "graf1.png",
        "1504b769303c7bde00fa578eeaad3c68e02aceabeb1242e556f1f8d19e4bdea5",
        "graf3.png",
        "492e0e96f21748d093e1a29f4dbfd46528bd75966937e85ce7c8abc0f361fc15",
        "a painted wall from another viewpoint",
    ),
    (
        "leuvenA.jpg",
        "b2977cdbd9fb3f94dadd6f76cf586d145676deb8a22b5f0f42149d21c058c09f",
        "leuvenB.jpg",
        "5bb41a60038a2baa5d8ea0eaba55e6e3050d721b254cf79d8d8998d7e49d664a",
        "a row of houses from the same spot at another exposure",
    ),
    (
        "aloeL.jpg",
        "cce5736808efe80d9f04b118dbb978c344d4345672b332718c3e039a3eeb8eee",
        "aloeR.jpg",
        "9b23100df31a846bc6e6a6545563b2b4120b948c9835c7d36cde00af77f4503e",
        "a plant before a wall, a step to the side",
    ),
    (
        "basketball1.png",
        "ba06f6701f7260998b430c39b6557f775497e6ce7b1a74f0b7ea6af371bf54a6",
        "basketball2.png",
        "b3047772e0dc6c9d83c26f64894ca1a897f799f855c5574ac24b2ef934c2978e",
        "a room a moment later, things moved",
    ),
)
# Photographs of repetitive rural texture: fields, grass, bark, wood, rock, meadows, walls.
RURAL_TEXTURES = (
    "carthage-antonine-baths.jpg",
    "topkapi-palace-arcade.jpg",
    "aitzgorri_by_Aitzol_Berasategi.jpg",
    "life_by_Aitzol_Berasategi.jpg",
    "picosdeeuropa_by_Aitzol_Berasategi.jpg",
    "seeding_by_Clements_Engelhardt.jpg",
    "friends_by_Aitzol_Berasategi.jpg",
    "Kleiber_by_Lukas_Baubkus.jpg",
    "mate/nature/Dune.jpg",
    "mate/nature/GreenMeadow.jpg",
    "mate/nature/Wood.jpg",
    "mate/nature/Blinds.jpg",
)
_SHARE = "usr/share/backgrounds"


class PhotosUnavailable(RuntimeError):
    """The Debian packages with the photographs could not be fetched."""


def cache_dir() -> Path:
    """Where the unpacked photographs live."""
    configured = os.environ.get("BANGFU_PHOTO_CACHE")
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "bangfu" / "real-photos"


def _expected(root: Path) -> list[Path]:
    return [root / _SHARE / name for names in PACKAGES.values() for name in names]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(root: Path, packages: list[str]) -> None:
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise PhotosUnavailable("apt-get and dpkg are needed to fetch the photographs")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as work:
        command = ["apt-get", "download", *packages]
        result = subprocess.run(command, cwd=work, capture_output=True, text=True)
        if result.returncode != 0 and os.geteuid() == 0:
            # A fresh machine has no package lists yet; root can fetch them.
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True)
            result = subprocess.run(command, cwd=work, capture_output=True, text=True)
        if result.returncode != 0:
            raise PhotosUnavailable(f"apt-get download failed: {result.stderr.strip()[-500:]}")
        for deb in sorted(Path(work).glob("*.deb")):
            subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)


def photo_paths(*, fetch: bool = True) -> list[Path]:
    """Paths of every photograph, fetching the packages first when they are missing."""
    root = cache_dir()
    paths = _expected(root)
    if not all(path.is_file() for path in paths):
        if not fetch:
            raise PhotosUnavailable(f"photographs missing under {root}")
        _download(root, list(PACKAGES))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise PhotosUnavailable(f"photographs missing after unpacking: {missing[:3]}")
    return paths + committed_paths()


def committed_paths() -> list[Path]:
    """The photographs kept in the repository, each checked against its SHA-256."""
    paths = [COMMITTED_DIR / name for name in COMMITTED]
    for path, digest in zip(paths, COMMITTED.values(), strict=True):
        if not path.is_file() or _sha256(path) != digest:
            raise PhotosUnavailable(f"{path} is missing or not the photograph listed")
    return paths


def scene_pairs(*, fetch: bool = True) -> list[tuple[Path, Path, str]]:
    """The honest pairs of real repeated scenes, fetching their package when missing."""
    root = cache_dir()
    folder = root / _SCENE_DIR
    wanted = [
        (folder / first, first_sha, folder / second, second_sha, what)
        for first, first_sha, second, second_sha, what in SCENE_PAIRS
    ]
    if not all(pair[0].is_file() and pair[2].is_file() for pair in wanted):
        if not fetch:
            raise PhotosUnavailable(f"scene pairs missing under {folder}")
        _download(root, [SCENE_PACKAGE])
    pairs: list[tuple[Path, Path, str]] = []
    for first, first_sha, second, second_sha, what in wanted:
        for path, digest in ((first, first_sha), (second, second_sha)):
            if not path.is_file() or _sha256(path) != digest:
                raise PhotosUnavailable(f"{path} is missing or not the photograph listed")
        pairs.append((first, second, what))
    return pairs


def is_rural_texture(path: Path) -> bool:
    """Whether the photograph shows a repetitive rural texture."""
    return any(str(path).endswith(name) for name in RURAL_TEXTURES)


if __name__ == "__main__":
    print(f"{len(photo_paths())} photographs in {cache_dir()} and {COMMITTED_DIR}")
    if "--scenes" in sys.argv[1:]:
        print(f"{len(scene_pairs())} pairs of real repeated scenes")
    sys.exit(0)
