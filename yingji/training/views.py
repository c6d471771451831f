"""Pages of training: the year's figures (days per person, coverage, monthly 应知应会), sessions,
quizzes and participation; and the residents' quiz pages (no login, phone-sized).

Pages call the same services as the API.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yingji.core import ratelimit
from yingji.core.files import xlsx_response
from yingji.core.scope import has_perm_somewhere
from yingji.jurisdictions.models import Jurisdiction, Level
from yingji.training import exports, quizzes, services
from yingji.training.areas import area_for
from yingji.training.imports import QuestionTable
from yingji.training.models import Attempt, AttemptStatus, OrganiserLevel, QuestionBank, Quiz, TrainingSession

MONTHS = list(range(1, 13))
SHOWN_ROWS = 200


def _area_and_year(request: HttpRequest, perm: str = "training.view_course") -> tuple[Jurisdiction, int]:
    code = request.GET.get("jurisdiction", "").strip() or None
    area = area_for(request.user, code, perm)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = timezone.localdate().year
    if not 2000 <= year <= 2100:
        year = timezone.localdate().year
    return area, year


def _areas(user: Any) -> Any:
    return Jurisdiction.objects.visible_to(user).filter(
        level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).order_by("path")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The year's training of an area: each member's days against the rules, coverage, 应知应会 by month."""
    area, year = _area_and_year(request)
    rows = services.training_days_table(services.members_of(request.user, area), year)
    short = [r for r in rows if not r.meets]
    shown = short[:SHOWN_ROWS]  # the page lists who falls short; the Excel export lists everyone
    for row in shown:  # per level: (days attended, days required), in the order of the columns
        row.cells = [(row.days.get(level.value), row.required.get(level.value))  # type: ignore[attr-defined]
                     for level in OrganiserLevel]
    sessions = (TrainingSession.objects.visible_to(request.user).filter(jurisdiction__path__startswith=area.path,
                                                                        starts_on__year=year)
                .select_related("course__jurisdiction", "jurisdiction", "team")
                .annotate(attendees=Count("attendance")).order_by("-starts_on")[:100])
    return render(request, "training/index.html", {
        "area": area, "year": year, "areas": _areas(request.user), "years": range(year - 3, year + 2),
        "rows": shown, "members": len(rows), "short": short, "levels": list(OrganiserLevel), "sessions": sessions,
        "coverage": services.coverage(area, year), "months": MONTHS,
        "gaps": services.must_know_gaps(area, year, timezone.localdate()),
        "may_export": has_perm_somewhere(request.user, "training.export_course")})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    if not has_perm_somewhere(request.user, "training.export_course"):
        raise PermissionDenied
    area, year = _area_and_year(request, "training.export_course")
    content = exports.training_workbook(area, year, services.training_days_table(services.members_of(request.user, area),
                                                                                 year))
    return xlsx_response(content, f"{_('training')}-{area.name}-{year}")


@login_required
def quiz_list(request: HttpRequest) -> HttpResponse:
    """Quizzes and banks of the area, and participation per community over a period."""
    area = area_for(request.user, request.GET.get("jurisdiction", "").strip() or None, "training.view_attempt")
    today = timezone.localdate()
    try:
        start = datetime.date.fromisoformat(request.GET.get("start", ""))
        end = datetime.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        start, end = today.replace(month=1, day=1), today
    return render(request, "training/quizzes.html", {
        "area": area, "areas": _areas(request.user), "start": start, "end": end,
        "quizzes": Quiz.objects.visible_to(request.user).select_related("jurisdiction", "bank")
        .annotate(question_count=Count("questions", distinct=True)).order_by("-opens_at")[:100],
        "banks": QuestionBank.objects.visible_to(request.user).annotate(question_count=Count("questions")),
        "may_import": has_perm_somewhere(request.user, "training.import_question"),
        "participation": quizzes.quiz_participation(area, start, end, Attempt.objects.visible_to(request.user))})


