"""The new part of an email: its text without the quoted earlier messages and
without the signature, for the timeline."""

import re

# "On Tue, 4 Mar 2025, Anna <a@x.de> wrote:", "Am 04.03.2025 um 10:12 schrieb
# Anna Schmidt:", and the like in other languages; the line may wrap once.
_ATTRIBUTION = re.compile(
    r"^(on|am|le|el|il|op)\s.{0,300}"
    r"\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\b.{0,100}:\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|forwarded message|"
    r"weitergeleitete nachricht|message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_OUTLOOK_RULE = re.compile(r"^_{10,}\s*$")
_HEADER_BLOCK_START = re.compile(r"^\s*\*?(from|von|de)\s*:\*?\s", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*\*?(sent|gesendet|date|datum|envoyé|to|an|subject|betreff)\s*:", re.IGNORECASE
)
_SIGNATURE = re.compile(r"^--\s?$")
MAX_PREVIEW = 20_000


def _starts_quote(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    following = lines[index + 1].strip() if index + 1 < len(lines) else ""
    if _SEPARATOR.match(line) or _OUTLOOK_RULE.match(line):
        return True
    if _ATTRIBUTION.match(line) or _ATTRIBUTION.match(f"{line} {following}"):
        return True
    return bool(_HEADER_BLOCK_START.match(line) and _HEADER_BLOCK_NEXT.match(following))


def reply_text(text: str) -> str:
    """``text`` up to the quoted reply or the signature, without "> " lines.
    A message that is all quote keeps its text."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _SIGNATURE.match(line) or _starts_quote(lines, index):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    preview = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    if not preview:
        preview = (text or "").strip()
    return preview[:MAX_PREVIEW]
