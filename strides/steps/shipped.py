"""The small-step frameworks Strides ships: one small, ORIGINAL example of each shape, and the
engagement model (docs/small-steps-frameworks.md, "The examples Strides ships").

The statements were written for Strides in plain English. They are not the text of any published
framework (B Squared, Routes for Learning, Sounds of Intent, MAPP and others are copyright, and a
school that uses one imports its own licensed copy from a spreadsheet). The engagement model's
five areas are the Department for Education's; their one-line descriptions are Strides' own.

Plain data, so the data migration (``migrations/0002_shipped_examples.py``), the tests and the
spreadsheet templates (``docs/templates/small-steps-framework*.csv``) build the same thing.
:func:`install_shipped` takes an app registry (Django's or a migration's) and writes with its
models, as ``strides.frameworks.services.install_shipped`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strides.steps.models import Shape
from strides.steps.services.frameworks import DEFAULT_LEVELS, ENGAGEMENT_AREAS, StatementRow

ORIGINAL = "An original example written for Strides; not the text of any published framework."

# A statement, milestone or element: (code, text, key, leads to)
Item = tuple[str, str, bool, tuple[str, ...]]


@dataclass(frozen=True)
class StepSpec:
    number: int
    name: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class AreaSpec:
    code: str
    name: str
    description: str = ""
    steps: tuple[StepSpec, ...] = ()
    milestones: tuple[Item, ...] = ()  # a milestone map's strand has no steps


@dataclass(frozen=True)
class FrameworkSpec:
    code: str
    name: str
    shape: str
    description: str
    areas: tuple[AreaSpec, ...] = ()


def _s(code: str, text: str, key: bool = False, leads_to: tuple[str, ...] = ()) -> Item:
    return (code, text, key, leads_to)


LINEAR = FrameworkSpec(
    code="example-small-steps",
    name="Small steps (example)",
    shape=Shape.LINEAR,
    description=(
        "Five areas of three steps each, for pupils working well below their age. Each step is "
        f"secured statement by statement; key statements are marked. {ORIGINAL}"
    ),
    areas=(
        AreaSpec(
            "communication",
            "Communication",
            "Making needs, choices and ideas known, and understanding others.",
            (
                StepSpec(
                    1,
                    "Noticing and responding",
                    (
                        _s("COM1.1", "Turns towards a familiar voice or sound.", True),
                        _s("COM1.2", "Reacts differently to an object they like and one they dislike."),
                        _s("COM1.3", "Stills or quietens when an adult begins a familiar song."),
                        _s("COM1.4", "Makes a sound or movement to ask for an activity to go on."),
                    ),
                ),
                StepSpec(
                    2,
                    "Making choices",
                    (
                        _s("COM2.1", "Chooses between two objects by reaching, looking or touching.", True),
                        _s("COM2.2", "Uses one sign, symbol or word to ask for something they want."),
                        _s("COM2.3", "Takes a turn in a back-and-forth game with an adult."),
                        _s("COM2.4", "Responds to their own name in a quiet room."),
                        _s("COM2.5", "Pushes away or signals no to refuse something."),
                    ),
                ),
                StepSpec(
                    3,
                    "Joining words and ideas",
                    (
                        _s("COM3.1", "Combines two signs, symbols or words to make a request.", True),
                        _s("COM3.2", "Follows a spoken instruction with one key word in a familiar routine."),
                        _s("COM3.3", "Answers a simple what or where question about something in view."),
                        _s("COM3.4", "Greets a familiar adult or classmate without a prompt."),
                        _s(
                            "COM3.5",
                            "Tells an adult about something that has just happened, in any way.",
                            True,
                        ),
                    ),
                ),
            ),
        ),
        AreaSpec(
            "reading",
            "Reading",
            "Enjoying books, then pictures, symbols and first print.",
            (
                StepSpec(
                    1,
                    "Sharing books",
                    (
                        _s("REA1.1", "Looks at a picture in a book an adult is sharing."),
                        _s("REA1.2", "Helps to turn the pages of a board book."),
                        _s("REA1.3", "Reacts to a repeated line in a familiar story.", True),
                        _s("REA1.4", "Explores an object that goes with a story as it is brought out."),
                    ),
                ),
                StepSpec(
                    2,
                    "Pictures and symbols",
                    (
                        _s("REA2.1", "Matches an everyday object to its photograph.", True),
                        _s("REA2.2", "Picks out a familiar symbol from a choice of three."),
                        _s("REA2.3", "Points to a named character in a picture."),
                        _s("REA2.4", "Joins in with the last word of a rhyming line."),
                    ),
                ),
                StepSpec(
                    3,
                    "First print",
                    (
                        _s("REA3.1", "Recognises the first letter of their own name.", True),
                        _s("REA3.2", "Finds their own name card among four others."),
                        _s("REA3.3", "Says or signs the sound of three letters they have been taught."),
                        _s(
                            "REA3.4",
                            "Follows a short symbol-supported sentence from left to right with help.",
                        ),
                        _s("REA3.5", "Puts three pictures of a known story in order.", True),
                    ),
                ),
            ),
        ),
        AreaSpec(
            "number",
            "Number",
            "Noticing amounts, matching and sorting, then counting.",
            (
                StepSpec(
                    1,
                    "Noticing amounts",
                    (
                        _s("NUM1.1", "Notices when a favourite object is taken away.", True),
                        _s("NUM1.2", "Searches for an object that has been partly hidden."),
                        _s("NUM1.3", "Takes part in a counting song with actions."),
                        _s("NUM1.4", "Drops objects into a container one at a time."),
                    ),
                ),
                StepSpec(
                    2,
                    "Matching and sorting",
                    (
                        _s("NUM2.1", "Sorts objects into two groups by one feature, such as colour.", True),
                        _s("NUM2.2", "Gives one object when asked for one."),
                        _s("NUM2.3", "Matches pairs of identical objects."),
                        _s("NUM2.4", "Shows which is more when offered a small and a large pile."),
                    ),
                ),
                StepSpec(
                    3,
                    "Counting",
                    (
                        _s("NUM3.1", "Counts three objects, touching each one once.", True),
                        _s("NUM3.2", "Says or signs the numbers to five in order."),
                        _s("NUM3.3", "Finds the bigger of two objects when asked."),
                        _s("NUM3.4", "Copies a simple repeating pattern of two colours."),
                        _s("NUM3.5", "Gives the right number of objects, up to three, when asked.", True),
                    ),
                ),
            ),
        ),
        AreaSpec(
            "pshe",
            "Personal, social and health",
            "Feeling safe, being with others and taking part.",
            (
                StepSpec(
                    1,
                    "Feeling safe",
                    (
                        _s("PSH1.1", "Stays close to a familiar adult during a new activity.", True),
                        _s("PSH1.2", "Copes with a change of room when holding a familiar object."),
                        _s("PSH1.3", "Shows a preference for a particular adult."),
                        _s("PSH1.4", "Lets an adult help with hand washing."),
                    ),
                ),
                StepSpec(
                    2,
                    "Being with others",
                    (
                        _s("PSH2.1", "Stays beside a classmate at a shared activity for two minutes.", True),
                        _s("PSH2.2", "Passes an object to another pupil when prompted."),
                        _s("PSH2.3", "Uses a visual timetable to move on to the next activity."),
                        _s("PSH2.4", "Shows how they feel using a photograph or symbol."),
                    ),
                ),
                StepSpec(
                    3,
                    "Taking part",
                    (
                        _s("PSH3.1", "Waits for a turn in a small-group game.", True),
                        _s("PSH3.2", "Helps to tidy away after an activity."),
                        _s("PSH3.3", "Asks for help with a sign, symbol, word or gesture."),
                        _s("PSH3.4", "Chooses a calming activity when upset, with a reminder."),
                    ),
                ),
            ),
        ),
        AreaSpec(
            "physical",
            "Physical",
            "Holding, reaching and moving with purpose.",
            (
                StepSpec(
                    1,
                    "Holding and reaching",
                    (
                        _s("PHY1.1", "Holds their head steady when supported in sitting.", True),
                        _s("PHY1.2", "Grasps an object placed in their hand."),
                        _s("PHY1.3", "Brings both hands together in front of the body."),
                        _s("PHY1.4", "Reaches towards an object within arm's length."),
                    ),
                ),
                StepSpec(
                    2,
                    "Controlling movement",
                    (
                        _s("PHY2.1", "Moves an object from one hand to the other.", True),
                        _s("PHY2.2", "Sits without support for a minute."),
                        _s("PHY2.3", "Pushes or rolls a large ball towards an adult."),
                        _s("PHY2.4", "Makes marks with a chunky crayon or a finger in paint."),
                    ),
                ),
                StepSpec(
                    3,
                    "Moving with purpose",
                    (
                        _s("PHY3.1", "Climbs onto and off low equipment safely.", True),
                        _s("PHY3.2", "Picks up a small object with finger and thumb."),
                        _s("PHY3.3", "Throws a beanbag towards a target."),
                        _s("PHY3.4", "Threads a large bead onto a stiff lace."),
                        _s("PHY3.5", "Kicks a ball while standing with support."),
                    ),
                ),
            ),
        ),
    ),
)

MILESTONES = FrameworkSpec(
    code="example-milestone-map",
    name="Milestone map (example)",
    shape=Shape.MILESTONES,
    description=(
        "Three strands of numbered milestones, reached in any order; each may lead to others, in "
        f"its own strand or another. Key milestones are marked. {ORIGINAL}"
    ),
    areas=(
        AreaSpec(
            "thinking",
            "Thinking and exploring",
            "Noticing, remembering and solving small problems.",
            milestones=(
                _s("M1", "Notices a change in light, sound or touch.", True, ("M2", "M6")),
                _s("M2", "Keeps watching a moving object for a few seconds.", False, ("M3",)),
                _s("M3", "Repeats an action that made something interesting happen.", True, ("M4", "M11")),
                _s("M4", "Looks for an object after it drops out of sight.", False, ("M5",)),
                _s("M5", "Tries another way when the first way does not work.", True),
            ),
        ),
        AreaSpec(
            "connecting",
            "Communicating and connecting",
            "Sharing attention, signalling and taking turns with other people.",
            milestones=(
                _s("M6", "Responds differently to familiar and unfamiliar people.", False, ("M7",)),
                _s("M7", "Shares attention with an adult on the same object.", True, ("M8",)),
                _s("M8", "Uses the same signal each time to ask for more.", False, ("M9", "M10")),
                _s("M9", "Takes turns in a simple exchange of sounds or actions.", True),
                _s("M10", "Draws an adult's attention to something of interest.", True),
            ),
        ),
        AreaSpec(
            "acting",
            "Acting on the world",
            "Reaching, using objects and making things happen on purpose.",
            milestones=(
                _s("M11", "Reaches or moves towards something they want.", True, ("M12",)),
                _s("M12", "Uses a switch or a simple cause-and-effect toy on purpose.", False, ("M13",)),
                _s("M13", "Uses one object as a tool to get another.", True, ("M14",)),
                _s("M14", "Joins two actions in a row to reach a goal."),
            ),
        ),
    ),
)

LEVEL_NAMES = ("Encountering", "Noticing", "Anticipating", "Exploring", "Directing")


def _matrix_domain(code: str, name: str, description: str, letter: str, levels: list[list[str]]) -> AreaSpec:
    """A domain of the matrix: level n's elements are coded ``R.n.A``, ``R.n.B``...; the first
    element of levels 3 and 5 is key."""
    steps = tuple(
        StepSpec(
            number,
            LEVEL_NAMES[number - 1],
            tuple(
                _s(f"{letter}.{number}.{chr(65 + i)}", text, key=i == 0 and number in (3, 5))
                for i, text in enumerate(texts)
            ),
        )
        for number, texts in enumerate(levels, start=1)
    )
    return AreaSpec(code, name, description, steps)


MATRIX = FrameworkSpec(
    code="example-interaction-matrix",
    name="Interaction matrix (example)",
    shape=Shape.MATRIX,
    description=(
        "Three domains of five levels, from encountering to directing; each level is described by "
        f"two or three elements, coded domain.level.element (R.2.B). {ORIGINAL}"
    ),
    areas=(
        _matrix_domain(
            "responding",
            "Responding",
            "How the pupil reacts to what happens around them.",
            "R",
            [
                [
                    "Is present during an activity without withdrawing.",
                    "Shows a startle or other reflex response to a sudden sound or touch.",
                ],
                [
                    "Reacts in the same way to a particular stimulus each time.",
                    "Changes breathing, movement or stillness when an activity starts or stops.",
                ],
                [
                    "Reacts before a familiar event, such as a cue that lunch is coming.",
                    "Shows dislike of a predictable event before it happens.",
                ],
                [
                    "Responds to a stimulus offered in a new way.",
                    "Keeps responding over several repeats of an activity.",
                    "Shows a preference between two stimuli.",
                ],
                [
                    "Meets a change in a familiar routine with curiosity rather than distress.",
                    "Responds to the same cue given by different adults.",
                ],
            ],
        ),
        _matrix_domain(
            "initiating",
            "Initiating",
            "How the pupil starts things and makes things happen.",
            "I",
            [
                [
                    "Makes movements or sounds of their own accord.",
                    "Repeats a movement that first happened by chance.",
                ],
                [
                    "Moves to make an effect happen again.",
                    "Explores an object with hands or mouth.",
                ],
                [
                    "Acts to start an activity again when it pauses.",
                    "Uses a movement or sound to gain an adult's attention.",
                ],
                [
                    "Chooses one activity from two on offer.",
                    "Tries an object out in more than one way.",
                    "Starts a familiar routine without a prompt.",
                ],
                [
                    "Plans a short run of actions to reach a goal.",
                    "Finds a new use for a familiar object.",
                ],
            ],
        ),
        _matrix_domain(
            "connecting",
            "Connecting",
            "How the pupil is with other people.",
            "C",
            [
                [
                    "Accepts being close to an adult.",
                    "Is comforted by a familiar touch or voice.",
                ],
                [
                    "Looks towards the face of an adult who is speaking.",
                    "Reacts differently to a familiar adult.",
                ],
                [
                    "Waits for an adult to take their turn in a game.",
                    "Copies a simple action an adult makes.",
                ],
                [
                    "Shares attention between an adult and an object.",
                    "Offers an object to an adult.",
                    "Takes part in a turn-taking game with a classmate and an adult.",
                ],
                [
                    "Seeks out another pupil to play alongside.",
                    "Tries again in another way when not understood.",
                ],
            ],
        ),
    ),
)

ENGAGEMENT = FrameworkSpec(
    code="engagement-model",
    name="The engagement model",
    shape=Shape.ENGAGEMENT,
    description=(
        "The five areas of engagement of the Department for Education's engagement model, for "
        "pupils not yet engaged in subject-specific study. Each is observed and described in "
        "words, with evidence; it is never scored. The one-line descriptions are Strides' own."
    ),
    areas=tuple(AreaSpec(code, name, description) for code, name, description in ENGAGEMENT_AREAS),
)

SHIPPED = (LINEAR, MILESTONES, MATRIX, ENGAGEMENT)


def statement_rows(spec: FrameworkSpec) -> list[StatementRow]:
    """The spec's statements as a framework spreadsheet's rows (row 2 onwards), in order."""
    rows: list[StatementRow] = []
    for area in spec.areas:
        placed: list[tuple[int | None, str, Item]] = [
            (step.number, step.name, item) for step in area.steps for item in step.items
        ]
        placed += [(None, "", item) for item in area.milestones]
        for number, step_name, (code, text, key, leads_to) in placed:
            rows.append(
                StatementRow(
                    row=len(rows) + 2,
                    area=area.code,
                    area_name=area.name,
                    step=number,
                    step_name=step_name,
                    code=code,
                    text=text,
                    key=key,
                    leads_to=list(leads_to),
                )
            )
    return rows


def install_shipped(registry: Any) -> None:
    """Create the shipped examples with ``registry``'s models (Django's app registry, or a
    migration's historical one), with the default levels of security. Idempotent: what exists
    already (by code) is left as it is, and only what is missing is added."""
    framework_model = registry.get_model("steps", "StepFramework")
    level_model = registry.get_model("steps", "AchievementLevel")
    area_model = registry.get_model("steps", "StepArea")
    step_model = registry.get_model("steps", "Step")
    statement_model = registry.get_model("steps", "Statement")
    wording_model = registry.get_model("steps", "StatementWording")
    for spec in SHIPPED:
        framework, _ = framework_model.objects.get_or_create(
            code=spec.code,
            trust=None,
            defaults={
                "name": spec.name,
                "shape": str(spec.shape),
                "description": spec.description,
                "shared": True,
            },
        )
        if spec.shape != Shape.ENGAGEMENT:
            for order, level in enumerate(DEFAULT_LEVELS, start=1):
                level_model.objects.get_or_create(
                    framework=framework,
                    code=level.code,
                    defaults={
                        "label": level.label,
                        "order": order,
                        "secured": level.secured,
                        "not_applicable": level.not_applicable,
                        "credit": level.credit,
                    },
                )
        made: dict[str, Any] = {}
        for order, area_spec in enumerate(spec.areas, start=1):
            area, _ = area_model.objects.get_or_create(
                framework=framework,
                code=area_spec.code,
                defaults={"name": area_spec.name, "order": order, "description": area_spec.description},
            )
            placed: list[tuple[StepSpec | None, Item]] = [
                (step, item) for step in area_spec.steps for item in step.items
            ]
            placed += [(None, item) for item in area_spec.milestones]
            steps: dict[int, Any] = {}
            for position, (step_spec, (code, text, key, _leads)) in enumerate(placed, start=1):
                step = None
                if step_spec is not None:
                    step = steps.get(step_spec.number)
                    if step is None:
                        step, _ = step_model.objects.get_or_create(
                            area=area, number=step_spec.number, defaults={"name": step_spec.name}
                        )
                        steps[step_spec.number] = step
                statement, created = statement_model.objects.get_or_create(
                    area=area,
                    code=code,
                    defaults={"step": step, "text": text, "order": position, "key": key},
                )
                if created:
                    wording_model.objects.create(statement=statement, version=1, text=text)
                made[code] = statement
        for area_spec in spec.areas:
            for code, _text, _key, leads_to in area_spec.milestones:
                if leads_to:
                    made[code].leads_to.add(*(made[target] for target in leads_to))


def template_rows(shape: str) -> list[StatementRow]:
    """A few rows of the shipped example of ``shape``: the spreadsheet template of that shape
    (``docs/templates/small-steps-framework*.csv`` and the framework pages' download)."""
    if shape == Shape.MILESTONES:
        return statement_rows(MILESTONES)
    if shape == Shape.MATRIX:
        return [row for row in statement_rows(MATRIX) if row.step in (1, 2)]
    return [
        row
        for row in statement_rows(LINEAR)
        if (row.area == "communication" and row.step in (1, 2)) or (row.area == "number" and row.step == 1)
    ]


TEMPLATE_FILES = {
    Shape.LINEAR: "small-steps-framework.csv",
    Shape.MILESTONES: "small-steps-framework-milestones.csv",
    Shape.MATRIX: "small-steps-framework-matrix.csv",
}