@login_required
@require_POST
def question_import(request: HttpRequest) -> HttpResponse:
    """Questions from Excel through core.tabular: every bad cell named by row and column, nothing written."""
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose an .xlsx or .csv file first."))
        return redirect("training:quizzes")
    result = QuestionTable(request.user).import_file(upload.read(), upload.name or "")
    if result.ok:
        messages.success(request, _("Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.")
                         % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged})
    else:
        for error in result.errors[:20]:
            messages.error(request, str(error))
    return redirect("training:quizzes")


@login_required
def question_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(QuestionTable(request.user).to_xlsx([]), _("questions"))


# ---------------------------------------------------------------- residents
class StartForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Your name"), max_length=50)
    community = forms.ModelChoiceField(label=gettext_lazy("Your community"), queryset=Jurisdiction.objects.none(),
                                       to_field_name="code", empty_label=gettext_lazy("— choose your community —"))

    def __init__(self, *args: Any, quiz: Quiz, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = Jurisdiction.objects.filter(
            level=Level.COMMUNITY, path__startswith=quiz.jurisdiction.path).order_by("path")


def learn(request: HttpRequest) -> HttpResponse:
    """The quizzes open to residents now."""
    if not ratelimit.allow_public(request, "quiz-list"):
        return HttpResponse(_("Too many requests; try again in a minute."), status=429)
    return render(request, "training/learn.html", {"quizzes": quizzes.open_quizzes()[:50]})


def learn_start(request: HttpRequest, pk: int) -> HttpResponse:
    quiz = get_object_or_404(quizzes.open_quizzes(), pk=pk)
    form = StartForm(request.POST or None, quiz=quiz)
    status = 200
    if request.method == "POST":
        if not ratelimit.allow_public(request, "quiz"):
            form.add_error(None, _("Too many requests from this address; try again in a minute."))
            status = 429
        elif form.is_valid():
            try:
                attempt = quizzes.start_attempt(quiz, resident_name=form.cleaned_data["name"],
                                                community=form.cleaned_data["community"])
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages)
            else:
                return redirect("training:attempt", token=attempt.token)
        if form.errors and status == 200:
            status = 422
    return render(request, "training/learn_start.html", {"quiz": quiz, "form": form}, status=status)


def learn_attempt(request: HttpRequest, token: str) -> HttpResponse:
    """The paper: one question after another, a countdown (the server keeps the deadline), submit."""
    if ratelimit.take(f"public:quiz-attempt:{hashlib.sha256(token.encode()).hexdigest()[:32]}", 1, 120) != 1:
        return HttpResponse(_("Too many requests; try again in a minute."), status=429)
    attempt = get_object_or_404(Attempt.objects.select_related("quiz", "jurisdiction"), token=token,
                                member__isnull=True)
    questions = quizzes.quiz_questions(attempt.quiz)
    error = ""
    if request.method == "POST" and attempt.status == AttemptStatus.IN_PROGRESS:
        answers: dict[str, list[int]] = {}
        for question in questions:
            picked = request.POST.getlist(f"q{question.pk}")
            try:
                answers[str(question.pk)] = [int(p) for p in picked]
            except ValueError as exc:
                raise Http404 from exc
        try:
            attempt = quizzes.submit(attempt, answers)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("training:attempt", token=attempt.token)
    now = timezone.now()
    chosen = {int(k): v for k, v in attempt.answers.items()}
    paper = [{"question": q, "number": n, "chosen": chosen.get(q.pk, []),
              "right": q.answer, "options": list(enumerate(q.options)),
              "correct": sorted(chosen.get(q.pk, [])) == q.answer} for n, q in enumerate(questions, start=1)]
    return render(request, "training/learn_attempt.html", {
        "attempt": attempt, "paper": paper, "error": error,
        "finished": attempt.status != AttemptStatus.IN_PROGRESS,
        "seconds_left": max(0, int((attempt.deadline - now).total_seconds()))},
        status=422 if error else 200)
