"""The demo trust's own small-step framework, invented for the demo: five areas of six steps of six
statements, each step asking for the same skills more securely (``strides.demo.small_steps``)."""

from __future__ import annotations

from strides.steps.services.frameworks import StatementRow

# area code -> (name, six step names, six statement stems)
AREAS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "communication": (
        "Communication",
        ("Encounter", "Awareness", "Attention", "Request", "Exchange", "Conversation"),
        (
            "responds to a familiar voice",
            "makes a choice between two objects",
            "uses a sign, symbol or word to request",
            "follows a one-step instruction",
            "takes turns in an exchange",
            "asks a simple question",
        ),
    ),
    "reading": (
        "Reading",
        ("Sensory stories", "Shared books", "Pictures and symbols", "Sounds", "Words", "Sentences"),
        (
            "attends to a sensory story",
            "anticipates a repeated part of a story",
            "matches a picture to an object",
            "recognises their own name",
            "blends sounds to read a word",
            "reads a short sentence aloud",
        ),
    ),
    "number": (
        "Number",
        ("Objects", "Sorting", "Counting to 5", "Counting to 10", "Adding", "Money"),
        (
            "tracks an object that moves",
            "sorts objects by one property",
            "counts objects with one-to-one correspondence",
            "recognises numerals",
            "finds one more and one less",
            "combines two groups to find how many",
        ),
    ),
    "pshe": (
        "PSHE",
        ("Self", "Routines", "Feelings", "Others", "Choices", "Community"),
        (
            "shows a preference for a person or activity",
            "follows a familiar routine",
            "indicates how they feel",
            "waits for their turn",
            "asks an adult for help",
            "keeps themselves safe in a familiar place",
        ),
    ),
    "physical": (
        "Physical development",
        ("Movement", "Balance", "Grasp", "Coordination", "Tools", "Games"),
        (
            "moves towards a chosen object",
            "sits with support and balances",
            "grasps and releases an object",
            "throws a ball towards a target",
            "uses a tool with control",
            "joins in a simple team game",
        ),
    ),
}
STATEMENTS_PER_STEP = 6
STEPS = 6


# each step asks for the same skills more securely: read as "Makes a choice between two objects,
# with some support" (invented for the demo, as every statement here is)
QUALIFIERS = (
    "when an adult helps fully",
    "with some help from an adult",
    "with a prompt",
    "in a familiar place, unprompted",
    "in new places and with new people",
    "independently, whenever it is needed",
)


def statement_rows() -> list[StatementRow]:
    rows = []
    for area, (name, steps, stems) in AREAS.items():
        for number, step_name in enumerate(steps, start=1):
            for index, stem in enumerate(stems, start=1):
                rows.append(
                    StatementRow(
                        row=len(rows) + 2,
                        area=area,
                        step=number,
                        step_name=step_name,
                        code=f"{area[:3].upper()}{number}.{index}",
                        text=f"{stem.capitalize()}, {QUALIFIERS[number - 1]}",
                        key=index == STATEMENTS_PER_STEP,
                        area_name=name,
                    )
                )
    return rows
