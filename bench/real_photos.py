"""Real camera photographs for the photo-reuse benchmark and tests, from Debian packages.

Generated scenes are too regular to show how local features behave on real texture (grass,
bark, rock, wood, leaves), so `bench.reuse` and tests/photos/test_geometric.py use the
photographs that Debian's desktop background packages ship. They are fetched with
`apt-get download` (no root needed once the package lists exist) and unpacked with
`dpkg -x` into a cache directory: `$BANGFU_PHOTO_CACHE`, else `~/.cache/bangfu/real-photos`.
`.ci/run` fetches them before the tests. Run `python3 -m bench.real_photos` to fetch by hand;
it needs only the standard library.
"""

from __future__ import annotations

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
# Photographs of repetitive rural texture: fields, grass, bark, wood, rock, meadows.
RURAL_TEXTURES = (
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


def _download(root: Path) -> None:
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        raise PhotosUnavailable("apt-get and dpkg are needed to fetch the photographs")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root) as work:
        command = ["apt-get", "download", *PACKAGES]
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
        _download(root)
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise PhotosUnavailable(f"photographs missing after unpacking: {missing[:3]}")
    return paths


def is_rural_texture(path: Path) -> bool:
    """Whether the photograph shows a repetitive rural texture."""
    return any(str(path).endswith(name) for name in RURAL_TEXTURES)


if __name__ == "__main__":
    print(f"{len(photo_paths())} photographs in {cache_dir()}")
    sys.exit(0)
