"""Questions as tables (Excel/CSV in and out), through core.tabular and the quiz services.

One row per question: the bank's code, the kind (单选题 / 多选题 / 判断题), the
question, options A to F, the answer as letters ("A", "ACD") or 对/错 for a
true/false question, and the explanation. A row is found again by bank and
question text, so a re-import updates instead of duplicating.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yingji.core.scope import ensure
from yingji.core.tabular import CellError, Column, Parser, TableSpec, text
from yingji.training import quizzes
from yingji.training.models import Question, QuestionBank, QuestionKind

OPTION_LETTERS = "ABCDEF"
TRUE_WORDS = {"对", "正确", "是", "√", "true", "t", "yes", "y"}
FALSE_WORDS = {"错", "错误", "否", "×", "false", "f", "no", "n"}


def answer_text(question: Question) -> str:
    if question.kind == QuestionKind.TRUE_FALSE:
        return quizzes.TRUE_FALSE_OPTIONS[question.answer[0]] if question.answer else ""
    return "".join(quizzes.LETTERS[i] for i in question.answer)


def _option(index: int) -> Any:
    return lambda q: q.options[index] if q.kind != QuestionKind.TRUE_FALSE and index < len(q.options) else ""


class QuestionTable(TableSpec):
    model = Question
    title = gettext_lazy("Questions")
    natural_key = ("bank", "text")

    def __init__(self, user: Any) -> None:
        super().__init__(user)
        self.columns = [
            Column("bank", gettext_lazy("Question bank code"), required=True, parse=self._bank(), width=14,
                   get=lambda q: q.bank.code),
            Column("kind", gettext_lazy("Question type"), required=True, choices=QuestionKind, width=10),
            Column("text", gettext_lazy("Question"), required=True, parse=text(1000), width=50),
            *[Column(f"option_{letter.lower()}", format_lazy("{}{}", gettext_lazy("Option "), letter),
                     parse=text(300), width=18, get=_option(i)) for i, letter in enumerate(OPTION_LETTERS)],
            Column("answer", gettext_lazy("Answer"), required=True, parse=text(10), width=8, get=answer_text),
            Column("explanation", gettext_lazy("Explanation"), parse=text(1000), width=40),
        ]

    def _bank(self) -> Parser:
        def parse(raw: str) -> QuestionBank:
            bank = QuestionBank.objects.visible_to(self.user).filter(code=raw.strip().upper()).first()
            if bank is None:
                raise CellError(_("No question bank with this code in your area."))
            return bank
        return parse

    def export_queryset(self) -> Any:
        return super().export_queryset().select_related("bank").order_by("bank__code", "id")

    def _fields(self, values: dict[str, Any]) -> dict[str, Any]:
        kind = values.get("kind") or ""
        options = [values.get(f"option_{letter.lower()}") or "" for letter in OPTION_LETTERS]
        while options and not options[-1]:
            options.pop()
        if kind != QuestionKind.TRUE_FALSE and "" in options:
            raise ValidationError({"option_" + OPTION_LETTERS[options.index("")].lower():
                                   _("Fill the options in order, without gaps.")})
        raw = (values.get("answer") or "").strip()
        if kind == QuestionKind.TRUE_FALSE:
            word = raw.lower()
            if word in TRUE_WORDS:
                answer = [0]
            elif word in FALSE_WORDS:
                answer = [1]
            else:
                raise ValidationError({"answer": _("Write 对 or 错 for a true/false question.")})
        else:
            letters = raw.upper().replace(",", "").replace("，", "").replace("、", "").replace(" ", "")
            if not letters or any(letter not in OPTION_LETTERS for letter in letters):
                raise ValidationError({"answer": _("Write the letters of the right options, such as A or ACD.")})
            answer = [OPTION_LETTERS.index(letter) for letter in letters]
        try:
            fields = quizzes.clean_question(kind, values.get("text") or "", options, answer)
        except ValidationError as exc:
            # The options' problem is told on the first option's column.
            raise ValidationError({"option_a" if name == "options" else name: messages
                                   for name, messages in exc.message_dict.items()}) from exc
        fields["explanation"] = (values.get("explanation") or "").strip()
        return fields

    def has_changes(self, existing: Any, values: dict[str, Any]) -> bool:
        fields = self._fields(values)
        return any(getattr(existing, name) != value for name, value in fields.items())

    def save_row(self, values: dict[str, Any], existing: Question | None) -> Question:
        bank: QuestionBank = values["bank"]
        fields = self._fields(values)
        if existing is None:
            ensure(self.user, "change", bank)
            return quizzes.add_question(actor=self.user, bank=bank, **fields)
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return existing
