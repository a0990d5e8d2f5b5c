"""Draws the app icons (our own logo, static/img/logo.svg, as PNG) for the web manifest.

Run once after changing the logo, and commit the PNGs:

    .venv/bin/python -m rubysound.web.make_icons

The gem of logo.svg (a ruby gradient diamond with light facets) on the dark background;
the maskable icon keeps the gem inside the central 80 % safe zone and fills the whole square.
"""

from pathlib import Path

from PIL import Image, ImageDraw

ICONS_DIR = Path(__file__).parent / "static" / "img" / "icons"
BACKGROUND = (15, 11, 13, 255)  # --bg of the dark theme
TOP = (255, 77, 109)  # #ff4d6d
BOTTOM = (157, 11, 43)  # #9d0b2b
SUPERSAMPLE = 4


def _gradient(size: int) -> Image.Image:
    """The logo's diagonal gradient, from the top left corner to the bottom right."""
    steps = 128  # drawn small, then smoothed up to size
    gradient = Image.new("RGBA", (steps, steps))
    pixels = gradient.load()
    for y in range(steps):
        for x in range(steps):
            t = (x + y) / (2 * (steps - 1))
            pixels[x, y] = (
                *(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True)),
                255,
            )
    return gradient.resize((size, size), Image.Resampling.BILINEAR)


def draw_icon(size: int, *, gem_fraction: float, rounded: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    canvas = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    background = ImageDraw.Draw(canvas)
    if rounded:
        background.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BACKGROUND)
    else:
        background.rectangle((0, 0, big, big), fill=BACKGROUND)

    # logo.svg's 64x64 geometry, scaled to the gem's box and centred.
    box = big * gem_fraction
    offset = (big - box) / 2

    def point(x: float, y: float) -> tuple[float, float]:
        return (offset + x / 64 * box, offset + y / 64 * box)

    outline = [point(32, 4), point(58, 24), point(32, 60), point(6, 24)]
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).polygon(outline, fill=255)
    canvas.paste(_gradient(big), (0, 0), mask)

    facets = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    lines = ImageDraw.Draw(facets)
    width = max(1, round(2 / 64 * box))
    white = (255, 255, 255, 115)  # stroke-opacity .45
    lines.line([point(6, 24), point(58, 24)], fill=white, width=width)
    lines.line(
        [point(32, 4), point(20, 24), point(32, 60), point(44, 24), point(32, 4)],
        fill=white,
        width=width,
        joint="curve",
    )
    # The facets stay on the gem (their ends would stick out of its tips).
    facets.putalpha(Image.composite(facets.getchannel("A"), mask, mask))
    canvas = Image.alpha_composite(canvas, facets)
    return canvas.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS_DIR.mkdir(parents=True, exist_ok=True)
    outputs = {
        "icon-192.png": draw_icon(192, gem_fraction=0.78, rounded=True),
        "icon-512.png": draw_icon(512, gem_fraction=0.78, rounded=True),
        # Maskable: the platform crops to its own shape; keep the gem in the safe zone.
        "icon-maskable-512.png": draw_icon(512, gem_fraction=0.6, rounded=False),
    }
    for name, image in outputs.items():
        image.save(ICONS_DIR / name, optimize=True)
        print(ICONS_DIR / name)


if __name__ == "__main__":
    main()
